import type { AddShardResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { PRIMARY_SHARD_NAME } from '../config/build-database-target.ts';
import { buildResolvedProfile } from '../config/build-resolved-profile.ts';
import type { Environment } from '../config/expand-variables.ts';
import type { DatabaseTarget, ProfileFile, ResolvedProfile } from '../config/profile-schema.ts';
import type { ConsoleContext } from '../console-context.ts';
import { audited } from '../console-schema/audit-log.ts';
import { listMigrations, migrationsFor, sameMigrationText, type MigrationFile } from '../migrations/migration-files.ts';
import { readLedger } from '../migrations/migration-ledger.ts';
import { migrateDatabase } from '../migrations/migrate-database.ts';
import { migrationsDirFor } from '../migrations/migrations-dir.ts';
import { nextSlot, readStoredSlot, recordSlot, resolveSlots } from '../migrations/sequence-slots.ts';
import { ClusterPools, type DatabaseHandle } from '../pools/cluster-pools.ts';
import { withAddShardLock } from './add-shard-lock.ts';
import { assertNewDatabase } from './database-identity.ts';
import { ensureShardDatabase } from './ensure-shard-database.ts';
import { readProfileForUpdate, registerShard } from './register-shard.ts';
import { assignSequenceRanges } from './sequence-ranges.ts';
import { databaseKey, shardTargetFromUrl } from './shard-url.ts';
import { assertWritable } from '../read-only-guard.ts';
import { databaseError } from '../pools/database-error.ts';
import { displayName, quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { applicationSchemaSql } from '../catalog/system-catalog.ts';
import { movesRunningHere } from '../moves/move-service.ts';

/** Adding a shard reopens every pool of this console: a move running on the old pools would fail. */
function refuseWhileMoving(ctx: ConsoleContext): void {
  const busy = movesRunningHere(ctx);
  if (busy.length) {
    throw new ConsoleError(
      'JOB_BUSY',
      `Move job ${busy[0]} is running in this console, and adding a shard reopens every connection pool under it. Add the shard when the move has finished (Moves page, or shard-console moves).`,
      { target: busy[0] },
    );
  }
}

function assertNameFree(ctx: ConsoleContext, name: string): void {
  if (name === PRIMARY_SHARD_NAME || ctx.pools.has(name)) {
    throw new ConsoleError('SHARD_EXISTS', `The profile already has a database named ${name}. Pick another name for the new shard.`, { target: name });
  }
}

/** The first test of "a database of its own": host, port and database as the profile spells them. */
function assertNotListed(profile: ResolvedProfile, name: string, target: DatabaseTarget): void {
  const taken = profile.databases.find((d) => databaseKey(d) === databaseKey(target));
  if (taken) {
    throw new ConsoleError(
      'SHARD_EXISTS',
      `${databaseKey(target)} is already in the profile as ${taken.name}. A shard needs a database of its own. Give the URL of another database.`,
      { target: name },
    );
  }
}

/** The tenant migrations on the new shard, on one connection; a failed one stops the adding. */
async function migrateNewShard(shard: DatabaseHandle, name: string, files: readonly MigrationFile[]): Promise<string[]> {
  // The driver's own errors (a lost connection, a privilege the role lacks) told as the database's, never as a bug.
  const client = await shard.pool.connect().catch((error: unknown) => {
    throw databaseError(shard.target, error);
  });
  try {
    const outcome = await migrateDatabase(client, files, { database: name, lock: 'fail' }).catch((error: unknown) => {
      const told = databaseError(shard.target, error);
      if ((error as { code?: string }).code !== '42501') throw told;
      // The tenant migrations create tables, and the console's ledger a schema: what the role lacks
      // is CREATE, on the schema or on the database, as the refusal names it.
      // (In English: a server speaking another language names neither, and both are said.)
      const text = (error as Error).message ?? '';
      const user = quoteIdent(shard.target.user);
      const onSchema = /permission denied for schema "?([^"\s]+)"?/.exec(text)?.[1];
      const grant = onSchema
        ? `GRANT CREATE ON SCHEMA ${quoteIdent(onSchema)} TO ${user}`
        : /permission denied for database/.test(text)
          ? `GRANT CREATE ON DATABASE ${quoteIdent(shard.target.database)} TO ${user}`
          : `GRANT CREATE ON SCHEMA public TO ${user}, and GRANT CREATE ON DATABASE ${quoteIdent(shard.target.database)} TO ${user}`;
      throw new ConsoleError(
        'DATABASE_ERROR',
        `${told.message} The tenant migrations create tables in ${shard.target.database} as "${shard.target.user}": have it granted (${grant}), or make that role the database's owner, or give a --url with a role that may; then run shard add again (it resumes).`,
        { target: name, cause: error },
      );
    });
    if (outcome.failed) {
      throw new ConsoleError(
        'MIGRATION_FAILED',
        `Tenant migration ${outcome.failed.version} failed on the new shard ${name}: ${outcome.failed.error}. The shard was not added to the profile. Fix what on ${name} makes it fail, not the file where it ran on other databases already (shard-console migrate status shows where: they would no longer match it), then run shard add again (it resumes).`,
        { target: name },
      );
    }
    return outcome.applied;
  } finally {
    // Closed, not pooled: the migration files may have changed the session (SET search_path, SET ROLE).
    client.release(true);
  }
}

