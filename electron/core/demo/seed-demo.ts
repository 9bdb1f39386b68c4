import pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import { SEQUENCE_BLOCK } from '../add-shard/sequence-ranges.ts';
import { recordSlot } from '../migrations/sequence-slots.ts';
import { DEFAULT_SHARD, planDemoWebsites } from './plan-demo-websites.ts';
import type { DemoWebsitePlan, PlannedWebsite } from './plan-demo-websites.ts';
import { seedFunctionsSql } from './seed-functions-sql.ts';
import { globalSeedStatements } from './seed-global-sql.ts';
import { tenantSeedStatements } from './seed-tenant-sql.ts';

/*
 * Fills migrated, empty PWB databases with realistic, skewed demo tenants. The plan (which website
 * lives on which database, which are large) is made in JS; the rows are generated server-side with
 * INSERT ... SELECT over generate_series, one transaction per database, databases in parallel.
 */

export type SeedConnection = pg.Pool | pg.ClientBase;

export interface SeedTargets {
  /** Holds pwb_websites and the other global tables, plus the tenants whose shard is `default`. */
  primary: SeedConnection;
  /** Shard name (as in `pwb_websites.shard_name`) -> its database. */
  shards: Record<string, SeedConnection>;
}

export interface SeedDemoOptions {
  websites?: number;
  /** Multiplies the size of the large tenants (about 70k rows each at 1). */
  scale?: number;
  seed?: number;
  /**
   * Shards built with `schema:load` (every table, every foreign key into the control plane): before
   * their tenants' rows, their global tables get the rows those rows reference (their websites, the
   * platform staff that tickets name), as such a shard needs to take any write at all.
   */
  schemaLoadShards?: readonly string[];
  log?: (message: string) => void;
}

export interface SeedDemoResult {
  websites: number;
  largeWebsiteIds: number[];
  /** Websites whose rows went to each database, keyed by shard name. */
  websitesPerShard: Record<string, number>;
  durationMs: number;
}

/** The options, checked: websites, scale and seed with their defaults, and the shards' names. */
function checkSeedOptions(targets: SeedTargets, options: SeedDemoOptions): { websites: number; scale: number; seed: number; shardNames: string[] } {
  const websites = options.websites ?? 300;
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(websites) || websites < 1) throw new ConsoleError('INVALID_PARAMS', `websites must be a positive integer, got ${websites}.`);
  if (!(scale > 0 && Number.isFinite(scale))) throw new ConsoleError('INVALID_PARAMS', `scale must be a positive number, got ${scale}.`);
  if (!Number.isSafeInteger(seed)) throw new ConsoleError('INVALID_PARAMS', `seed must be an integer, got ${seed}.`);
  const shardNames = Object.keys(targets.shards);
  if (shardNames.includes(DEFAULT_SHARD)) {
    throw new ConsoleError('INVALID_PARAMS', `"${DEFAULT_SHARD}" is the primary; list only the other shards.`, { target: DEFAULT_SHARD });
  }
  return { websites, scale, seed, shardNames };
}

async function assertPrimaryEmpty(primary: SeedConnection): Promise<void> {
  await withSession(primary, async (client) => {
    const existing = await client.query('SELECT count(*)::int AS n FROM pwb_websites');
    if (existing.rows[0]?.n) {
      throw new ConsoleError('INVALID_PARAMS', 'pwb_websites already has rows: seed only a freshly migrated cluster.', { target: DEFAULT_SHARD });
    }
  });
}

/** One seeding: where each database's websites are, and what every database's work needs. */
interface SeedRun {
  readonly targets: SeedTargets;
  readonly shardNames: readonly string[];
  readonly plan: DemoWebsitePlan;
  readonly byShard: ReadonlyMap<string, PlannedWebsite[]>;
  readonly seed: number;
  readonly scale: number;
  readonly schemaLoad: ReadonlySet<string>;
  readonly log: (message: string) => void;
}

/** The tenant rows of one database, to run when its turn comes. */
function tenantWork(run: SeedRun, shard: string, connection: SeedConnection): () => Promise<void> {
  const { seed, scale, shardNames, log } = run;
  return () =>
    withSession(connection, (client) =>
      seedTenantDatabase(
        client,
        run.byShard.get(shard) ?? [],
        { seed, scale, orphanMessages: shard === DEFAULT_SHARD, slot: shard === DEFAULT_SHARD ? 0 : shardNames.indexOf(shard) + 1 },
        (message) => log(`${shard}: ${message}`),
      ),
    );
}

/**
 * Every database's rows, in the order foreign keys need. The primary's tenant rows reference its
 * control plane (PWB's foreign keys into pwb_websites and pwb_users), so they follow the global rows;
 * so do a schema:load shard's, whose global tables get copies of the rows they reference. Tenant-only
 * shards start at once.
 */
async function seedDatabases(run: SeedRun): Promise<void> {
  const { targets } = run;
  const globalRun = withSession(targets.primary, (client) => seedGlobalTables(client, run.plan.websites, run.seed, run.log));
  const shardRun = (shard: string): Promise<void> => {
    const connection = targets.shards[shard] as SeedConnection;
    if (!run.schemaLoad.has(shard)) return tenantWork(run, shard, connection)();
    return globalRun.then(() => copyControlPlaneRows(targets.primary, connection, shard)).then(tenantWork(run, shard, connection));
  };
  // A single client cannot run two transactions at once, so with one the primary goes before the shards.
  const shardsRun = () => Promise.all(run.shardNames.map(shardRun));
  const concurrent = targets.primary instanceof pg.Pool;
  const shardsDone = concurrent ? shardsRun() : null;
  await globalRun.then(tenantWork(run, DEFAULT_SHARD, targets.primary));
  await (shardsDone ?? shardsRun());
}

