import type { ArchiveInspectionResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { backupFormatSchema } from '../../../shared/methods/backup-methods.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';
import { offlineProfile } from '../../core/config/offline-profile.ts';
import { openConsole, type ConsoleContext } from '../../core/console-context.ts';
import { callMethod } from '../call-method.ts';
import { clusterOptions, intOption, websiteIdArgument, refuseOptions } from '../cli-args.ts';
import { stringOption, type CliCommand, type CliInvocation } from '../cli-command.ts';
import { renderTable, type CliIo } from '../cli-output.ts';
import { callWithProgress } from '../follow-job.ts';
import { openConsoleFromOptions } from '../open-console-from-options.ts';

/*
 * Backups from the command line: `backup create` needs the cluster's profile; `backup inspect`,
 * `website`, `verify` and the offline `doctor` read archives alone and work without one.
 */

/** Which verbs take each of the command's own options. */
const BACKUP_OPTIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['dir', ['create', 'list']],
  ['format', ['create']],
  ['database', ['create']],
  ['jobs', ['create']],
  ['rows', ['website']],
  ['live', ['doctor']],
];

/** How many arguments each verb takes after it. */
const BACKUP_ARGUMENTS: Readonly<Record<string, number>> = { create: 0, list: 0, verify: 1, inspect: 1, website: 2, doctor: 1 };

const USAGE =
  'backup create [--dir D] [--format custom|directory] [--database NAME]... [--jobs N] | backup list [--dir D] | backup verify DIR | backup inspect PATH | backup website ID PATH [--rows N] | backup doctor PATH [--live]';

function usageError(): ConsoleError {
  return new ConsoleError('INVALID_PARAMS', `Usage: shard-console ${USAGE}`);
}

/** The profile's console when one is named (or in $SHARD_CONSOLE_PROFILE), else an offline one. */
async function consoleFor(invocation: CliInvocation, needsCluster: boolean): Promise<ConsoleContext> {
  const named = stringOption(invocation.options, 'profile') ?? stringOption(invocation.options, 'rails-config') ?? process.env.SHARD_CONSOLE_PROFILE;
  if (named !== undefined) return openConsoleFromOptions(invocation.options);
  if (needsCluster) throw new ConsoleError('CONFIG_NOT_FOUND', 'This needs the cluster: give --profile FILE (or set SHARD_CONSOLE_PROFILE).');
  return openConsole(offlineProfile());
}

function printInspection(io: CliIo, archives: readonly ArchiveInspectionResult[]): void {
  for (const a of archives) {
    io.out(
      `${a.database ?? '(unnamed)'}: ${a.file} (${a.format}, archive ${a.archiveVersion ?? '—'}, server ${a.serverVersion ?? '—'}, pg_dump ${a.pgDumpVersion ?? '—'}, dumped ${a.dumpedAt ?? '—'} local time)`,
    );
    io.out(
      renderTable(
        ['TABLE', 'ROWS', 'TENANT', 'NOTE'],
        a.tables.map((t) => [t.table, formatCount(t.rows), t.tenant ? 'yes' : '', t.note ?? '']),
        [1],
      ),
    );
    io.out(
      `${formatCount(a.websites.length)} websites; largest: ${
        [...a.websites]
          .sort((x, y) => y.rows - x.rows)
          .slice(0, 5)
          .map((w) => `${w.id} (${formatCount(w.rows)} rows)`)
          .join(', ') || '—'
      }\n`,
    );
    if (a.error) io.err(`${a.database ?? a.file}: ${a.error.message}`);
  }
}

async function runCreate(ctx: ConsoleContext, { options, io }: CliInvocation): Promise<number> {
  const format = stringOption(options, 'format') ?? 'custom';
  if (!backupFormatSchema.options.includes(format as 'custom'))
    throw new ConsoleError('INVALID_PARAMS', `--format takes custom or directory, not "${format}".`);
  const databases = (options.database as unknown as string[] | undefined) ?? undefined;
  const jobs = intOption(options.jobs, 'jobs', { min: 1, max: 16 }) ?? 2;
  const dir = stringOption(options, 'dir');
  const result = await callWithProgress(io, (call) =>
    callMethod(
      ctx,
      'backup.create',
      { format: format as 'custom' | 'directory', jobs, ...(dir ? { dir } : {}), ...(databases?.length ? { databases } : {}) },
      call,
    ),
  );
  if (options.json) io.out(JSON.stringify(result, null, 2));
  else {
    io.out(`Backup written to ${result.backup}`);
    io.out(
      renderTable(
        ['DATABASE', 'FILE', 'BYTES', 'SERVER', 'PG_DUMP', 'SHA256'],
        result.databases.map((d) => [d.name, d.file, formatBytes(d.bytes), d.serverVersion, d.pgDumpVersion, d.sha256.slice(0, 16)]),
        [2],
      ),
    );
  }
  return 0;
}

