import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftItem } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { schemaDrift } from '../../../electron/core/drift/schema-drift.ts';
import { tenantIsolationLint } from '../../../electron/core/drift/tenant-isolation-lint.ts';
import { startOwnCluster, type OwnCluster } from '../migrations/own-cluster.ts';

const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
let own: OwnCluster;
let ctx: ConsoleContext;

beforeAll(async () => {
  own = await startOwnCluster();
  ctx = await own.open();
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await own?.stop();
});

function cli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, '--profile', own.profilePath],
      { env: { ...own.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Runs each proposed fix on its database, each statement on its own, as psql sends them (an index is
 * built CONCURRENTLY, which no transaction, implicit or not, may hold).
 */
async function applyFixes(items: readonly DriftItem[]): Promise<void> {
  for (const item of items) {
    // A DO block (in-place conversions) or a function is one statement, its body's own ';' inside its dollar quotes.
    if (item.fix.startsWith('DO $fix$') || item.fix.startsWith('CREATE OR REPLACE FUNCTION')) {
      await own.sql(item.database, item.fix);
      continue;
    }
    for (const piece of item.fix.split(/(?<=;)[ \t]*(?:--[^\n]*)?\n/)) {
      const statement = piece
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n');
      if (statement.trim() !== '') await own.sql(item.database, statement);
    }
  }
}

const summary = (items: readonly DriftItem[]) => items.map((d) => `${d.database} ${d.table} ${d.kind}`).sort();

describe('schema drift against the primary', () => {
  it('finds none on a cluster built from the same migrations', async () => {
    const result = await schemaDrift(ctx);
    expect(result.reference).toBe('default');
    expect(result.databases).toEqual([
      { name: 'default', error: null },
      { name: 'shard_1', error: null },
      { name: 'shard_2', error: null },
    ]);
    expect(result.drift).toEqual([]);
  });

  it('shows a column altered by hand on one shard, with a fix that, applied, clears it; the CLI exits 1 meanwhile', async () => {
    await own.sql('shard_1', 'ALTER TABLE pwb_pages ALTER COLUMN slug TYPE text');
    const result = await schemaDrift(ctx);
    expect(result.drift).toEqual([
      {
        database: 'shard_1',
        table: 'pwb_pages',
        kind: 'column-type',
        detail: 'column slug is text on shard_1, character varying on the primary',
        fix: 'ALTER TABLE "public"."pwb_pages" ALTER COLUMN "slug" TYPE character varying USING "slug"::character varying;',
      },
    ]);
    const { code, stdout } = await cli(['drift', '--json']);
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(Object.keys(out.drift[0]).sort()).toEqual(['database', 'detail', 'fix', 'kind', 'table']);

    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    expect((await cli(['drift', '--json'])).code).toBe(0);
  });

  it('column order is not drift; a renamed index with the same definition is the same index', async () => {
    await own.sql(
      'default',
      'CREATE TABLE pwb_order_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, name text); CREATE INDEX order_probe_site ON pwb_order_probe (website_id)',
    );
    await own.sql(
      'shard_1',
      'CREATE TABLE pwb_order_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, name text); CREATE INDEX order_probe_site ON pwb_order_probe (website_id)',
    );
    await own.sql(
      'shard_2',
      'CREATE TABLE pwb_order_probe (name text, website_id bigint NOT NULL, id bigserial PRIMARY KEY); CREATE INDEX renamed_site ON pwb_order_probe (website_id)',
    );
    const positions = await own.sql('shard_2', `SELECT attname FROM pg_attribute WHERE attrelid = 'pwb_order_probe'::regclass AND attnum > 0 ORDER BY attnum`);
    expect(positions.map((r) => r.attname)).toEqual(['name', 'website_id', 'id']);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });

  it('covers indexes, constraints, defaults, nullability, extra and missing columns, sequences and materialized views, each with a working fix', async () => {
    await own.sql(
      'shard_2',
      `DROP INDEX index_pwb_realty_assets_on_tags;
       CREATE INDEX extra_probe_index ON pwb_pages (created_at);
       ALTER TABLE pwb_pages ALTER COLUMN updated_at DROP NOT NULL;
       ALTER TABLE pwb_realty_assets ALTER COLUMN count_bedrooms SET DEFAULT 5;
       ALTER TABLE pwb_pages ADD COLUMN extra_probe integer;
       ALTER TABLE pwb_links DROP COLUMN link_path;
       ALTER TABLE pwb_pages ADD CONSTRAINT probe_check CHECK (flags >= 0);
       ALTER SEQUENCE pwb_pages_id_seq INCREMENT BY 2;
       DROP INDEX index_pwb_contents_on_website_id_and_tag;
       CREATE INDEX index_pwb_contents_on_website_id_and_tag ON pwb_contents (tag);
       DROP MATERIALIZED VIEW pwb_properties;`,
    );
    await own.sql('shard_1', 'DROP TABLE pwb_order_probe');
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(
      [
        'shard_1 pwb_order_probe missing-table',
        'shard_2 pwb_contents index-definition',
        'shard_2 pwb_links missing-column',
        'shard_2 pwb_pages column-nullability',
        'shard_2 pwb_pages extra-column',
        'shard_2 pwb_pages extra-constraint',
        'shard_2 pwb_pages extra-index',
        'shard_2 pwb_pages sequence-definition',
        'shard_2 pwb_properties missing-view',
        'shard_2 pwb_realty_assets column-default',
        'shard_2 pwb_realty_assets missing-index',
      ].sort(),
    );
    // The report groups by database, then table, the views after the tables they read.
    const tables = result.drift.filter((d) => !d.kind.endsWith('-view')).map((d) => `${d.database} ${d.table}`);
    expect(tables).toEqual([...tables].sort());
    expect(result.drift.filter((d) => d.database === 'shard_2').at(-1)!.kind).toBe('missing-view');
    const view = result.drift.find((d) => d.kind === 'missing-view')!;
    expect(view.fix).toMatch(/^CREATE MATERIALIZED VIEW "public"."pwb_properties" AS\n/);
    expect(view.fix).toContain('CREATE UNIQUE INDEX index_pwb_properties_on_id');

    // Indexes of tables in use are built and dropped without blocking their writes.
    expect(result.drift.find((d) => d.kind === 'missing-index')!.fix).toMatch(/^CREATE INDEX CONCURRENTLY index_pwb_realty_assets_on_tags ON /);
    expect(result.drift.find((d) => d.kind === 'extra-index')!.fix).toBe('DROP INDEX CONCURRENTLY "public"."extra_probe_index";');
    expect(result.drift.find((d) => d.kind === 'index-definition')!.fix).toMatch(
      /^DROP INDEX CONCURRENTLY "public"."index_pwb_contents_on_website_id_and_tag";\nCREATE INDEX CONCURRENTLY index_pwb_contents_on_website_id_and_tag ON public.pwb_contents USING btree \(website_id, tag\);/,
    );
    const table = result.drift.find((d) => d.kind === 'missing-table')!;
    expect(table.fix).toMatch(
      /^CREATE SEQUENCE "public"."pwb_order_probe_id_seq" AS bigint[^\n]*\nCREATE TABLE "public"."pwb_order_probe" \(\n  "id" bigint DEFAULT nextval/,
    );
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });
});

describe("PWB's foreign keys into the control plane", () => {
  const CONTROL_PLANE_KEYS = [
    'pwb_contacts fk_rails_pwb_contacts_website pwb_websites',
    'pwb_field_keys fk_rails_pwb_field_keys_website pwb_websites',
    'pwb_media fk_rails_pwb_media_website pwb_websites',
    'pwb_media_folders fk_rails_pwb_media_folders_website pwb_websites',
    'pwb_messages fk_rails_pwb_messages_website pwb_websites',
    'pwb_support_tickets fk_rails_pwb_support_tickets_assignee pwb_users',
    'pwb_support_tickets fk_rails_pwb_support_tickets_creator pwb_users',
    'pwb_support_tickets fk_rails_pwb_support_tickets_website pwb_websites',
    'pwb_ticket_messages fk_rails_pwb_ticket_messages_user pwb_users',
  ];

  it('are set aside on the tenant-only shard (no control plane there) and compared on the schema:load shard', async () => {
    expect(own.cluster.layouts).toEqual({ shard_1: 'tenant-shard', shard_2: 'schema-load-shard' });
    const clean = await schemaDrift(ctx);
    expect(clean.drift).toEqual([]);
    expect(clean.setAside.map((k) => `${k.database} ${k.table} ${k.constraint} ${k.references}`)).toEqual(CONTROL_PLANE_KEYS.map((k) => `shard_1 ${k}`));
    const text = await cli(['drift']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Set aside on shard_1: 9 foreign keys into pwb_users, pwb_websites.');
    expect(JSON.parse((await cli(['drift', '--json'])).stdout).drift).toEqual([]);

    // Where the global table exists on both sides, a missing key is drift as before, with a fix that runs.
    await own.sql('shard_2', 'ALTER TABLE pwb_contacts DROP CONSTRAINT fk_rails_pwb_contacts_website');
    const dropped = await schemaDrift(ctx);
    expect(summary(dropped.drift)).toEqual(['shard_2 pwb_contacts missing-constraint']);
    expect(dropped.drift[0]!.fix).toBe(
      'ALTER TABLE "public"."pwb_contacts" ADD CONSTRAINT "fk_rails_pwb_contacts_website" FOREIGN KEY (website_id) REFERENCES pwb_websites(id);',
    );
    expect((await cli(['drift', '--json'])).code).toBe(1);
    await applyFixes(dropped.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });

  it("a missing table's fix leaves out the keys into global tables the shard does not have, and runs there", async () => {
    await own.sql('shard_1', 'DROP TABLE pwb_field_keys');
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(['shard_1 pwb_field_keys missing-table']);
    const fix = result.drift[0]!.fix;
    expect(fix).not.toContain('REFERENCES');
    expect(fix).toContain('-- not created: fk_rails_pwb_field_keys_website (foreign keys into global tables this database does not have)');
    expect(result.setAside).toContainEqual(
      expect.objectContaining({ database: 'shard_1', table: 'pwb_field_keys', constraint: 'fk_rails_pwb_field_keys_website' }),
    );
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });

  it('the fixes for tables gone from a shard run top to bottom: referenced tables first, the views reading them last', async () => {
    // What a half-built tenant-only shard looks like: the property tables and the view over them gone.
    await own.sql('shard_1', 'DROP TABLE pwb_prop_photos, pwb_features, pwb_sale_listings, pwb_rental_listings, pwb_realty_assets CASCADE');
    const result = await schemaDrift(ctx);
    const order = result.drift.filter((d) => d.database === 'shard_1').map((d) => `${d.table} ${d.kind}`);
    expect(order.indexOf('pwb_realty_assets missing-table')).toBeLessThan(order.indexOf('pwb_prop_photos missing-table'));
    expect(order.indexOf('pwb_realty_assets missing-table')).toBeLessThan(order.indexOf('pwb_sale_listings missing-table'));
    expect(order.at(-1)).toMatch(/^pwb_properties (missing-view|view-definition)/);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });

  it("a column's collation changed on one shard is drift (it changes ordering and what a unique index calls equal), with a working fix", async () => {
    await own.sql('shard_1', 'ALTER TABLE pwb_pages ALTER COLUMN slug TYPE character varying COLLATE "C"');
    const result = await schemaDrift(ctx);
    expect(result.drift).toEqual([
      expect.objectContaining({
        database: 'shard_1',
        table: 'pwb_pages',
        kind: 'column-collation',
        detail: `column slug collates by pg_catalog."C" on shard_1, by its type's default on the primary`,
      }),
    ]);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });

  it('an identity column GENERATED BY DEFAULT on one shard and ALWAYS on the primary is drift, and a missing table comes back ALWAYS', async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      const kind = database === 'shard_1' ? 'BY DEFAULT' : 'ALWAYS';
      await own.sql(database, `CREATE TABLE pwb_identity_probe (id bigint GENERATED ${kind} AS IDENTITY PRIMARY KEY, website_id bigint NOT NULL)`);
      await own.sql(database, 'CREATE INDEX identity_probe_site ON pwb_identity_probe (website_id)');
    }
    await own.sql('shard_2', 'DROP TABLE pwb_identity_probe');
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(['shard_1 pwb_identity_probe column-identity', 'shard_2 pwb_identity_probe missing-table']);
    expect(result.drift[0]).toMatchObject({
      detail: 'identity column id is GENERATED BY DEFAULT on shard_1, GENERATED ALWAYS on the primary',
      fix: 'ALTER TABLE "public"."pwb_identity_probe" ALTER COLUMN "id" SET GENERATED ALWAYS;',
    });
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    // ALWAYS now holds on both: an INSERT naming the id is refused there as on the primary.
    for (const database of ['shard_1', 'shard_2']) {
      await expect(own.sql(database, 'INSERT INTO pwb_identity_probe (id, website_id) VALUES (1, 1)')).rejects.toThrow(/cannot insert a non-DEFAULT value/);
    }
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_identity_probe');
  });

  it('an identity column where a shard has a serial (and the other way round) is converted in place: the ids stay, the next one follows the old sequence', async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      // The primary: identity ids; shard_1: a bigserial; shard_2: identity, where the primary of the second table has a bigserial.
      const id = database === 'shard_1' ? 'bigserial' : 'bigint GENERATED BY DEFAULT AS IDENTITY';
      await own.sql(database, `CREATE TABLE pwb_kind_probe (id ${id} PRIMARY KEY, website_id bigint NOT NULL)`);
      await own.sql(database, 'CREATE INDEX kind_probe_site ON pwb_kind_probe (website_id)');
      // shard_2's identity sequence under a name of its own: its DROP IDENTITY drops it, and the primary's is made anew.
      const back = database === 'shard_2' ? 'bigint GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME pwb_kind_back_own_seq)' : 'bigserial';
      await own.sql(database, `CREATE TABLE pwb_kind_back (id ${back} PRIMARY KEY, website_id bigint NOT NULL)`);
      await own.sql(database, 'CREATE INDEX kind_back_site ON pwb_kind_back (website_id)');
    }
    // Rows on the shards, their sequences moved on to a block of their own.
    await own.sql('shard_1', `SELECT setval('pwb_kind_probe_id_seq', 5000)`);
    await own.sql('shard_1', 'INSERT INTO pwb_kind_probe (website_id) SELECT 7 FROM generate_series(1, 3)');
    await own.sql('shard_2', `SELECT setval(pg_get_serial_sequence('pwb_kind_back', 'id'), 9000)`);
    await own.sql('shard_2', 'INSERT INTO pwb_kind_back (website_id) SELECT 8 FROM generate_series(1, 2)');
    try {
      const result = await schemaDrift(ctx);
      expect(summary(result.drift)).toEqual(['shard_1 pwb_kind_probe column-kind', 'shard_2 pwb_kind_back column-kind']);
      expect(result.drift.map((d) => d.fix).join('\n')).not.toMatch(/DROP COLUMN/);
      await applyFixes(result.drift);
      expect((await schemaDrift(ctx)).drift).toEqual([]);
      expect((await own.sql<{ id: string }>('shard_1', 'SELECT id FROM pwb_kind_probe ORDER BY id')).map((r) => Number(r.id))).toEqual([5001, 5002, 5003]);
      expect((await own.sql<{ id: string }>('shard_1', 'INSERT INTO pwb_kind_probe (website_id) VALUES (7) RETURNING id'))[0]!.id).toBe('5004');
      expect((await own.sql<{ id: string }>('shard_2', 'SELECT id FROM pwb_kind_back ORDER BY id')).map((r) => Number(r.id))).toEqual([9001, 9002]);
      expect((await own.sql<{ id: string }>('shard_2', 'INSERT INTO pwb_kind_back (website_id) VALUES (8) RETURNING id'))[0]!.id).toBe('9003');
    } finally {
      for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE IF EXISTS pwb_kind_probe, pwb_kind_back');
    }
  });

  it("a shard that missed migrations gets fixes that run top to bottom: a column before the index that reads it, a serial's sequence with its column, an index before the column it dies with", async () => {
    for (const database of ['default', 'shard_1']) {
      await own.sql(database, 'CREATE TABLE pwb_fixorder_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, legacy text)');
      await own.sql(database, 'CREATE INDEX fixorder_site ON pwb_fixorder_probe (website_id)');
      await own.sql(database, 'CREATE INDEX fixorder_legacy ON pwb_fixorder_probe (legacy)');
    }
    await own.sql('shard_2', 'CREATE TABLE pwb_fixorder_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, legacy text, legacy_no bigserial)');
    await own.sql('shard_2', 'CREATE INDEX fixorder_site ON pwb_fixorder_probe (website_id)');
    await own.sql('shard_2', 'CREATE INDEX fixorder_legacy ON pwb_fixorder_probe (legacy)');
    await own.sql('shard_2', `INSERT INTO pwb_fixorder_probe (website_id, legacy) VALUES (1, 'x'), (2, 'y')`);
    // The primary and shard_1 move on: a region in the site index, a serial and an identity number, legacy gone.
    for (const database of ['default', 'shard_1']) {
      await own.sql(database, 'ALTER TABLE pwb_fixorder_probe ADD COLUMN region text');
      await own.sql(database, 'DROP INDEX fixorder_site; CREATE INDEX fixorder_site ON pwb_fixorder_probe (website_id, region)');
      await own.sql(database, 'ALTER TABLE pwb_fixorder_probe ADD COLUMN position bigserial');
      await own.sql(database, 'ALTER TABLE pwb_fixorder_probe ADD COLUMN ticket bigint GENERATED BY DEFAULT AS IDENTITY');
      await own.sql(database, 'ALTER TABLE pwb_fixorder_probe DROP COLUMN legacy');
      await own.sql(database, 'CREATE TABLE pwb_fixorder_new (id bigserial PRIMARY KEY, website_id bigint NOT NULL, n integer GENERATED ALWAYS AS IDENTITY)');
    }
    try {
      const result = await schemaDrift(ctx);
      expect(summary(result.drift.filter((d) => d.table === 'pwb_fixorder_probe'))).toEqual([
        'shard_2 pwb_fixorder_probe extra-column',
        'shard_2 pwb_fixorder_probe extra-column',
        'shard_2 pwb_fixorder_probe extra-index',
        'shard_2 pwb_fixorder_probe index-definition',
        'shard_2 pwb_fixorder_probe missing-column',
        'shard_2 pwb_fixorder_probe missing-column',
        'shard_2 pwb_fixorder_probe missing-column',
      ]);
      expect(summary(result.drift.filter((d) => d.table === 'pwb_fixorder_new'))).toEqual(['shard_2 pwb_fixorder_new missing-table']);
      // In the order they are listed, each fix runs.
      await applyFixes(result.drift);
      expect((await schemaDrift(ctx)).drift).toEqual([]);
      expect((await own.sql<{ n: string }>('shard_2', 'SELECT count(position)::text AS n FROM pwb_fixorder_probe'))[0]!.n).toBe('2');
      // The sequences the fixes made start in shard_2's block of ids (slot 2), as a migration's would:
      // the rows already there too. At 1 they would collide with the primary's ids on every move.
      const ids = await own.sql<{ position: string; ticket: string }>(
        'shard_2',
        'SELECT min(position)::text AS position, min(ticket)::text AS ticket FROM pwb_fixorder_probe',
      );
      expect(ids[0]).toEqual({ position: String(2n * 2n ** 40n), ticket: String(2n * 2n ** 40n) });
      const made = await own.sql<{ id: string; n: string }>('shard_2', 'INSERT INTO pwb_fixorder_new (website_id) VALUES (1) RETURNING id::text, n::text');
      expect(made[0]).toEqual({ id: String(2n * 2n ** 40n), n: String(2n * 2n ** 26n) });
    } finally {
      for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE IF EXISTS pwb_fixorder_probe, pwb_fixorder_new');
    }
  });

  it("triggers on tenant tables and their functions are compared: missing, redefined, disabled, only the shard's; the fixes run and clear it; the console's fence triggers are not the schema's", async () => {
    const touch = (value: string) =>
      `CREATE OR REPLACE FUNCTION pwb_trig_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched_at := ${value}; RETURN NEW; END $$`;
    for (const database of ['default', 'shard_1', 'shard_2']) {
      const legacy = database === 'shard_1' ? ', legacy text' : '';
      await own.sql(database, `CREATE TABLE pwb_trig_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, name text, touched_at timestamptz${legacy})`);
      await own.sql(database, 'CREATE INDEX trig_probe_site ON pwb_trig_probe (website_id)');
      await own.sql(database, touch(database === 'shard_2' ? 'NULL' : 'now()'));
    }
    for (const database of ['default', 'shard_1']) {
      await own.sql(database, 'CREATE TRIGGER trig_touch BEFORE UPDATE ON pwb_trig_probe FOR EACH ROW EXECUTE FUNCTION pwb_trig_touch()');
    }
    await own.sql('default', 'CREATE TRIGGER trig_name BEFORE INSERT OR UPDATE OF name ON pwb_trig_probe FOR EACH ROW EXECUTE FUNCTION pwb_trig_touch()');
    await own.sql('shard_1', 'ALTER TABLE pwb_trig_probe DISABLE TRIGGER trig_touch');
    await own.sql('shard_1', 'CREATE TRIGGER trig_legacy BEFORE UPDATE OF legacy ON pwb_trig_probe FOR EACH ROW EXECUTE FUNCTION pwb_trig_touch()');
    await own.sql('shard_2', 'CREATE TRIGGER trig_touch BEFORE INSERT ON pwb_trig_probe FOR EACH ROW EXECUTE FUNCTION pwb_trig_touch()');
    await own.sql('shard_2', 'CREATE TRIGGER trig_name BEFORE INSERT OR UPDATE OF name ON pwb_trig_probe FOR EACH ROW EXECUTE FUNCTION pwb_trig_touch()');
    // What a move leaves on a table while it holds a website: not drift.
    await own.sql('shard_2', 'CREATE TRIGGER shard_console_fence BEFORE DELETE ON pwb_trig_probe FOR EACH ROW EXECUTE FUNCTION pwb_trig_touch()');
    try {
      const result = await schemaDrift(ctx);
      const probes = result.drift.filter((d) => d.table === 'pwb_trig_probe');
      expect(probes.map((d) => `${d.database} ${d.kind}`)).toEqual([
        'shard_1 extra-trigger',
        'shard_1 missing-trigger',
        'shard_1 trigger-enabled',
        'shard_1 extra-column',
        'shard_2 trigger-function',
        'shard_2 trigger-definition',
      ]);
      expect(probes.find((d) => d.kind === 'trigger-enabled')?.detail).toBe('trigger trig_touch is disabled on shard_1, fires on the primary');
      expect(probes.find((d) => d.kind === 'trigger-function')?.detail).toBe(
        'function public.pwb_trig_touch() (trigger trig_name runs it) is defined otherwise on shard_2',
      );
      await applyFixes(result.drift);
      expect((await schemaDrift(ctx)).drift).toEqual([]);
      // The fixed shard behaves as the primary: the trigger fires and runs the primary's function.
      await own.sql('shard_2', `INSERT INTO pwb_trig_probe (website_id, name) VALUES (1, 'a')`);
      await own.sql('shard_2', 'UPDATE pwb_trig_probe SET website_id = 1');
      const touched = await own.sql<{ touched: boolean }>('shard_2', 'SELECT bool_and(touched_at IS NOT NULL) AS touched FROM pwb_trig_probe');
      expect(touched).toEqual([{ touched: true }]);
    } finally {
      for (const database of ['default', 'shard_1', 'shard_2'])
        await own.sql(database, 'DROP TABLE IF EXISTS pwb_trig_probe; DROP FUNCTION IF EXISTS pwb_trig_touch()');
    }
  });

  it("a shard whose own search_path finds the trigger's function schema differs in how PostgreSQL prints the trigger, not in the trigger: no drift", async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      await own.sql(database, 'CREATE SCHEMA IF NOT EXISTS app');
      await own.sql(database, 'CREATE TABLE pwb_path_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL)');
      await own.sql(database, 'CREATE INDEX path_probe_site ON pwb_path_probe (website_id)');
      await own.sql(database, `CREATE FUNCTION app.pwb_path_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`);
      await own.sql(database, 'CREATE TRIGGER path_touch BEFORE INSERT ON pwb_path_probe FOR EACH ROW EXECUTE FUNCTION app.pwb_path_touch()');
    }
    // Only shard_1's sessions find app: unpinned, pg_get_triggerdef printed its function unqualified there.
    await own.sql('shard_1', `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app, public', current_database()); END $$`);
    const drifted = await ctx.pools.get('shard_1').query<{ p: string }>('SELECT current_setting($1) AS p', ['search_path']);
    try {
      // A session opened since reads the database's setting (the pool's idle ones keep theirs).
      await ctx.close();
      ctx = await own.open();
      const path = await ctx.pools.get('shard_1').query<{ p: string }>('SELECT current_setting($1) AS p', ['search_path']);
      expect([drifted.rows[0]!.p, path.rows[0]!.p]).toEqual([expect.any(String), 'app, public']);
      expect((await schemaDrift(ctx)).drift.filter((d) => d.table === 'pwb_path_probe')).toEqual([]);
    } finally {
      await own.sql('shard_1', `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET search_path', current_database()); END $$`);
      for (const database of ['default', 'shard_1', 'shard_2'])
        await own.sql(database, 'DROP TABLE IF EXISTS pwb_path_probe; DROP SCHEMA IF EXISTS app CASCADE');
      await ctx.close();
      ctx = await own.open();
    }
  });

  it('shards whose own search_path differs (another schema first, or public left out) print types, defaults, keys, indexes and views differently, not define them differently: no drift', async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      await own.sql(database, 'CREATE SCHEMA IF NOT EXISTS app');
      await own.sql(database, `CREATE TYPE app.probe_mood AS ENUM ('calm', 'busy')`);
      await own.sql(database, 'CREATE SEQUENCE app.probe_seq');
      await own.sql(database, 'CREATE TABLE app.probe_owner (id bigint PRIMARY KEY)');
      await own.sql(
        database,
        `CREATE TABLE public.pwb_path_columns (id bigint PRIMARY KEY DEFAULT nextval('app.probe_seq'), website_id bigint NOT NULL, parent_id bigint REFERENCES public.pwb_path_columns (id),
           mood app.probe_mood NOT NULL DEFAULT 'calm', owner_id bigint REFERENCES app.probe_owner (id), label text)`,
      );
      await own.sql(database, `CREATE INDEX path_columns_label ON public.pwb_path_columns (website_id, lower(label)) WHERE mood = 'busy'::app.probe_mood`);
      await own.sql(
        database,
        'CREATE VIEW public.pwb_path_columns_view AS SELECT c.id, c.website_id, o.id AS owner FROM public.pwb_path_columns c JOIN app.probe_owner o ON o.id = c.owner_id',
      );
    }
    // Unpinned, shard_1 printed app's names unqualified and shard_2 public's qualified.
    await own.sql('shard_1', `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app, public', current_database()); END $$`);
    await own.sql('shard_2', `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = "$user"', current_database()); END $$`);
    try {
      await ctx.close();
      ctx = await own.open();
      const path = await ctx.pools.get('shard_2').query<{ p: string }>('SELECT current_setting($1) AS p', ['search_path']);
      expect(path.rows[0]!.p).toBe('"$user"');
      expect(summary((await schemaDrift(ctx)).drift)).toEqual([]);
    } finally {
      for (const database of ['shard_1', 'shard_2'])
        await own.sql(database, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET search_path', current_database()); END $$`);
      for (const database of ['default', 'shard_1', 'shard_2'])
        await own.sql(
          database,
          'DROP VIEW IF EXISTS public.pwb_path_columns_view; DROP TABLE IF EXISTS public.pwb_path_columns; DROP SCHEMA IF EXISTS app CASCADE',
        );
      await ctx.close();
      ctx = await own.open();
    }
  });

  it("an enum's values a shard lacks are drift, added in the primary's order; a type missing there is created before the tables; a global table's enum is not the shards'", async () => {
    await own.sql('default', `CREATE TYPE pwb_probe_status AS ENUM ('draft', 'review', 'live', 'archived')`);
    await own.sql('shard_1', `CREATE TYPE pwb_probe_status AS ENUM ('live', 'archived', 'legacy')`);
    for (const database of ['default', 'shard_1']) {
      await own.sql(database, 'CREATE TABLE pwb_enum_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, status pwb_probe_status)');
    }
    await own.sql('shard_2', 'CREATE TABLE pwb_enum_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL)');
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'CREATE INDEX enum_probe_site ON pwb_enum_probe (website_id)');
    // An enum only a global table uses, on the primary alone.
    await own.sql('default', `CREATE TYPE pwb_probe_kind AS ENUM ('staff', 'owner'); ALTER TABLE pwb_users ADD COLUMN probe_kind pwb_probe_kind`);
    try {
      const result = await schemaDrift(ctx);
      const probes = result.drift.filter((d) => d.table === 'pwb_probe_status' || d.table === 'pwb_enum_probe' || d.table === 'pwb_probe_kind');
      expect(probes.map((d) => `${d.database} ${d.table} ${d.kind}`)).toEqual([
        'shard_1 pwb_probe_status enum-values',
        'shard_2 pwb_probe_status missing-enum',
        'shard_2 pwb_enum_probe missing-column',
      ]);
      expect(probes[0]).toMatchObject({
        detail: `enum type pwb_probe_status on shard_1 lacks 'draft', 'review' and has 'legacy' the primary does not`,
        fix: expect.stringContaining(`ALTER TYPE "public"."pwb_probe_status" ADD VALUE IF NOT EXISTS 'draft' BEFORE 'live';`),
      });
      await applyFixes(probes);
      const labels = async (db: string) =>
        (
          await own.sql<{ l: string }>(db, `SELECT e.enumlabel AS l FROM pg_enum e WHERE e.enumtypid = 'pwb_probe_status'::regtype ORDER BY e.enumsortorder`)
        ).map((r) => r.l);
      expect(await labels('shard_1')).toEqual(['draft', 'review', 'live', 'archived', 'legacy']);
      expect(await labels('shard_2')).toEqual(['draft', 'review', 'live', 'archived']);
      // What PostgreSQL cannot undo stays, said once: a value only the shard has.
      expect((await schemaDrift(ctx)).drift.map((d) => `${d.database} ${d.kind}`)).toEqual(['shard_1 enum-values']);
    } finally {
      await own.sql('default', 'ALTER TABLE pwb_users DROP COLUMN IF EXISTS probe_kind; DROP TYPE IF EXISTS pwb_probe_kind');
      for (const database of ['default', 'shard_1', 'shard_2'])
        await own.sql(database, 'DROP TABLE IF EXISTS pwb_enum_probe; DROP TYPE IF EXISTS pwb_probe_status');
    }
  });

  it('a view only a shard has, over a table only it has, is dropped before the table it reads', async () => {
    await own.sql('shard_2', 'CREATE TABLE pwb_leftover (id bigserial PRIMARY KEY, website_id bigint NOT NULL)');
    await own.sql('shard_2', 'CREATE INDEX leftover_site ON pwb_leftover (website_id)');
    await own.sql('shard_2', 'CREATE VIEW zzz_leftover_view AS SELECT * FROM pwb_leftover');
    const result = await schemaDrift(ctx);
    // Its serial's sequence goes with the table: no DROP SEQUENCE of its own (it would fail before the table's).
    expect(summary(result.drift)).toEqual(['shard_2 pwb_leftover extra-table', 'shard_2 zzz_leftover_view extra-view']);
    expect(result.drift.map((d) => d.kind)).toEqual(['extra-view', 'extra-table']);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
  });

  it("a generated column's expression differing is drift with a fix PostgreSQL takes (it refuses SET DEFAULT there)", async () => {
    for (const [database, factor] of [
      ['default', 2],
      ['shard_1', 3],
      ['shard_2', 2],
    ] as const) {
      await own.sql(
        database,
        `CREATE TABLE pwb_generated_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, b integer, a integer GENERATED ALWAYS AS (b * ${factor}) STORED)`,
      );
      await own.sql(database, 'CREATE INDEX generated_probe_site ON pwb_generated_probe (website_id)');
    }
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(['shard_1 pwb_generated_probe column-generation']);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_generated_probe');
  });

  it("a column widened on a shard gets a fix that refuses a value too long for the primary's type, never one that cuts it", async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      await own.sql(database, 'CREATE TABLE pwb_width_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, title character varying(10))');
      await own.sql(database, 'CREATE INDEX width_probe_site ON pwb_width_probe (website_id)');
    }
    await own.sql('shard_1', 'ALTER TABLE pwb_width_probe ALTER COLUMN title TYPE text');
    await own.sql('shard_1', `INSERT INTO pwb_width_probe (website_id, title) VALUES (1, 'twenty characters ok')`);
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(['shard_1 pwb_width_probe column-type']);
    await expect(applyFixes(result.drift)).rejects.toThrow(/value too long for type character varying\(10\)/);
    expect(await own.sql('shard_1', 'SELECT length(title) AS n FROM pwb_width_probe')).toEqual([{ n: 20 }]);
    // Shortened by a person, the same fix runs.
    await own.sql('shard_1', `UPDATE pwb_width_probe SET title = 'short'`);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_width_probe');
  });

  it('a column generated on a shard and plain on the primary keeps its values when the fix makes it plain', async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      const a = database === 'shard_1' ? 'integer GENERATED ALWAYS AS (b * 2) STORED' : 'integer';
      await own.sql(database, `CREATE TABLE pwb_plain_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, b integer, a ${a})`);
      await own.sql(database, 'CREATE INDEX plain_probe_site ON pwb_plain_probe (website_id)');
    }
    await own.sql('shard_1', 'INSERT INTO pwb_plain_probe (website_id, b) VALUES (1, 21)');
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(['shard_1 pwb_plain_probe column-kind']);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    expect(await own.sql('shard_1', 'SELECT a FROM pwb_plain_probe')).toEqual([{ a: 42 }]);
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_plain_probe');
  });

  it('a partitioned tenant table: a missing one comes back partitioned with its partitions, a missing index valid on every partition, a missing partition is drift', async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      await own.sql(
        database,
        `CREATE TABLE pwb_part_probe (id bigint NOT NULL, website_id bigint NOT NULL, note text, PRIMARY KEY (website_id, id)) PARTITION BY LIST (website_id);
         CREATE TABLE pwb_part_probe_a PARTITION OF pwb_part_probe FOR VALUES IN (1, 2);
         CREATE TABLE pwb_part_probe_b PARTITION OF pwb_part_probe FOR VALUES IN (3) PARTITION BY RANGE (id);
         CREATE TABLE pwb_part_probe_b1 PARTITION OF pwb_part_probe_b FOR VALUES FROM (0) TO (1000);
         CREATE INDEX part_probe_note ON pwb_part_probe (note);`,
      );
    }
    await own.sql('shard_1', 'DROP TABLE pwb_part_probe');
    await own.sql('shard_2', 'DROP INDEX part_probe_note; DROP TABLE pwb_part_probe_b');
    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual([
      'shard_1 pwb_part_probe missing-table',
      'shard_2 pwb_part_probe missing-index',
      'shard_2 pwb_part_probe missing-partition',
    ]);
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    for (const database of ['shard_1', 'shard_2']) {
      expect(await own.sql(database, `SELECT relkind::text AS kind FROM pg_class WHERE relname = 'pwb_part_probe'`)).toEqual([{ kind: 'p' }]);
      // Partitioned in turn, with its own partition, as on the primary.
      expect(await own.sql(database, `SELECT relkind::text AS kind FROM pg_class WHERE relname = 'pwb_part_probe_b'`)).toEqual([{ kind: 'p' }]);
      expect(await own.sql(database, `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'part_probe_note'::regclass`)).toEqual([{ valid: true }]);
      await own.sql(database, 'INSERT INTO pwb_part_probe VALUES (1, 3, $1)', ['routed to pwb_part_probe_b']);
    }
    // A second-level partition missing is drift too, made under its own parent.
    await own.sql('shard_1', 'DROP TABLE pwb_part_probe_b1');
    const second = await schemaDrift(ctx);
    expect(summary(second.drift)).toEqual(['shard_1 pwb_part_probe missing-partition']);
    await applyFixes(second.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    // A partition holding other values on a shard: its fix attaches it again with the primary's bound.
    await own.sql(
      'shard_2',
      'ALTER TABLE pwb_part_probe DETACH PARTITION pwb_part_probe_a; ALTER TABLE pwb_part_probe ATTACH PARTITION pwb_part_probe_a FOR VALUES IN (1)',
    );
    const bound = await schemaDrift(ctx);
    expect(summary(bound.drift)).toEqual(['shard_2 pwb_part_probe partition-bound']);
    await applyFixes(bound.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    // A partition only a shard has is drift too; its fix detaches it (its rows stay in the detached table).
    await own.sql('shard_2', 'CREATE TABLE pwb_part_probe_c PARTITION OF pwb_part_probe FOR VALUES IN (4)');
    expect(summary((await schemaDrift(ctx)).drift)).toEqual(['shard_2 pwb_part_probe extra-partition']);
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_part_probe');
  });

  it('an INVALID index a failed CREATE INDEX CONCURRENTLY left is drift, with a fix that rebuilds it', async () => {
    const create = 'CREATE TABLE pwb_invalid_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, slug text)';
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, create);
    for (const database of ['default', 'shard_2']) await own.sql(database, 'CREATE UNIQUE INDEX invalid_probe_slug ON pwb_invalid_probe (website_id, slug)');
    await own.sql('shard_1', `INSERT INTO pwb_invalid_probe (website_id, slug) VALUES (1, 'a'), (1, 'a')`);
    await expect(own.sql('shard_1', 'CREATE UNIQUE INDEX CONCURRENTLY invalid_probe_slug ON pwb_invalid_probe (website_id, slug)')).rejects.toThrow(
      /could not create unique index/,
    );
    const [left] = await own.sql('shard_1', `SELECT indisvalid FROM pg_index WHERE indexrelid = 'invalid_probe_slug'::regclass`);
    expect(left!.indisvalid).toBe(false);

    const result = await schemaDrift(ctx);
    expect(summary(result.drift)).toEqual(['shard_1 pwb_invalid_probe invalid-index']);
    expect(result.drift[0]!.detail).toContain('index invalid_probe_slug is INVALID on shard_1');
    const lint = await tenantIsolationLint(ctx);
    expect(lint.findings.find((f) => f.table === 'pwb_invalid_probe' && f.rule === 'no-tenant-index')?.databases).toEqual(['shard_1']);

    await own.sql('shard_1', 'DELETE FROM pwb_invalid_probe WHERE id = (SELECT max(id) FROM pwb_invalid_probe)');
    await applyFixes(result.drift);
    expect((await schemaDrift(ctx)).drift).toEqual([]);
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_invalid_probe');
  });

  it('an INVALID copy a failed REINDEX CONCURRENTLY left beside a valid index is a leftover to drop, not the index', async () => {
    for (const database of ['default', 'shard_1', 'shard_2']) {
      await own.sql(database, 'CREATE TABLE pwb_reindex_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, slug text)');
      await own.sql(database, 'CREATE UNIQUE INDEX reindex_probe_slug ON pwb_reindex_probe (website_id, slug)');
    }
    // What REINDEX CONCURRENTLY leaves when it fails half way: the new copy, invalid, beside the index.
    await own.sql('shard_1', 'CREATE UNIQUE INDEX reindex_probe_slug_ccnew ON pwb_reindex_probe (website_id, slug)');
    await own.sql('shard_1', `UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'reindex_probe_slug_ccnew'::regclass`);
    try {
      const result = await schemaDrift(ctx);
      expect(summary(result.drift)).toEqual(['shard_1 pwb_reindex_probe invalid-index']);
      expect(result.drift[0]).toMatchObject({
        detail: expect.stringContaining('and the primary has no such index'),
        fix: 'DROP INDEX CONCURRENTLY "public"."reindex_probe_slug_ccnew";',
      });
      await applyFixes(result.drift);
      expect((await schemaDrift(ctx)).drift).toEqual([]);
    } finally {
      for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_reindex_probe');
    }
  });

  it('a table the primary has but does not count as a tenant table is compared, never proposed for DROP TABLE', async () => {
    // The chained child lost its key to the parent on the primary only: there it is unscoped, on the shards a tenant table.
    for (const database of ['default', 'shard_1', 'shard_2']) {
      await own.sql(database, 'CREATE TABLE pwb_scope_parent (id bigserial PRIMARY KEY, website_id bigint NOT NULL)');
      await own.sql(
        database,
        `CREATE TABLE pwb_scope_child (id bigserial PRIMARY KEY, parent_id bigint NOT NULL${database === 'default' ? '' : ' CONSTRAINT scope_child_parent REFERENCES pwb_scope_parent (id)'})`,
      );
    }
    const result = await schemaDrift(ctx);
    const child = result.drift.filter((d) => d.table === 'pwb_scope_child');
    expect(child.map((d) => d.kind)).not.toContain('extra-table');
    expect(child.some((d) => d.fix.includes('DROP TABLE'))).toBe(false);
    expect(summary(child)).toEqual(['shard_1 pwb_scope_child extra-constraint', 'shard_2 pwb_scope_child extra-constraint']);
    for (const database of ['default', 'shard_1', 'shard_2']) await own.sql(database, 'DROP TABLE pwb_scope_child, pwb_scope_parent');
  });

  it('the lint names, for information, the tables whose rows lose a check on the tenant-only shard', async () => {
    const result = await tenantIsolationLint(ctx);
    const info = result.findings.filter((f) => f.rule === 'control-plane-reference');
    expect(info.every((f) => f.severity === 'info' && f.databases.join() === 'shard_1')).toBe(true);
    expect(info.map((f) => f.table).sort()).toEqual([
      'pwb_contacts',
      'pwb_field_keys',
      'pwb_media',
      'pwb_media_folders',
      'pwb_messages',
      'pwb_support_tickets',
      'pwb_support_tickets',
      'pwb_support_tickets',
      'pwb_ticket_messages',
    ]);
    expect(info.find((f) => f.table === 'pwb_ticket_messages')!.detail).toContain(
      'rows reference pwb_users through fk_rails_pwb_ticket_messages_user (user_id) on default',
    );
    expect(result.findings.filter((f) => f.rule !== 'control-plane-reference').every((f) => f.severity === 'warning')).toBe(true);
  });
});