/**
 * A database that existed before must hold no website's rows, but those of websites already routed to
 * the new name (an add resumed after the operator routed some): a copy of another database (a template
 * copy, a restored backup) would otherwise be registered, every tenant's rows then in two places.
 * Looked for in every table with a tenant key (a chain table's rows hang off those), one row each.
 */
async function assertHoldsNoWebsiteRows(shard: DatabaseHandle, primary: DatabaseHandle, name: string, profile: ResolvedProfile): Promise<void> {
  const tables = await shard.query<{ schema: string; table: string; key: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND a.attname = ANY($1::text[]) AND NOT c.relispartition
        AND ${applicationSchemaSql('n.nspname')}
        AND NOT (c.relname = ANY($2::text[]))`,
    [profile.tenantKeys, profile.globalTables],
  );
  if (tables.rows.length === 0) return;
  const routed = await primary
    .query<{ id: string }>(`SELECT id::text FROM pwb_websites WHERE shard_name = $1`, [name])
    .then((r) => r.rows.map((row) => row.id))
    .catch(() => [] as string[]);
  for (const t of tables.rows) {
    const found = await shard.query<{ website: string }>(
      `SELECT ${quoteIdent(t.key)}::text AS website FROM ${tableRef(t.schema, t.table)} WHERE ${quoteIdent(t.key)} IS NOT NULL AND NOT (${quoteIdent(t.key)}::text = ANY($1::text[])) LIMIT 1`,
      [routed],
    );
    if (found.rows.length === 0) continue;
    throw new ConsoleError(
      'SHARD_EXISTS',
      `${shard.target.database} on ${shard.target.host}:${shard.target.port} already holds website rows (${displayName(t.schema, t.table)} has rows of website ${found.rows[0]!.website}, which does not route to ${name}): a new shard starts without any. It looks like a copy of another database (a template copy, a restored backup). Give the URL of an empty database, or empty this one first. Nothing was changed.`,
      { target: name },
    );
  }
}

/**
 * The tenant migrations the new shard runs: those the primary has run, as they ran there. A file edited
 * since it ran is refused before anything is created (the new shard would get a schema unlike every
 * other database's, and they would all read as edited); one pending on the primary waits for the next
 * `migrate up`, which runs it on the primary first (the shards follow the primary).
 */
async function filesThePrimaryRan(ctx: ConsoleContext, files: readonly MigrationFile[]): Promise<MigrationFile[]> {
  const primary = ctx.pools.primary();
  const ledger = await readLedger(primary).catch((error: unknown) => {
    throw databaseError(primary.target, error);
  });
  const edited = files.filter((f) => {
    const entry = ledger.entries.get(f.version);
    return ledger.applied.has(f.version) && entry?.status === 'applied' && !sameMigrationText(entry.checksum, f);
  });
  if (edited.length > 0) {
    const names = edited.map((f) => `${f.set}/${f.version}_${f.name}.sql`).join(', ');
    throw new ConsoleError(
      'MIGRATION_EDITED',
      `Nothing was created: ${names} changed since ${edited.length === 1 ? 'it' : 'they'} ran on ${primary.target.name}, and the new shard would get the changed file, a schema unlike the other databases'. Put the file back as it ran (git log and git checkout find it), make the change in a new migration, then add the shard.`,
      { target: edited[0]!.file, details: { edited: edited.map((f) => f.file) } },
    );
  }
  return files.filter((f) => ledger.applied.has(f.version));
}