async function runOffline(ctx: ConsoleContext, verb: string, args: readonly string[], { options, io }: CliInvocation): Promise<number> {
  const json = options.json === true;
  if (verb === 'verify' || verb === 'inspect' || verb === 'doctor') {
    const path = args[0];
    if (path === undefined) throw usageError();
    if (verb === 'verify') {
      const result = await callWithProgress(io, (call) => callMethod(ctx, 'backup.verify', { path }, call));
      if (json) io.out(JSON.stringify(result, null, 2));
      else for (const f of result.files) io.out(`${f.ok ? 'ok     ' : 'FAILED '} ${f.name} ${f.file}: ${f.message}`);
      return result.ok ? 0 : 1;
    }
    if (verb === 'inspect') {
      const result = await callWithProgress(io, (call) => callMethod(ctx, 'backup.inspect', { path }, call));
      if (json) io.out(JSON.stringify(result, null, 2));
      else printInspection(io, result.archives);
      return result.archives.some((a) => a.error) ? 1 : 0;
    }
    const result = await callWithProgress(io, (call) => callMethod(ctx, 'backup.doctor', { path, live: options.live === true }, call));
    if (json) io.out(JSON.stringify(result, null, 2));
    else {
      for (const m of result.misplaced)
        io.out(`website ${m.website}: ${formatCount(m.rows)} rows in ${m.foundIn}, routed to ${m.routedTo ?? '(no website)'} at backup time`);
      for (const c of result.changes ?? [])
        io.out(`website ${c.website}: ${formatCount(c.backupRows)} rows in the backup, ${formatCount(c.liveRows)} now (on ${c.liveShard ?? 'no database'})`);
      if (result.error) io.err(`${result.error.code}: ${result.error.message}`);
      else if (result.misplaced.length === 0 && (result.changes ?? []).length === 0) io.out('Nothing out of place.');
    }
    return result.misplaced.length > 0 || result.error ? 1 : 0;
  }
  const id = websiteIdArgument(args[0]);
  const path = args[1];
  if (id === undefined || path === undefined) throw usageError();
  const rows = intOption(options.rows, 'rows', { min: 0, max: 1000 }) ?? 0;
  const result = await callWithProgress(io, (call) => callMethod(ctx, 'backup.website', { id, path, rows }, call));
  if (json) io.out(JSON.stringify(result, null, 2));
  else
    for (const a of result.archives)
      io.out(
        `${a.database ?? a.file}:\n${renderTable(
          ['TABLE', 'ROWS'],
          a.tables.map((t) => [t.table, formatCount(t.rows)]),
          [1],
        )}\n`,
      );
  // Counts read before damage are not the website's rows: each damaged archive is said, and the answer is not a success.
  const damaged = result.archives.filter((a) => a.error !== null);
  for (const a of damaged)
    io.err(`${a.database ?? a.file}: ${a.error!.code}: ${a.error!.message}${a.tables.length > 0 ? ' The counts above are what was read before it.' : ''}`);
  if (damaged.length > 0) return 1;
  // A website the backup has no row of is a problem found (a wrong id, or the wrong backup), not an empty success.
  if (result.archives.every((a) => a.tables.every((t) => t.rows === 0))) {
    io.err(
      `Website ${id} has no rows in this backup (${result.archives.length} archive${result.archives.length === 1 ? '' : 's'} read). Check the id, or the backup's date.`,
    );
    return 1;
  }
  return 0;
}

async function runBackup(invocation: CliInvocation): Promise<number> {
  const [verb, ...args] = invocation.positionals;
  if (verb === undefined || !Object.hasOwn(BACKUP_ARGUMENTS, verb)) throw usageError();
  // One more than the verb takes was ignored: `backup verify A B` verified A alone, `backup create /mnt/x` wrote to the default folder.
  refuseOptions(
    invocation.options,
    BACKUP_OPTIONS.filter(([, verbs]) => !verbs.includes(verb)).map(([name]) => name),
    `backup ${verb}`,
  );
  if (args.length > BACKUP_ARGUMENTS[verb]!) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `backup ${verb} takes ${BACKUP_ARGUMENTS[verb] === 0 ? 'no arguments (a folder is --dir D)' : BACKUP_ARGUMENTS[verb] === 1 ? 'one argument' : 'two arguments'}, not ${args.map((a) => JSON.stringify(a.slice(0, 40))).join(' ')}. Usage: shard-console ${USAGE}`,
    );
  }
  const ctx = await consoleFor(
    invocation,
    verb === 'create' || (verb === 'list' && !invocation.options.dir) || (verb === 'doctor' && invocation.options.live === true),
  );
  try {
    if (verb === 'create') return await runCreate(ctx, invocation);
    if (verb === 'list') {
      const dir = stringOption(invocation.options, 'dir');
      const result = await callMethod(ctx, 'backup.list', dir ? { dir } : {});
      if (invocation.options.json) invocation.io.out(JSON.stringify(result, null, 2));
      else
        invocation.io.out(
          renderTable(
            ['STARTED', 'DATABASES', 'SIZE', 'COMPLETE', 'VERIFIED', 'PATH'],
            result.backups.map((b) => [
              b.startedAt,
              b.problem === null ? b.databases.join(' ') : 'NOT READABLE',
              formatBytes(b.bytes),
              b.complete ? 'yes' : 'NO',
              b.verified ? (b.verified.ok ? 'ok' : 'FAILED') : '—',
              b.path,
            ]),
            [2],
          ),
        );
      if (!invocation.options.json) for (const b of result.backups) if (b.problem !== null) invocation.io.err(`${b.path}: ${b.problem}`);
      return 0;
    }
    return await runOffline(ctx, verb, args, invocation);
  } finally {
    await ctx.close();
  }
}

export const backupCommand: CliCommand = {
  name: 'backup',
  usage: USAGE,
  summary:
    'back up every database with pg_dump (manifest, checksums), verify a backup, and read any pg_dump archive offline: rows per table and website, one website, the offline doctor',
  options: {
    ...clusterOptions,
    dir: { type: 'string' },
    format: { type: 'string' },
    database: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    rows: { type: 'string' },
    live: { type: 'boolean' },
  },
  run: null,
  runStandalone: runBackup,
};