export async function seedDemo(targets: SeedTargets, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const { websites, scale, seed, shardNames } = checkSeedOptions(targets, options);
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const plan = planDemoWebsites({ websites, seed, shardNames });
  const byShard = new Map<string, PlannedWebsite[]>([DEFAULT_SHARD, ...shardNames].map((name) => [name, []]));
  for (const website of plan.websites) byShard.get(website.database)?.push(website);

  await assertPrimaryEmpty(targets.primary);
  await seedDatabases({ targets, shardNames, plan, byShard, seed, scale, schemaLoad: new Set(options.schemaLoadShards ?? []), log });

  const durationMs = Date.now() - started;
  log(`seeded ${websites} websites in ${durationMs} ms`);
  return {
    websites,
    largeWebsiteIds: plan.largeIds,
    websitesPerShard: Object.fromEntries([...byShard].map(([name, list]) => [name, list.length])),
    durationMs,
  };
}

async function seedGlobalTables(client: pg.ClientBase, websites: PlannedWebsite[], seed: number, log: (message: string) => void): Promise<void> {
  await inTransaction(client, async () => {
    await client.query(seedFunctionsSql(seed));
    await client.query(
      'CREATE TEMP TABLE seed_websites (id integer PRIMARY KEY, subdomain text NOT NULL, shard_name text, custom_domain text, large boolean NOT NULL) ON COMMIT DROP',
    );
    await client.query('INSERT INTO seed_websites SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bool[])', [
      websites.map((w) => w.id),
      websites.map((w) => w.subdomain),
      websites.map((w) => w.shardName),
      websites.map((w) => w.customDomain),
      websites.map((w) => w.large),
    ]);
    await client.query('ANALYZE seed_websites');
    for (const statement of globalSeedStatements()) await client.query(statement);
    await client.query(dropSeedFunctionsSql);
    await client.query('ANALYZE pwb_websites, pwb_users, pwb_user_memberships, pwb_subscriptions, pwb_agencies, pwb_addresses');
  });
  log(`global tables: ${websites.length} websites`);
}

/**
 * A `schema:load` shard's control plane: the pwb_websites rows of the websites it serves, and the
 * users its rows name (platform staff and its websites' own users), copied from the primary by column
 * name. A shard with those foreign keys accepts no tenant row without them.
 */
async function copyControlPlaneRows(primary: SeedConnection, shard: SeedConnection, shardName: string): Promise<void> {
  const selections = [
    { table: 'pwb_websites', where: `coalesce(r.shard_name, '${DEFAULT_SHARD}') = $1` },
    { table: 'pwb_users', where: `r.website_id IS NULL OR r.website_id IN (SELECT id FROM pwb_websites WHERE coalesce(shard_name, '${DEFAULT_SHARD}') = $1)` },
  ];
  for (const { table, where } of selections) {
    const rows = await withSession(primary, (client) =>
      client.query<{ rows: unknown }>(`SELECT coalesce(json_agg(r), '[]'::json) AS rows FROM ${table} r WHERE ${where}`, [shardName]),
    );
    await withSession(shard, (client) =>
      client.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, [JSON.stringify(rows.rows[0]!.rows)]),
    );
  }
}

async function seedTenantDatabase(
  client: pg.ClientBase,
  websites: PlannedWebsite[],
  options: { seed: number; scale: number; orphanMessages: boolean; slot: number },
  log: (message: string) => void,
): Promise<void> {
  const started = Date.now();
  await inTransaction(client, async () => {
    // Each database hands out ids from its own block (as `shard add` assigns them), so moves between them never collide.
    if (options.slot > 0) {
      await client.query(
        `SELECT setval(format('%I.%I', schemaname, sequencename)::regclass,
                $1::int8 * CASE data_type::text WHEN 'bigint' THEN $2::int8 WHEN 'integer' THEN $3::int8 ELSE $4::int8 END + 1, false)
           FROM pg_sequences WHERE schemaname = 'public'`,
        [options.slot, SEQUENCE_BLOCK.bigint!.toString(), SEQUENCE_BLOCK.integer!.toString(), SEQUENCE_BLOCK.smallint!.toString()],
      );
      await recordSlot(client, options.slot, { replace: true });
    }
    await client.query(seedFunctionsSql(options.seed));
    await client.query('CREATE TEMP TABLE seed_sites (website_id integer PRIMARY KEY, large boolean NOT NULL) ON COMMIT DROP');
    await client.query('INSERT INTO seed_sites SELECT * FROM unnest($1::int[], $2::bool[])', [websites.map((w) => w.id), websites.map((w) => w.large)]);
    // Temp tables get no autovacuum: without stats the planner guesses badly for the joins below.
    await client.query('ANALYZE seed_sites');
    for (const statement of tenantSeedStatements({ scale: options.scale, orphanMessages: options.orphanMessages })) {
      await client.query(statement);
    }
    await client.query(dropSeedFunctionsSql);
    await client.query('REFRESH MATERIALIZED VIEW pwb_properties');
  });
  await client.query('ANALYZE');
  log(`${websites.length} websites in ${Date.now() - started} ms`);
}

const dropSeedFunctionsSql = `
DROP FUNCTION pg_temp.ts(text);
DROP FUNCTION pg_temp.uid(text);
DROP FUNCTION pg_temp.pick(text, integer, integer);
DROP FUNCTION pg_temp.rnd(text);
`;

async function withSession<T>(connection: SeedConnection, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!(connection instanceof pg.Pool)) return work(connection);
  const client = await connection.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function inTransaction(client: pg.ClientBase, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
