import { contract, isMethodName, type Envelope, type MethodName } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import { controlCharacterMessage, describeCodePoint, findControlCharacter } from './control-characters.ts';
import type { ConsoleHandlers } from './handlers.ts';
import type { z } from 'zod';
import { runWithSignal, type CallContext } from '../call-context.ts';
import { readOnlyRefusal } from '../read-only-guard.ts';

/** What a transport passes with a call: the signal its cancel aborts, where events go, who is calling. */
export interface DispatchCall {
  readonly signal?: AbortSignal;
  /** Each event the method emits, already checked against the contract's event schema. */
  readonly onEvent?: (event: unknown) => void;
  /** For jobs and the audit log: `ui`, `http`, `cli user@host`. */
  readonly caller?: string;
  /** The opening of the profile the caller's page was loaded for (session.info's openId), when it says. */
  readonly openedProfile?: string;
}

export type Dispatch = (method: string, params: unknown, call?: DispatchCall) => Promise<Envelope<MethodName>>;

export interface DispatcherOptions {
  /** Validate results against the contract too: on in tests and development, where a drifted result is a bug to catch. */
  readonly validateResults?: boolean;
  /** A read-only profile: methods the contract marks `mutates` are refused before they run. */
  readonly readOnly?: () => boolean;
  /** Called with unexpected (non-ConsoleError) failures, for the log; may return where they were written ("the log …, the line with …"). */
  readonly onUnexpectedError?: (method: string, error: unknown) => string | void;
}

function issuesToText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : 'params'}: ${i.message}`).join('; ');
}

/** The one entry point every transport calls: validates params, runs the handler, returns one envelope shape. */
export function createDispatcher(handlers: ConsoleHandlers, options: DispatcherOptions = {}): Dispatch {
  return async (method, rawParams, call = {}) => {
    if (!isMethodName(method)) {
      const shown = findControlCharacter(method) === null ? JSON.stringify(method) : 'with that name';
      return fail({ code: 'UNKNOWN_METHOD', message: `There is no method ${shown}. Call one of: ${Object.keys(contract).join(', ')}.` });
    }
    const spec = contract[method];
    if (spec.mutates && options.readOnly?.()) {
      return fail({ code: 'READ_ONLY', message: readOnlyRefusal(`${method} changes the cluster`), target: method });
    }
    // Before the schema: a control character must be refused whatever the schema would make of the value.
    const control = findControlCharacter(rawParams);
    if (control !== null) {
      return fail({
        code: 'INVALID_PARAMS',
        message: controlCharacterMessage(control, `Invalid parameters for ${method}`),
        target: method,
        details: { path: control.path, codePoint: describeCodePoint(control.codePoint) },
      });
    }
    const parsed = spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      return fail({
        code: 'INVALID_PARAMS',
        message: `Invalid parameters for ${method}: ${issuesToText(parsed.error.issues)}. Correct the parameters named and call again (\`shard-console help\` lists each command's options).`,
        target: method,
      });
    }
    const handler = handlers[method] as ((params: unknown, context: CallContext) => Promise<unknown>) | undefined;
    if (handler === undefined) return fail(notAnsweredHere(method));
    try {
      const context = callContext(spec.events, call, options.validateResults === true, method);
      const result = await runWithSignal(context.signal, () => handler(parsed.data, context));
      if (options.validateResults) {
        const checked = spec.result.safeParse(result);
        if (!checked.success) throw new Error(`result of ${method} breaks the contract: ${issuesToText(checked.error.issues)}`);
      }
      return { ok: true, result } as Envelope<MethodName>;
    } catch (error) {
      // A statement cancelled by the caller's stop comes back as the server's "canceling statement due to
      // user request", or a connection cut: the call was cancelled, and says so.
      if (call.signal?.aborted && !(error instanceof ConsoleError && !CANCEL_ECHOES.has(error.code))) return fail(cancelledInfo(method, call.signal.reason));
      if (error instanceof ConsoleError) return fail(error.toInfo());
      const logged = options.onUnexpectedError?.(method, error);
      const message = error instanceof Error ? error.message : String(error);
      const where = typeof logged === 'string' ? `Look for ${logged}, and report it with that log.` : 'Please report it with the log.';
      return fail({ code: 'INTERNAL', message: `${method} failed unexpectedly: ${message}. This is a bug in Shard Console. ${where}`, target: method });
    }
  };
}

/**
 * The handler's view of a call. Events are checked against the method's event schema before they leave
 * (always in tests): a drifted event is a bug, reported as one rather than sent on.
 */
function callContext(events: z.ZodType, call: DispatchCall, validate: boolean, method: string): CallContext {
  const signal = call.signal ?? new AbortController().signal;
  const deliver = call.onEvent ?? (() => {});
  return {
    signal,
    caller: call.caller ?? 'internal',
    emit(event) {
      if (validate) {
        const checked = events.safeParse(event);
        if (!checked.success) throw new Error(`an event of ${method} breaks the contract: ${issuesToText(checked.error.issues)}`);
      }
      deliver(event);
    },
  };
}

/** What a database error looks like when it is only the echo of the caller's own cancel. */
const CANCEL_ECHOES: ReadonlySet<string> = new Set(['DATABASE_ERROR', 'DATABASE_UNREACHABLE']);

function cancelledInfo(method: string, reason: unknown): ErrorInfo {
  if (reason instanceof ConsoleError) return reason.toInfo();
  return { code: 'CANCELLED', message: `${method} was cancelled by its caller before it finished; anything it changes is left resumable.`, target: method };
}

function fail(error: ErrorInfo): Envelope<MethodName> {
  return { ok: false, error };
}

/** A console open on one profile (the CLI) has no session: the profile methods are answered by the app. */
function notAnsweredHere(method: string): ErrorInfo {
  return {
    code: 'ACTION_NOT_ALLOWED',
    message: `${method} is answered by the app (the desktop app or \`shard-console serve\`), where profiles are opened and switched. On the command line pass --profile FILE, or --rails-config FILE --env NAME.`,
    target: method,
  };
}
