import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { DEFAULT_GLOBAL_TABLES } from '../../../electron/core/config/profile-schema.ts';
import { applyMigrations, listMigrationFiles } from '../../../electron/core/migrations/apply-migrations.ts';
import { DEFAULT_SHARD_LAYOUTS } from '../../harness/test-cluster.ts';
import { testPool } from '../../harness/test-cluster.ts';

const cluster = inject('cluster');
const pools = new Map<string, pg.Pool>();

beforeAll(() => {
  for (const server of cluster.servers) pools.set(server.name, testPool(server, cluster.password));
});
afterAll(async () => {
  await Promise.all([...pools.values()].map((pool) => pool.end()));
});

function pool(name: string): pg.Pool {
  const found = pools.get(name);
  if (!found) throw new Error(`no server ${name}`);
  return found;
}

async function tenantTables(db: pg.Pool): Promise<string[]> {
  const result = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' AND NOT (table_name = ANY($1))
     ORDER BY table_name`,
    [[...DEFAULT_GLOBAL_TABLES]],
  );
  return result.rows.map((row) => row.table_name);
}

/** Everything about the tenant schema that must match across databases, in a comparable form. */
async function tenantSchemaShape(db: pg.Pool): Promise<unknown> {
  const globals = [...DEFAULT_GLOBAL_TABLES];
  const columns = await db.query(
    `SELECT table_name, column_name, ordinal_position, data_type, udt_name, character_maximum_length, numeric_precision,
            numeric_scale, datetime_precision, is_nullable, column_default
     FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> 'schema_migrations' AND NOT (table_name = ANY($1))
     ORDER BY table_name, ordinal_position`,
    [globals],
  );
  const indexes = await db.query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes
     WHERE schemaname = 'public' AND tablename <> 'schema_migrations' AND NOT (tablename = ANY($1)) ORDER BY indexname`,
    [globals],
  );
  // Foreign keys into the control plane exist only where it does: compared on their own below.
  const constraints = await db.query(
    `SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS def
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE n.nspname = 'public' AND NOT (c.conrelid::regclass::text = ANY($1)) AND c.conrelid::regclass::text <> 'schema_migrations'
       AND NOT (c.contype = 'f' AND c.confrelid::regclass::text = ANY($1))
     ORDER BY 1, 2`,
    [globals],
  );
  const views = await db.query(`SELECT matviewname, definition FROM pg_matviews WHERE schemaname = 'public' ORDER BY 1`);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows, views: views.rows };
}

