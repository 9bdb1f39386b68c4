import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BackupManifest, BackupResult } from '../../../shared/methods/backup-methods.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { readLedger } from '../migrations/migration-ledger.ts';
import { runLimited } from '../run-limited.ts';
import { SHARD_SQL } from '../tenants/website-routing.ts';
import { bytesWritten, checksumDump } from './backup-checksums.ts';
import { MANIFEST, writeFileDurably } from './backup-folder.ts';
import { assertConfiguredPgDumps, choosePgDump, findPgDumpBinaries, installHint, type PgDumpBinary } from './pg-dump-locator.ts';
import { partialPath, pgDumpTls, runPgDump, type BackupFormat } from './run-pg-dump.ts';

export interface CreateBackupOptions {
  /** The folder backups go into; each backup is a new folder inside it. */
  readonly dir: string;
  readonly format: BackupFormat;
  readonly databases?: readonly string[] | undefined;
  /** Databases dumped at once. */
  readonly jobs: number;
  /** Major version -> pg_dump, from the profile or the app's settings. */
  readonly pgDumpPaths?: Readonly<Record<string, string>>;
}

/** A database about to be dumped: its server, the pg_dump that can, and its tables' sizes for progress. */
interface PlannedDump {
  readonly target: DatabaseTarget;
  /** Its archive's name in the folder, without `.dump` (dumpFileBase). */
  readonly fileBase: string;
  readonly serverVersion: string;
  readonly binary: PgDumpBinary;
  readonly tableBytes: ReadonlyMap<string, number>;
  readonly totalBytes: number;
}

type Dumped = BackupManifest['databases'][number];

function backupFolderName(profile: string, at: Date): string {
  const slug = profile.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'cluster';
  return `${slug}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * A new, empty folder for this backup. Two backups started in the same second get the same name: the
 * second takes `NAME-2`, `NAME-3`... and never writes into (or over the manifest of) the first.
 */
async function makeBackupFolder(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw unwritable(dir, error, 'Nothing was backed up');
  });
  for (let n = 1; ; n++) {
    const folder = path.join(dir, n === 1 ? name : `${name}-${n}`);
    try {
      await mkdir(folder, { mode: 0o700 });
      return folder;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(dir, error, 'Nothing was backed up');
    }
  }
}

/**
 * A folder the backup cannot write (no permission, a read-only or full disk) said as such, with what to
 * do, instead of Node's bare error (which the dispatcher would report as a bug of the console).
 */
function unwritable(where: string, error: unknown, outcome: string): ConsoleError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk holding it is full (or the quota used up). Free space there, or pick a folder on another disk'
      : code === 'EACCES' || code === 'EPERM'
        ? 'this user may not write there. Pick a folder this user can write'
        : code === 'EROFS'
          ? 'it is on a read-only file system. Pick a writable folder'
          : `${(error as Error).message}. Pick another folder`;
  return new ConsoleError('BACKUP_FAILED', `${outcome}: ${where} cannot be written, ${why} (--dir PATH, or backupDir in the profile).`, {
    target: where,
    cause: error,
  });
}

/** Each database's server version and tables, read before anything is written: a database that cannot answer refuses the backup. */
async function readServers(ctx: ConsoleContext, targets: readonly DatabaseTarget[]) {
  return Promise.all(
    targets.map(async (target) => {
      const handle = ctx.pools.get(target.name);
      try {
        const version = await handle.query<{ v: string; n: string }>(
          `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`,
        );
        // The planner's page counts, not pg_table_size: that waits for a lock on a table someone holds,
        // and these figures only scale the progress bar.
        const sizes = await handle.query<{ name: string; bytes: string }>(
          `SELECT format('%s.%s', n.nspname, c.relname) AS name, (greatest(c.relpages, 1)::int8 * current_setting('block_size')::int8)::text AS bytes
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
        );
        return {
          target,
          version: version.rows[0]!.v,
          major: Math.floor(Number(version.rows[0]!.n) / 10000),
          tableBytes: new Map(sizes.rows.map((r) => [r.name, Number(r.bytes)])),
        };
      } catch (error) {
        throw new ConsoleError(
          'BACKUP_REFUSED',
          `Nothing was backed up: ${target.name} did not answer (${(error as Error).message}). Back up the databases that answer with --database, or bring ${target.name} back first.`,
          {
            target: target.name,
            cause: error,
          },
        );
      }
    }),
  );
}

