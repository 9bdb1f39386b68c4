import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { contract, type MethodName, type ProfileSource } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { Environment } from '../config/expand-variables.ts';
import type { ResolvedProfile } from '../config/profile-schema.ts';
import { loadProfileSource } from '../config/resolve-profile-source.ts';
import type { SecretReader, SecretStore } from '../config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../console-context.ts';
import type { CallContext } from '../call-context.ts';
import { createDispatcher, type Dispatch } from '../dispatch/dispatcher.ts';
import { createHandlers, type ConsoleMethodName, type Handler, type Handlers, type HandlersFor } from '../dispatch/handlers.ts';
import { WRITING_METHODS, type WritePaths } from './write-paths.ts';
import { profileHandlers } from './profile-handlers.ts';
import { RecentProfiles } from './recent-profiles.ts';

/** The embedded demo cluster, started on demand from the start screen. */
export interface DemoCluster {
  readonly profilePath: string;
  stop(): Promise<void>;
}

export interface ConsoleSessionOptions {
  /** The user's data folder: the recent list and the profiles the app saves live here. */
  readonly dataDir: string;
  /** Where `${VAR}` references are resolved. */
  readonly env: Environment;
  /** The OS keychain (desktop app), or a reader of SHARD_CONSOLE_SECRET_* variables (browser mode). */
  readonly secrets: SecretReader | SecretStore;
  readonly secretStorage: 'keychain' | 'none';
  /** Starts the embedded demo; absent where there is none (its binaries missing). */
  readonly startDemo?: () => Promise<DemoCluster>;
  /** Called with each console opened (the log follows its jobs); its return is called when it closes. */
  readonly onOpened?: (ctx: ConsoleContext) => (() => void) | void;
  readonly onUnexpectedError?: (method: string, error: unknown) => string | void;
  /** Opens a console on a loaded profile (tests pass their own options). */
  readonly openConsole?: (profile: ResolvedProfile) => ConsoleContext;
  /** Where the desktop window may write files (see write-paths.ts); absent: callers name any path. */
  readonly writePaths?: WritePaths;
}

export interface OpenProfile {
  readonly name: string;
  readonly source: ProfileSource;
  readonly readOnly: boolean;
}

const consoleMethods = (Object.keys(contract) as MethodName[]).filter((m): m is ConsoleMethodName => !m.startsWith('profiles.'));

/**
 * The app's session: which profile is open, and switching to another without a restart. The desktop
 * app and `serve` hand its `dispatch` to their transport; the profile methods (and `session.info`) are
 * answered here, every other method by the console open on the current profile.
 */
export class ConsoleSession {
  readonly recent: RecentProfiles;
  readonly dispatch: Dispatch;
  readonly #options: ConsoleSessionOptions;
  #ctx: ConsoleContext | null = null;
  #source: ProfileSource | null = null;
  #closeHook: (() => void) | null = null;
  #openId: string | null = null;
  #demo: Promise<DemoCluster> | null = null;
  #handlers = new WeakMap<ConsoleContext, HandlersFor<ConsoleMethodName>>();
  /** Opens one at a time: a second waits for the first, then switches again. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConsoleSessionOptions) {
    this.#options = options;
    this.recent = new RecentProfiles(resolve(options.dataDir, 'recent-profiles.json'));
    const dispatch = createDispatcher(this.#allHandlers(), {
      readOnly: () => this.#ctx?.profile.readOnly ?? false,
      validateResults: true,
      ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
    });
    this.dispatch = (method, params, call) => {
      const stale = this.#staleCaller(method, call?.openedProfile);
      return stale === null ? dispatch(method, params, call) : Promise.resolve({ ok: false, error: stale });
    };
  }

  /** This opening of the profile (session.info's openId): new on every open, null before one. */
  get openId(): string | null {
    return this.#openId;
  }

  /**
   * A call from a page loaded for an earlier opening (another tab of `serve` has opened another profile
   * since): refused before anything runs, as it would run on a cluster the operator is not looking at.
   */
  #staleCaller(method: string, openedProfile: string | undefined): ErrorInfo | null {
    if (openedProfile === undefined || openedProfile === this.#openId || method === 'session.info' || method.startsWith('profiles.')) return null;
    const now = this.currentProfile;
    const message =
      now === null
        ? `No profile is open any more (it was closed in another tab or window): ${method} was not run. Reload the page.`
        : `Another tab or window has opened the profile "${now.name}" since this page was loaded: ${method} was not run, as it would have run there. Reload the page to work on "${now.name}".`;
    return { code: 'PROFILE_CHANGED', message, target: method };
  }

  get options(): ConsoleSessionOptions {
    return this.#options;
  }

  /** The console on the open profile, or null before one is opened (the start screen). */
  get current(): ConsoleContext | null {
    return this.#ctx;
  }

