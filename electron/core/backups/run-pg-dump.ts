import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { PgDumpBinary } from './pg-dump-locator.ts';

export type BackupFormat = 'custom' | 'directory';

export interface DumpRequest {
  readonly binary: PgDumpBinary;
  readonly target: DatabaseTarget;
  readonly format: BackupFormat;
  /** The archive file (custom) or folder (directory) to write; removed again if the dump does not finish. */
  readonly output: string;
  /** Parallel workers for a directory dump (pg_dump --jobs). */
  readonly jobs?: number;
  readonly signal?: AbortSignal;
  /** Each table as pg_dump starts dumping its rows (`public.pwb_pages`). */
  readonly onTable?: (table: string) => void;
}

/**
 * The one line of the password file: every host, port, database and user (the file serves this one
 * pg_dump, and libpq matches a socket directory as `localhost`, not as the host written); `:` and `\`
 * escaped with `\`.
 */
function passfileLine(target: DatabaseTarget): string {
  return `*:*:*:*:${(target.password ?? '').replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`;
}

const PASSFILE_PREFIX = 'sc-pgpass-';

/**
 * Password files a console left behind when it died mid-dump (killed, Ctrl-C twice, a crash: no
 * `finally` ran): their folders name the process that made them, removed once it is gone.
 */
async function removeStalePassfiles(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(new RegExp(`^${PASSFILE_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    await rm(path.join(os.tmpdir(), name), { recursive: true, force: true }).catch(() => {});
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The password reaches pg_dump through a password file of its own (0600, in a 0700 folder, deleted
 * after), never its command line (visible to every user in `ps`), its environment, the log or the manifest.
 */
async function withPassfile<T>(target: DatabaseTarget, work: (file: string | null) => Promise<T>): Promise<T> {
  if (target.password === undefined) return work(null);
  await removeStalePassfiles();
  const dir = await mkdtemp(path.join(os.tmpdir(), `${PASSFILE_PREFIX}${process.pid}-`));
  const file = path.join(dir, 'pgpass');
  try {
    await writeFile(file, passfileLine(target), { mode: 0o600 });
    return await work(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The operator's TLS files for libpq (a verify-full server needs its CA): they say how to trust, not where to connect. */
const KEPT_PG_SETTINGS = new Set(['PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLCRL', 'PGSSLCRLDIR']);

/**
 * libpq's TLS settings that check the server as the console's own connections do (pools/ssl-option.ts),
 * or why this pg_dump cannot: the system's CAs (`sslrootcert=system`) came in libpq 16, and an older
 * one reads "system" as a file name and, missing, goes on in `require` mode unchecked, where the
 * console checks the chain and the host name. A `verify-full` without a CA file is checked against
 * the system's (Node's) CAs by the console; libpq would look for ~/.postgresql/root.crt instead.
 */
export function pgDumpTls(
  target: Pick<DatabaseTarget, 'name' | 'ssl' | 'sslRootCert'>,
  pgDumpMajor: number,
): { mode: string; rootCert?: string } | { refusal: string } {
  const mode = target.ssl === false ? 'disable' : target.ssl === true ? 'require' : target.ssl;
  const systemCAs = target.sslRootCert === 'system' || (mode === 'verify-full' && target.sslRootCert === undefined);
  if (!systemCAs) return { mode, ...(target.sslRootCert !== undefined ? { rootCert: target.sslRootCert } : {}) };
  if (pgDumpMajor < 16)
    return {
      refusal: `${target.name} is checked against the system's CA certificates, which pg_dump ${pgDumpMajor} cannot do (sslrootcert=system came in PostgreSQL 16; older ones would connect unchecked, or not at all). Give the database's CA file in the profile (sslRootCert), or install pg_dump 16 or newer.`,
    };
  return { mode: 'verify-full', rootCert: 'system' };
}

/** pg_dump's own environment: ours without any PG* setting that could redirect it (its TLS files kept), plus the connection's. */
function dumpEnvironment(request: DumpRequest, passfile: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') || KEPT_PG_SETTINGS.has(k)));
  env.PGAPPNAME = 'shard-console-backup';
  env.PGCONNECT_TIMEOUT = '10';
  const tls = pgDumpTls(request.target, request.binary.major);
  if ('refusal' in tls) throw new ConsoleError('BACKUP_REFUSED', tls.refusal, { target: request.target.name });
  env.PGSSLMODE = tls.mode;
  // The profile's CA for this database, as the console's own connections check it.
  if (tls.rootCert !== undefined) env.PGSSLROOTCERT = tls.rootCert;
  if (passfile !== null) env.PGPASSFILE = passfile;
  return env;
}

function dumpArguments(request: DumpRequest): string[] {
  const t = request.target;
  const args = ['--format', request.format === 'custom' ? 'custom' : 'directory', '--file', partialPath(request.output), '--verbose', '--no-password'];
  args.push('--host', t.host, '--port', String(t.port), '--username', t.user, '--dbname', t.database);
  if (request.format === 'directory' && request.jobs !== undefined && request.jobs > 1) args.push('--jobs', String(request.jobs));
  return args;
}

const TABLE_LINE = /dumping contents of table "([^"]+)"/;

/**
 * Where pg_dump writes until it has finished: a console killed mid-dump (no cleanup ran) leaves a
 * `.partial` file or folder, never a truncated archive under the name a finished one has.
 */
export function partialPath(output: string): string {
  return `${output}.partial`;
}

/**
 * Runs pg_dump for one database to `output`, reporting each table it starts. Stopping (the signal) ends
 * pg_dump and removes what it wrote; so does a failure, whose error carries the last lines pg_dump said.
 */
export async function runPgDump(request: DumpRequest): Promise<void> {
  request.signal?.throwIfAborted();
  await withPassfile(request.target, async (passfile) => {
    const child = spawn(request.binary.path, dumpArguments(request), { env: dumpEnvironment(request, passfile), stdio: ['ignore', 'ignore', 'pipe'] });
    const said: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      const table = TABLE_LINE.exec(line)?.[1];
      if (table !== undefined) request.onTable?.(table);
      else if (!line.includes(': reading ') && !line.includes(': saving ')) said.push(line);
      if (said.length > 20) said.shift();
    });
    const stop = () => child.kill('SIGTERM');
    request.signal?.addEventListener('abort', stop, { once: true });
    // A stop that came while the password file was written found no listener yet.
    if (request.signal?.aborted) stop();
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: Error | null }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal, error: null }));
    }).finally(() => request.signal?.removeEventListener('abort', stop));
    if (exit.code === 0) return rename(partialPath(request.output), request.output);
    await rm(partialPath(request.output), { recursive: true, force: true });
    request.signal?.throwIfAborted();
    const detail = exit.error
      ? exit.error.message
      : exit.signal
        ? `pg_dump was killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (out of memory, or ended by someone)' : ''}`
        : said
            .filter((l) => /error|fatal|failed|abort/i.test(l))
            .slice(-3)
            .join(' ') || said.slice(-3).join(' ');
    throw new ConsoleError(
      'BACKUP_FAILED',
      `pg_dump ${request.binary.version} could not back up ${request.target.name}: ${detail || `exit code ${exit.code}`}. Fix the cause, then run the backup again.`,
      {
        target: request.target.name,
      },
    );
  });
}