describe('tenant-isolation lint', () => {
  it('reports a deliberately bad tenant table on every rule, and a chained table on its tenant path', async () => {
    await own.sql(
      'default',
      `CREATE TABLE pwb_lint_probe (slug character varying, website_id bigint, note text); CREATE UNIQUE INDEX lint_probe_slug ON pwb_lint_probe (slug)`,
    );
    await own.sql('default', `CREATE TABLE pwb_lint_child (id bigserial PRIMARY KEY, order_probe_id bigint REFERENCES pwb_order_probe (id))`);
    // Uniqueness over the key only: INCLUDE (website_id) scopes nothing. A UNIQUE constraint's index is rebuilt as a constraint.
    await own.sql(
      'default',
      `CREATE TABLE pwb_lint_include (id bigserial PRIMARY KEY, website_id bigint NOT NULL, code text, name text, CONSTRAINT lint_include_code UNIQUE (code) INCLUDE (website_id, name) DEFERRABLE)`,
    );
    await own.sql('default', 'CREATE INDEX lint_include_site ON pwb_lint_include (website_id)');
    const result = await tenantIsolationLint(ctx);
    const include = result.findings.filter((f) => f.table === 'pwb_lint_include');
    expect(include.map((f) => f.rule)).toEqual(['unique-without-tenant-key']);
    expect(include[0]!.fix).toBe(
      'ALTER TABLE "public"."pwb_lint_include" DROP CONSTRAINT "lint_include_code";\nALTER TABLE "public"."pwb_lint_include" ADD CONSTRAINT "lint_include_code" UNIQUE ("website_id", code) INCLUDE (name) DEFERRABLE;',
    );
    const probe = result.findings.filter((f) => f.table === 'pwb_lint_probe');
    expect(probe.map((f) => f.rule).sort()).toEqual(['no-primary-key', 'no-tenant-index', 'nullable-tenant-key', 'unique-without-tenant-key']);
    expect(probe.every((f) => f.databases.length === 1 && f.databases[0] === 'default')).toBe(true);
    expect(probe.find((f) => f.rule === 'unique-without-tenant-key')!.fix).toBe(
      [
        'CREATE UNIQUE INDEX CONCURRENTLY "lint_probe_slug_scoped" ON public.pwb_lint_probe USING btree ("website_id", slug); -- outside a transaction; if it fails, drop the INVALID index it leaves',
        'DROP INDEX CONCURRENTLY "public"."lint_probe_slug";',
        'ALTER INDEX "public"."lint_probe_slug_scoped" RENAME TO "lint_probe_slug";',
      ].join('\n'),
    );
    const child = result.findings.filter((f) => f.table === 'pwb_lint_child');
    expect(child.map((f) => f.rule).sort()).toEqual(['no-tenant-index', 'nullable-tenant-key']);
    expect(child[0]!.detail).toContain('tenant path order_probe_id -> pwb_order_probe');
    // PWB's own globally unique slug on realty assets is flagged on every database.
    expect(result.findings).toContainEqual(
      expect.objectContaining({ table: 'pwb_realty_assets', rule: 'unique-without-tenant-key', databases: ['default', 'shard_1', 'shard_2'] }),
    );
    const { code, stdout } = await cli(['lint', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).findings.length).toBe(result.findings.length);

    for (const finding of [...probe, ...child, ...include]) {
      for (const statement of finding.fix.split('\n').filter((line) => !line.startsWith('--'))) await own.sql('default', statement);
    }
    const after = await tenantIsolationLint(ctx);
    expect(after.findings.filter((f) => ['pwb_lint_probe', 'pwb_lint_child', 'pwb_lint_include'].includes(f.table))).toEqual([]);
  });
});