/**
 * The name of a database's archive in the backup folder: the database's own name when it is a plain one
 * (letters, digits, `_`, `.`, `-`) that no other name of the backup matches but for case (on macOS and
 * Windows `Shard_A.dump` and `shard_a.dump` are one file); else that name made plain, with a short hash
 * of the real one (a Rails shard name may hold spaces or any letter). The manifest pairs each file with
 * its database.
 */
export function dumpFileBase(name: string, all: readonly string[]): string {
  const plain = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && name.length <= 100;
  const clash = all.some((other) => other !== name && other.toLowerCase() === name.toLowerCase());
  if (plain && !clash) return name;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
  return `${name
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[.-]/, '_')
    .slice(0, 60)}-${hash}`;
}

/** A pg_dump for every database, or a refusal naming each server's version, what was found, and what to install. */
async function planDumps(ctx: ConsoleContext, targets: readonly DatabaseTarget[], options: CreateBackupOptions): Promise<PlannedDump[]> {
  const [servers, binaries] = await Promise.all([
    readServers(ctx, targets),
    findPgDumpBinaries(options.pgDumpPaths ? { configured: options.pgDumpPaths } : {}),
    assertConfiguredPgDumps(options.pgDumpPaths ?? {}),
  ]);
  const missing = servers.filter((s) => choosePgDump(binaries, s.major) === null);
  if (missing.length > 0) {
    const found = binaries.length ? binaries.map((b) => `${b.version} (${b.path})`).join(', ') : 'none';
    const needs = missing.map((s) => `${s.target.name} runs PostgreSQL ${s.version}`).join('; ');
    const major = Math.max(...missing.map((s) => s.major));
    throw new ConsoleError(
      'BACKUP_REFUSED',
      `Nothing was backed up: ${needs}, and pg_dump must be at least that major version. pg_dump found: ${found}. Install ${installHint(major)}.`,
      {
        details: { servers: missing.map((s) => ({ name: s.target.name, version: s.version })), found: binaries },
      },
    );
  }
  // Checked as the console checks it, or not dumped at all (before anything is written).
  const unchecked = servers.map((s) => pgDumpTls(s.target, choosePgDump(binaries, s.major)!.major)).flatMap((t) => ('refusal' in t ? [t.refusal] : []));
  if (unchecked.length > 0) throw new ConsoleError('BACKUP_REFUSED', `Nothing was backed up: ${unchecked.join(' ')}`);
  const names = servers.map((s) => s.target.name);
  return servers.map((s) => ({
    target: s.target,
    fileBase: dumpFileBase(s.target.name, names),
    serverVersion: s.version,
    binary: choosePgDump(binaries, s.major)!,
    tableBytes: s.tableBytes,
    totalBytes: [...s.tableBytes.values()].reduce((a, b) => a + b, 0),
  }));
}

/** pwb_websites id -> shard name, from the primary, beside the dumps. */
async function readRouting(ctx: ConsoleContext): Promise<Record<string, string>> {
  const rows = await ctx.pools.primary().query<{ id: number; shard: string }>(`SELECT id, ${SHARD_SQL} AS shard FROM pwb_websites ORDER BY id`);
  return Object.fromEntries(rows.rows.map((r) => [String(r.id), r.shard]));
}

/**
 * One database's dump with progress: the bytes of the tables pg_dump has finished (from its verbose
 * log) against all its tables' bytes, and what it has written so far. Its checksum follows the dump.
 */