/**
 * The block of ids the new shard takes: the first above every other database's (their recorded slots, or
 * their places in the profile where none is recorded), recorded on the shard before its sequences move.
 */
async function newShardSlot(shard: DatabaseHandle, existing: readonly DatabaseTarget[], pools: ClusterPools): Promise<number> {
  const stored = await Promise.all(existing.map(async (d) => [d.name, await readStoredSlot(pools.get(d.name))] as const));
  const slot = nextSlot(resolveSlots(existing, new Map(stored)));
  await recordSlot(shard, slot, { replace: true });
  return slot;
}

/** Migrates the new shard and moves its sequences to a block of their own, on pools of the profile that includes it. */
async function prepareShard(
  next: ResolvedProfile,
  existing: readonly DatabaseTarget[],
  name: string,
  files: readonly MigrationFile[],
  created: boolean,
): Promise<Pick<AddShardResult, 'applied' | 'sequences'>> {
  const pools = new ClusterPools(next, { applicationName: 'shard-console' });
  try {
    const shard = pools.get(name);
    if (!created) await assertHoldsNoWebsiteRows(shard, pools.primary(), name, next);
    const applied = await migrateNewShard(shard, name, files);
    const others = existing.map((d) => pools.get(d.name));
    const sequences = await assignSequenceRanges(shard, others, await newShardSlot(shard, existing, pools));
    return { applied, sequences };
  } finally {
    await pools.close();
  }
}

/**
 * Refuses when the profile file lists a shard this console does not have: another console (the CLI, a
 * second window) added one since this one opened it. Checked against the running profile alone, the new
 * shard could be a database that other one registered, and would take the same block of ids.
 */
function assertFileMatches(profile: ResolvedProfile, file: ProfileFile): void {
  const known = new Set(profile.databases.map((d) => d.name));
  const unknown = Object.keys(file.shards ?? {}).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  throw new ConsoleError(
    'ACTION_NOT_ALLOWED',
    `${profile.source} lists ${unknown.join(', ')}, which this console does not have: the profile changed since it was opened (another console added a shard). Reopen the profile, then add the shard again. Nothing was created.`,
    { target: profile.source, details: { unknown } },
  );
}

/**
 * `shard add NAME --url URL`: create the database (when the server lets us), apply the tenant
 * migrations, move its sequences into a block of their own, then register it in the profile and
 * reopen the console on it. The profile changes last, so a failure leaves a shard nobody routes to,
 * and adding it again resumes (the database is kept, migrations skip what ran).
 */
export async function addShard(ctx: ConsoleContext, params: { name: string; url: string }, options: { env?: Environment } = {}): Promise<AddShardResult> {
  assertWritable(ctx, 'Adding a shard');
  refuseWhileMoving(ctx);
  const env = options.env ?? process.env;
  const { name, url } = params;
  const profile = ctx.profile;
  assertNameFree(ctx, name);
  const target = await shardTargetFromUrl(name, url, profile.source, env);
  assertNotListed(profile, name, target);
  // Spellings aside (127.1, 0.0.0.0, a DNS alias, a pooler): ask the servers, before anything is created.
  await assertNewDatabase(target, ctx.pools);
  // From the file check to its registration, no other console adds a shard: it would count the same
  // databases and take the same block of ids. The reopen comes after the lock's session is back in
  // the pool it closes.
  const { next, result } = await withAddShardLock(ctx.pools.primary(), name, async () => {
    assertFileMatches(profile, await readProfileForUpdate(profile.source));
    const files = await filesThePrimaryRan(ctx, migrationsFor('shard', await listMigrations(migrationsDirFor(profile))));
    return audited(
      () => ctx.pools.primary(),
      { action: 'cluster.addShard', target: name, details: { host: target.host, port: target.port, database: target.database } },
      async () => {
        const created = await ensureShardDatabase(target);
        const next = buildResolvedProfile({ ...profile, databases: [...profile.databases, target] });
        const { applied, sequences } = await prepareShard(next, profile.databases, name, files, created);
        await registerShard(profile.source, name, url);
        const result: AddShardResult = {
          name,
          host: target.host,
          port: target.port,
          database: target.database,
          created,
          applied,
          sequences,
          profile: profile.source,
        };
        return { next, result };
      },
    );
  });
  await ctx.reopen(next);
  return result;
}
