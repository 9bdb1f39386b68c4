import type { MigrationStatusResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { stillPending } from '../../../shared/format.ts';
import { loadClusterProfile } from '../../core/config/resolve-profile-source.ts';
import { envSecretReader } from '../../core/config/secret-store.ts';
import type { ConsoleContext } from '../../core/console-context.ts';
import { createMigrationFile } from '../../core/migrations/create-migration-file.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../../core/migrations/migration-files.ts';
import { migrationsDirFor } from '../../core/migrations/migrations-dir.ts';
import { callMethod } from '../call-method.ts';
import { clusterOptions, intOption } from '../cli-args.ts';
import { stringOption, type CliCommand, type CliInvocation } from '../cli-command.ts';
import { renderTable } from '../cli-output.ts';
import { followJob, STOPPED_EXIT } from '../follow-job.ts';

/** The matrix as text: one row per version, one column per database. */
function statusTable(status: MigrationStatusResult): string {
  const cell = new Map<string, string>();
  const rows = new Map<string, string[]>();
  for (const m of status.migrations) rows.set(m.version, [m.version, m.name, m.set]);
  for (const db of status.databases) {
    for (const a of db.applied) cell.set(`${db.name} ${a.version}`, a.checksum === 'edited' ? 'EDITED' : 'applied');
    for (const p of db.pending) cell.set(`${db.name} ${p.version}`, p.outOfOrder ? 'pending*' : 'pending');
    for (const f of db.failed) cell.set(`${db.name} ${f.version}`, 'FAILED');
    for (const u of db.unknown) {
      cell.set(`${db.name} ${u.version}`, 'unknown');
      if (!rows.has(u.version)) rows.set(u.version, [u.version, '(not in the folder)', '?']);
    }
  }
  const versions = [...rows.keys()].sort();
  return renderTable(
    ['VERSION', 'NAME', 'SET', ...status.databases.map((d) => d.name)],
    versions.map((v) => [...rows.get(v)!, ...status.databases.map((d) => (d.reachable ? (cell.get(`${d.name} ${v}`) ?? '—') : 'unreachable'))]),
  );
}

async function runStatus(ctx: ConsoleContext, { options, io }: CliInvocation): Promise<number> {
  const status = await callMethod(ctx, 'migrations.status', {});
  const problems = status.databases.some((d) => !d.reachable || d.failed.length > 0 || d.applied.some((a) => a.checksum === 'edited'));
  if (options.json) {
    io.out(JSON.stringify(status, null, 2));
    return problems ? 1 : 0;
  }
  io.out(`migrations from ${status.migrationsDir}\n`);
  io.out(statusTable(status));
  for (const db of status.databases) {
    if (db.error) io.err(`${db.name}: ${db.error.message}`);
    for (const f of db.failed) io.err(`${db.name}: ${f.version}_${f.name} failed${f.failedAt ? ` at ${f.failedAt}` : ''}: ${f.error}`);
    for (const a of db.applied)
      if (a.checksum === 'edited')
        io.err(`${db.name}: ${a.version}_${a.name} was edited after it ran there; put the file back and write a new migration for the change.`);
    const late = db.pending.filter((p) => p.outOfOrder).map((p) => `${p.version}_${p.name}`);
    if (late.length)
      io.err(
        `${db.name}: pending* ${late.join(', ')} ${late.length === 1 ? 'is' : 'are'} older than migrations applied there already, so ${late.length === 1 ? 'it runs' : 'they run'} after them, out of version order: check ${late.length === 1 ? 'it does' : 'they do'} not depend on the schema before them.`,
      );
  }
  return problems ? 1 : 0;
}

async function runDryRun(ctx: ConsoleContext, database: string | undefined, parallel: number, { options, io }: CliInvocation): Promise<number> {
  const plan = await callMethod(ctx, 'migrations.plan', { ...(database === undefined ? {} : { database }), parallel });
  if (options.json) {
    io.out(JSON.stringify(plan, null, 2));
    return plan.databases.some((d) => d.error) ? 1 : 0;
  }
  io.out(`Dry run: nothing is changed. Migrations from ${plan.migrationsDir}.`);
  for (const db of plan.databases) {
    const when = db.stage === 1 ? 'step 1, first and alone' : `step 2, shards in parallel (${plan.parallel} at a time)`;
    io.out(
      `\n== ${db.name} (${when}): ${db.error ? `cannot be read: ${db.error.message}` : db.steps.length === 0 ? 'up to date' : `${db.steps.length} to apply`}`,
    );
    for (const step of db.steps) io.out(`\n-- ${step.version}_${step.name} (${step.set}), in one transaction\n${step.sql.trimEnd()}`);
  }
  return plan.databases.some((d) => d.error) ? 1 : 0;
}

async function runUp(ctx: ConsoleContext, invocation: CliInvocation): Promise<number> {
  const { options, io } = invocation;
  const database = stringOption(options, 'database');
  const parallel = intOption(options.parallel, 'parallel', { min: 1, max: 32 }) ?? 4;
  // Read before a dry run returns too: a wrong value is a wrong command line either way.
  const lockTimeoutSeconds = intOption(options['lock-timeout'], 'lock-timeout', { min: 0, max: 3600 }) ?? 10;
  if (options['dry-run']) return runDryRun(ctx, database, parallel, invocation);
  const { runId } = await callMethod(ctx, 'migrations.up', { ...(database === undefined ? {} : { database }), parallel, lockTimeoutSeconds });
  io.err(`migration run ${runId}`);
  const ended = await followJob(ctx, io, runId);
  const run = await callMethod(ctx, 'migrations.run', { runId });
  if (options.json) io.out(JSON.stringify(run, null, 2));
  else {
    io.out(
      renderTable(
        ['DATABASE', 'STATE', 'APPLIED', 'STILL PENDING'],
        run.databases.map((d) => [d.name, d.state, d.applied.join(' ') || '—', stillPending(d)]),
      ),
    );
    for (const d of run.databases) if (d.error) io.err(`${d.name}: ${d.error.message}`);
    if (run.error) io.err(`error [${run.error.code}]: ${run.error.message}`);
  }
  if (ended.state === 'interrupted') return STOPPED_EXIT;
  return run.state === 'succeeded' ? 0 : 1;
}

export const migrateCommand: CliCommand = {
  name: 'migrate',
  maxArguments: 1,
  usage: 'migrate status | migrate up [--dry-run] [--database NAME] [--parallel N] [--lock-timeout SECONDS]',
  summary: 'the migration matrix of every database, or apply pending migrations: the primary first, then the shards in parallel',
  options: { 'dry-run': { type: 'boolean' }, database: { type: 'string' }, parallel: { type: 'string' }, 'lock-timeout': { type: 'string' } },
  run: async (ctx, invocation) => {
    const action = invocation.positionals[0];
    if (action === 'status') return runStatus(ctx, invocation);
    if (action === 'up') return runUp(ctx, invocation);
    throw new ConsoleError('INVALID_PARAMS', `migrate takes "status" or "up"; got ${action === undefined ? 'nothing' : `"${action}"`}.`);
  },
};

async function migrationsDirFromOptions(invocation: CliInvocation): Promise<string> {
  const dir = stringOption(invocation.options, 'dir');
  if (dir !== undefined) return dir;
  const profile = stringOption(invocation.options, 'profile');
  const railsConfig = stringOption(invocation.options, 'rails-config');
  if (profile === undefined && railsConfig === undefined && !process.env.SHARD_CONSOLE_PROFILE) return DEFAULT_MIGRATIONS_DIR;
  const loaded = await loadClusterProfile(
    { profile, railsConfig, env: stringOption(invocation.options, 'env') },
    { env: process.env, secrets: envSecretReader(process.env) },
  );
  return migrationsDirFor(loaded);
}

export const migrationCommand: CliCommand = {
  name: 'migration',
  maxArguments: 2,
  usage: 'migration new NAME --tenant|--global [--dir D]',
  summary: "create an empty timestamped migration in the profile's migrations folder (tenant: primary and every shard; global: primary only)",
  options: { ...clusterOptions, tenant: { type: 'boolean' }, global: { type: 'boolean' }, dir: { type: 'string' } },
  run: null,
  runStandalone: async (invocation) => {
    const { positionals, options, io } = invocation;
    if (positionals[0] !== 'new' || positionals[1] === undefined) {
      throw new ConsoleError(
        'INVALID_PARAMS',
        'Write `shard-console migration new NAME --tenant` (or --global), e.g. `migration new add_color_to_pwb_pages --tenant`.',
      );
    }
    if (Boolean(options.tenant) === Boolean(options.global)) {
      throw new ConsoleError('INVALID_PARAMS', 'Say which set the migration belongs to: --tenant (primary and every shard) or --global (primary only).');
    }
    const created = await createMigrationFile(await migrationsDirFromOptions(invocation), options.tenant ? 'tenant' : 'global', positionals[1]);
    if (options.json) io.out(JSON.stringify(created));
    else io.out(created.file);
    return 0;
  },
};
