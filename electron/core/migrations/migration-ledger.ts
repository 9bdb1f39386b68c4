import { sql } from 'kysely';
import type pg from 'pg';
import { queryBuilder, runQuery, runQueryFirst, type Queryable } from '../catalog/run-query.ts';
import type { SystemCatalog } from '../catalog/system-catalog.ts';
import { CONSOLE_SCHEMA, type ConsoleDatabase } from '../console-schema/console-database.ts';
import type { MigrationFile } from './migration-files.ts';

/*
 * What ran where. `schema_migrations (version)` is Rails' own table, so a database Rails manages shows
 * its real state and one the console migrated looks migrated to Rails. Beside it, on every database
 * (shards have no console schema otherwise), `shard_console.migration_checksums` keeps the checksum of
 * the file that ran, when, and the last failure, which Rails' table has no room for.
 */

/** Rails' own table: the versions that ran, nothing else. */
interface SchemaMigrationsTable {
  version: string;
}

type LedgerDatabase = SystemCatalog & Pick<ConsoleDatabase, 'shard_console.migration_checksums'> & { schema_migrations: SchemaMigrationsTable };

const ledger = queryBuilder<LedgerDatabase>();

/** Creates the two tables where missing; returns the schema schema_migrations is in (on the search_path as the run began). */
export async function ensureLedger(client: pg.ClientBase): Promise<string> {
  await runQuery(
    client,
    ledger.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'varchar', (column) => column.notNull().primaryKey()),
  );
  await runQuery(client, ledger.schema.createSchema(CONSOLE_SCHEMA).ifNotExists());
  await runQuery(
    client,
    ledger.schema
      .withSchema(CONSOLE_SCHEMA)
      .createTable('migration_checksums')
      .ifNotExists()
      .addColumn('version', 'varchar', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('migration_set', 'text', (column) => column.notNull())
      .addColumn('checksum', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull().check(sql`status IN ('applied', 'failed')`))
      .addColumn('applied_at', 'timestamptz')
      .addColumn('failed_at', 'timestamptz')
      .addColumn('error', 'text'),
  );
  const found = await runQueryFirst(
    client,
    ledger
      .selectFrom('pg_catalog.pg_class as c')
      .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
      .select('n.nspname')
      .where(sql<boolean>`c.oid = to_regclass('schema_migrations')`),
  );
  return found!.nspname;
}

export interface LedgerEntry {
  readonly status: 'applied' | 'failed';
  readonly checksum: string;
  readonly appliedAt: Date | null;
  readonly failedAt: Date | null;
  readonly error: string | null;
}

export interface Ledger {
  /** Versions in schema_migrations. */
  readonly applied: ReadonlySet<string>;
  readonly entries: ReadonlyMap<string, LedgerEntry>;
}

/**
 * Which of the two tables there are to read: schema_migrations when it exists, the ledger only when this
 * role may read it (a SELECT-only role of a read-only console sees the versions without the checksums).
 */
function readableTables() {
  return ledger.selectNoFrom((eb) => [
    eb.cast<string | null>(eb.fn('to_regclass', [eb.val('schema_migrations')]), 'text').as('migrations'),
    eb
      .selectFrom('pg_catalog.pg_class as c')
      .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
      .select(sql.lit('ok').as('ok'))
      .where('n.nspname', '=', CONSOLE_SCHEMA)
      .where('c.relname', '=', 'migration_checksums')
      .where((where) => where.fn('has_schema_privilege', ['n.oid', where.val('USAGE')]))
      .where((where) => where.fn('has_table_privilege', ['c.oid', where.val('SELECT')]))
      .$castTo<string | null>()
      .as('ledger'),
  ]);
}

/** Reads without creating anything: status and dry runs must not write, and a fresh database has neither table. */
export async function readLedger(db: Queryable): Promise<Ledger> {
  const tables = await runQueryFirst(db, readableTables());
  const applied = tables?.migrations ? (await runQuery(db, ledger.selectFrom('schema_migrations').select('version'))).map((r) => r.version) : [];
  const entries = new Map<string, LedgerEntry>();
  if (tables?.ledger) {
    const columns = ['version', 'status', 'checksum', 'applied_at', 'failed_at', 'error'] as const;
    for (const r of await runQuery(db, ledger.selectFrom('shard_console.migration_checksums').select(columns))) {
      entries.set(r.version, { status: r.status, checksum: r.checksum, appliedAt: r.applied_at, failedAt: r.failed_at, error: r.error });
    }
  }
  return { applied: new Set(applied), entries };
}

/** Inside the migration's own transaction: the version and its checksum commit with the schema change or not at all. */
export async function recordApplied(client: pg.ClientBase, file: MigrationFile, ledgerSchema: string): Promise<void> {
  await runQuery(client, ledger.withSchema(ledgerSchema).insertInto('schema_migrations').values({ version: file.version }));
  const insert = ledger
    .insertInto('shard_console.migration_checksums')
    .values((eb) => ({
      version: file.version,
      name: file.name,
      migration_set: file.set,
      checksum: file.checksum,
      status: 'applied',
      applied_at: eb.fn('now'),
      failed_at: null,
      error: null,
    }))
    .onConflict((conflict) =>
      conflict.column('version').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        migration_set: eb.ref('excluded.migration_set'),
        checksum: eb.ref('excluded.checksum'),
        status: 'applied',
        applied_at: eb.fn('now'),
        failed_at: null,
        error: null,
      })),
    );
  await runQuery(client, insert);
}

/** After the rollback, in a transaction of its own, so the matrix can show the failure and its error. */
export async function recordFailure(client: pg.ClientBase, file: MigrationFile, error: string): Promise<void> {
  const insert = ledger
    .insertInto('shard_console.migration_checksums')
    .values((eb) => ({
      version: file.version,
      name: file.name,
      migration_set: file.set,
      checksum: file.checksum,
      status: 'failed',
      failed_at: eb.fn('now'),
      error,
    }))
    .onConflict((conflict) =>
      conflict.column('version').doUpdateSet((eb) => ({
        checksum: eb.ref('excluded.checksum'),
        status: 'failed',
        failed_at: eb.fn('now'),
        error: eb.ref('excluded.error'),
      })),
    );
  await runQuery(client, insert);
}