  get currentProfile(): OpenProfile | null {
    if (this.#ctx === null || this.#source === null) return null;
    return { name: this.#ctx.profile.name, source: this.#source, readOnly: this.#ctx.profile.readOnly };
  }

  get demoRunning(): boolean {
    return this.#demo !== null;
  }

  /**
   * Loads the profile, then switches to it. A profile that does not load changes nothing (the open one
   * stays); a job running in this console refuses the switch, as closing its pools would stop it.
   */
  open(source: ProfileSource): Promise<OpenProfile> {
    const next = this.#queue.then(() => this.#open(absolute(source)));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #open(source: ProfileSource): Promise<OpenProfile> {
    this.#refuseWhileBusy();
    const file: ProfileSource = source.kind === 'demo' ? { kind: 'profile', path: (await this.#startDemo()).profilePath } : source;
    const profile = await loadProfileSource(file, { env: this.#options.env, secrets: this.#options.secrets });
    this.#refuseWhileBusy();
    const ctx = (this.#options.openConsole ?? openConsole)(profile);
    const previous = this.#ctx;
    const previousHook = this.#closeHook;
    this.#ctx = ctx;
    this.#source = source;
    this.#openId = randomUUID();
    this.#closeHook = this.#options.onOpened?.(ctx) ?? null;
    previousHook?.();
    await previous?.close();
    if (source.kind !== 'demo') await this.recent.remember(source, profile.name);
    return this.currentProfile!;
  }

  #refuseWhileBusy(): void {
    const running = this.#ctx?.jobs.history().filter((j) => j.state === 'running') ?? [];
    if (running.length === 0) return;
    throw new ConsoleError(
      'JOB_BUSY',
      `${running.map((j) => j.title).join(', ')} ${running.length === 1 ? 'is' : 'are'} running in this console on ${this.#ctx!.profile.name}. Wait for ${running.length === 1 ? 'it' : 'them'} to finish, or stop ${running.length === 1 ? 'it' : 'them'} on the Jobs page, then open the other profile.`,
      { details: { jobs: running.map((j) => j.id) } },
    );
  }

  #startDemo(): Promise<DemoCluster> {
    const start = this.#options.startDemo;
    if (start === undefined) {
      throw new ConsoleError(
        'CONFIG_NOT_FOUND',
        'The embedded demo is not available in this build (its PostgreSQL binaries are missing). Open a profile instead.',
      );
    }
    this.#demo ??= start().catch((error: unknown) => {
      this.#demo = null;
      throw error;
    });
    return this.#demo;
  }

  /** Closes the open console (its jobs stop at a safe point first) and stops the demo if it runs. */
  async close(): Promise<void> {
    await this.#queue;
    const ctx = this.#ctx;
    this.#ctx = null;
    this.#source = null;
    this.#openId = null;
    this.#closeHook?.();
    this.#closeHook = null;
    await ctx?.close();
    const demo = this.#demo;
    this.#demo = null;
    await (await demo?.catch(() => null))?.stop();
  }

  #console(method: string): ConsoleContext {
    if (this.#ctx !== null) return this.#ctx;
    throw new ConsoleError(
      'CONFIG_NOT_FOUND',
      `No profile is open, so there is no cluster to answer ${method}. Open a profile on the start screen (or start with --profile FILE).`,
      {
        target: method,
      },
    );
  }

  #handlersOf(ctx: ConsoleContext): HandlersFor<ConsoleMethodName> {
    let handlers = this.#handlers.get(ctx);
    if (handlers === undefined) {
      handlers = createHandlers(ctx);
      this.#handlers.set(ctx, handlers);
    }
    return handlers;
  }

  #allHandlers(): Handlers {
    const forward = (method: ConsoleMethodName) =>
      ((params: unknown, call: Parameters<Handler<ConsoleMethodName>>[1]) =>
        (this.#handlersOf(this.#console(method))[method] as (p: unknown, c: typeof call) => Promise<unknown>)(params, call)) as unknown;
    const forwarded = Object.fromEntries(consoleMethods.map((m) => [m, forward(m)])) as unknown as HandlersFor<ConsoleMethodName>;
    return guardWrites({ ...forwarded, ...profileHandlers(this) }, this.#options.writePaths);
  }
}

/** The methods writing where their caller says, checked against `paths` before they run. */
function guardWrites(handlers: Handlers, paths: WritePaths | undefined): Handlers {
  if (paths === undefined) return handlers;
  const guarded: Record<string, unknown> = { ...handlers };
  for (const [method, check] of Object.entries(WRITING_METHODS)) {
    const inner = guarded[method] as (params: never, call: CallContext) => Promise<unknown>;
    guarded[method] = async (params: never, call: CallContext) => {
      await check(paths, params, call.caller);
      return inner(params, call);
    };
  }
  return guarded as Handlers;
}

/** Paths as given from a page are taken from the console's working folder. */
function absolute(source: ProfileSource): ProfileSource {
  if (source.kind === 'profile') return { kind: 'profile', path: resolve(source.path) };
  if (source.kind === 'rails') return { ...source, file: resolve(source.file) };
  return source;
}