describe('migrations', () => {
  it('applied every tenant migration on all three databases and global ones on the primary only', async () => {
    const tenant = (await listMigrationFiles('tenant')).map((file) => file.version);
    const global = (await listMigrationFiles('global')).map((file) => file.version);
    for (const server of cluster.servers) {
      const rows = await pool(server.name).query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      const versions = rows.rows.map((row) => row.version);
      const everything = server.name === 'default' || DEFAULT_SHARD_LAYOUTS[server.name] === 'schema-load-shard';
      const expected = everything ? [...global, ...tenant] : tenant;
      expect(versions).toEqual([...expected].sort());
    }
  });

  it('is idempotent: a second run applies nothing', async () => {
    for (const [name, db] of pools) {
      expect(await applyMigrations(db, { layout: name === 'default' ? 'primary' : (DEFAULT_SHARD_LAYOUTS[name] ?? 'tenant-shard') })).toEqual([]);
    }
  });

  it('puts the global tables on the primary and the schema:load shard, none on the tenant-only shard', async () => {
    for (const server of cluster.servers) {
      const result = await pool(server.name).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)`,
        [[...DEFAULT_GLOBAL_TABLES]],
      );
      const everything = server.name === 'default' || DEFAULT_SHARD_LAYOUTS[server.name] === 'schema-load-shard';
      expect(result.rows[0]?.n, server.name).toBe(everything ? DEFAULT_GLOBAL_TABLES.length : 0);
    }
  });

  it("declares PWB's foreign keys from tenant tables into the control plane where the control plane is", async () => {
    const expected = [
      'pwb_contacts(website_id) -> pwb_websites',
      'pwb_field_keys(pwb_website_id) -> pwb_websites',
      'pwb_media(website_id) -> pwb_websites',
      'pwb_media_folders(website_id) -> pwb_websites',
      'pwb_messages(website_id) -> pwb_websites',
      'pwb_support_tickets(assigned_to_id) -> pwb_users',
      'pwb_support_tickets(creator_id) -> pwb_users',
      'pwb_support_tickets(website_id) -> pwb_websites',
      'pwb_ticket_messages(user_id) -> pwb_users',
    ];
    for (const server of cluster.servers) {
      const found = await pool(server.name).query<{ fk: string }>(
        `SELECT c.conrelid::regclass::text || '(' || a.attname || ') -> ' || c.confrelid::regclass::text AS fk
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
          WHERE c.contype = 'f' AND c.confrelid::regclass::text IN ('pwb_websites', 'pwb_users') AND NOT (c.conrelid::regclass::text = ANY($1))
          ORDER BY 1`,
        [[...DEFAULT_GLOBAL_TABLES]],
      );
      const everything = server.name === 'default' || DEFAULT_SHARD_LAYOUTS[server.name] === 'schema-load-shard';
      expect(
        found.rows.map((r) => r.fk),
        server.name,
      ).toEqual(everything ? expected : []);
    }
  });

  it('builds identical tenant schemas on every database', async () => {
    const tables = await tenantTables(pool('default'));
    expect(tables.length).toBeGreaterThanOrEqual(12);
    const [first, ...rest] = await Promise.all(cluster.servers.map((server) => tenantSchemaShape(pool(server.name))));
    for (const other of rest) expect(other).toEqual(first);
  });

  it('models the PWB shapes the engines must handle', async () => {
    const db = pool('default');
    const column = async (table: string, name: string): Promise<Record<string, unknown> | undefined> =>
      (
        await db.query(
          `SELECT data_type, udt_name, is_nullable, column_default, datetime_precision FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2`,
          [table, name],
        )
      ).rows[0];
    expect(await column('pwb_websites', 'id')).toMatchObject({ udt_name: 'int4' });
    expect(await column('pwb_websites', 'shard_name')).toMatchObject({ is_nullable: 'YES', column_default: "'default'::character varying" });
    expect(await column('pwb_pages', 'website_id')).toMatchObject({ udt_name: 'int4' });
    expect(await column('pwb_messages', 'website_id')).toMatchObject({ udt_name: 'int8', is_nullable: 'YES' });
    expect(await column('pwb_field_keys', 'pwb_website_id')).toMatchObject({ udt_name: 'int8' });
    expect(await column('pwb_realty_assets', 'id')).toMatchObject({ udt_name: 'uuid', column_default: 'gen_random_uuid()' });
    expect(String((await column('pwb_realty_assets', 'features'))?.column_default)).toContain('sea view, south facing');
    expect(await column('pwb_rental_listings', 'min_rental_period')).toMatchObject({ data_type: 'interval' });
    expect(await column('pwb_pages', 'details')).toMatchObject({ data_type: 'json' });
    expect(await column('pwb_support_tickets', 'first_response_at')).toMatchObject({ data_type: 'timestamp without time zone' });
    for (const table of ['pwb_sale_listings', 'pwb_rental_listings', 'pwb_prop_photos', 'pwb_features', 'pwb_ticket_messages', 'pwb_search_alerts']) {
      expect(await column(table, 'website_id'), table).toBeUndefined();
    }
    const unique = await db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'index_pwb_properties_on_id'`);
    expect(unique.rows[0]?.indexdef).toMatch(/UNIQUE INDEX/);
    const expression = await db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'index_pwb_websites_on_zoho_lead_id'`);
    expect(expression.rows[0]?.indexdef).toContain("metadata ->> 'zoho_lead_id'");
    // A MATERIALIZED VIEW with a unique index on id can be refreshed without blocking readers.
    await db.query('REFRESH MATERIALIZED VIEW CONCURRENTLY pwb_properties');
  });

  it('serves tenant search from the trigram index', async () => {
    const db = pool('default');
    const client = await db.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(`EXPLAIN SELECT id FROM pwb_websites WHERE subdomain ILIKE '%ency-00%'`);
      expect(plan.rows.map((row) => Object.values(row)[0]).join('\n')).toContain('index_pwb_websites_on_subdomain_trgm');
    } finally {
      client.release();
    }
  });
});