async function dumpOne(ctx: ConsoleContext, plan: PlannedDump, folder: string, options: CreateBackupOptions, job: RunningJob): Promise<Dumped> {
  const startedAt = new Date().toISOString();
  const file = options.format === 'custom' ? `${plan.fileBase}.dump` : plan.fileBase;
  const output = path.join(folder, file);
  let done = 0;
  let current: string | null = null;
  const report = async () => {
    // pg_dump writes beside the final name until it has finished (see partialPath).
    const written = (await bytesWritten(output)) || (await bytesWritten(partialPath(output)));
    job.progress({ phase: plan.target.name, done, total: plan.totalBytes, unit: 'bytes', message: `${current ?? 'schema'}; ${written} bytes written` });
  };
  const ticker = setInterval(() => void report(), 1000);
  try {
    const migrations = await readLedger(ctx.pools.get(plan.target.name)).then(
      (l) => [...l.applied].sort(),
      () => [] as string[],
    );
    await runPgDump({
      binary: plan.binary,
      target: plan.target,
      format: options.format,
      output,
      signal: job.signal,
      onTable: (table) => {
        if (current !== null) done += plan.tableBytes.get(current) ?? 0;
        current = table;
      },
    });
    done = plan.totalBytes;
    current = null;
    await report();
    const checksum = await checksumDump(output, job.signal).catch(async (error: unknown) => {
      // A dump without its checksum is not in the manifest: it must not stay in the folder either.
      await rm(output, { recursive: true, force: true }).catch(() => {});
      throw job.signal.aborted ? job.signal.reason : error;
    });
    return {
      name: plan.target.name,
      role: plan.target.role,
      file: options.format === 'directory' ? `${file}/` : file,
      format: options.format,
      ...checksum,
      serverVersion: plan.serverVersion,
      pgDumpVersion: plan.binary.version,
      migrations,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  } finally {
    clearInterval(ticker);
  }
}

async function writeManifest(folder: string, manifest: BackupManifest): Promise<void> {
  try {
    // On disk before it is named: after a power loss the manifest is whole or absent (the backup then unlisted), never empty.
    await writeFileDurably(path.join(folder, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    throw unwritable(folder, error, 'The dumps are written but the backup has no manifest, so it is not listed or verifiable');
  }
}

function errorInfo(error: unknown): ErrorInfo {
  return error instanceof ConsoleError ? error.toInfo() : { code: 'BACKUP_FAILED', message: (error as Error)?.message ?? String(error) };
}

/**
 * Backs up every database (or the ones named) into a new folder: pg_dump of each, `jobs` at a time,
 * checksums, and manifest.json with versions, migrations and the routing map. Everything that could
 * refuse (a database down, no suitable pg_dump) is checked before anything is written; a database that
 * fails or is stopped leaves no partial file, and the manifest says which did not finish.
 */
export async function createBackup(ctx: ConsoleContext, options: CreateBackupOptions, job: RunningJob): Promise<BackupResult> {
  // A database named twice is dumped once: two dumps to one file would write over (or into) each other.
  const targets = options.databases ? [...new Set(options.databases)].map((name) => ctx.pools.get(name).target) : [...ctx.pools.targets];
  const plans = await planDumps(ctx, targets, options);
  const startedAt = new Date();
  const routing = await readRouting(ctx);
  const folder = await makeBackupFolder(path.resolve(options.dir), backupFolderName(ctx.profile.name, startedAt));
  const dumped: Dumped[] = [];
  const incomplete: BackupManifest['incomplete'] = [];
  await runLimited(plans, options.jobs, async (plan) => {
    try {
      dumped.push(await dumpOne(ctx, plan, folder, options, job));
    } catch (error) {
      incomplete.push({ name: plan.target.name, error: errorInfo(error) });
    }
  });
  const order = new Map(targets.map((t, i) => [t.name, i]));
  dumped.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const manifest: BackupManifest = {
    kind: 'shard-console-backup',
    formatVersion: 1,
    profile: ctx.profile.name,
    consoleVersion: ctx.version,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    complete: incomplete.length === 0,
    incomplete,
    databases: dumped,
    routing,
  };
  await writeManifest(folder, manifest);
  job.signal.throwIfAborted();
  if (incomplete.length > 0) {
    throw new ConsoleError(
      'BACKUP_FAILED',
      `${incomplete.map((i) => `${i.name}: ${i.error.message}`).join(' ')} The other databases' dumps are in ${folder} (manifest.json says which finished).`,
      {
        target: folder,
        details: { incomplete },
      },
    );
  }
  return {
    backup: folder,
    databases: dumped.map(({ name, file, format, bytes, sha256, serverVersion, pgDumpVersion }) => ({
      name,
      file,
      format,
      bytes,
      sha256,
      serverVersion,
      pgDumpVersion,
    })),
  };
}
