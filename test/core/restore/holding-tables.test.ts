import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { dropHeldRows, heldRowsMisfits, holdTable, holdWebsiteRows, putHeldRowsBack } from '../../../electron/core/restore/holding-tables.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';

/*
 * A replace's rollback puts the rows it held aside back with their own keys, an identity column
 * GENERATED ALWAYS included (PostgreSQL refuses a value for one unless the INSERT overrides it; COPY,
 * which the load uses, takes it): before, such a table's put-back failed on every rerun, after the
 * website's rows had been cleared.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 3, scale: 0.01 });
  const c = await pc.client('shard_1');
  await c.query(`CREATE TABLE pwb_identity_probes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, website_id integer NOT NULL, note text)`);
  await c.query(`INSERT INTO pwb_identity_probes (website_id, note) SELECT 7, 'n' || g FROM generate_series(1, 5) g`);
  await c.query(`INSERT INTO pwb_identity_probes (website_id, note) VALUES (8, 'other')`);
  // Two tables whose names clean to the same holding name: crm.notes and crm_notes.
  await c.query(`CREATE SCHEMA crm; CREATE TABLE crm.notes (id serial PRIMARY KEY, website_id integer NOT NULL, body text)`);
  await c.query(`CREATE TABLE crm_notes (id serial PRIMARY KEY, website_id integer NOT NULL, body text)`);
  await c.query(`INSERT INTO crm.notes (website_id, body) SELECT 7, 'schema ' || g FROM generate_series(1, 3) g`);
  await c.query(`INSERT INTO crm_notes (website_id, body) SELECT 7, 'public ' || g FROM generate_series(1, 2) g`);
  await c.end();
  ctx = await pc.open();
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await pc?.stop();
});

it('puts held rows back into a table whose key is an identity GENERATED ALWAYS, keys unchanged', async () => {
  const handle = ctx.pools.get('shard_1');
  const catalog = await ctx.catalog.get('shard_1', { refresh: true });
  const tables = scopedTables(catalog).filter((t) => t.name === 'pwb_identity_probes');
  expect(tables).toHaveLength(1);
  const jobId = randomUUID();
  const rows = async () => (await handle.query(`SELECT id::int, website_id, note FROM pwb_identity_probes ORDER BY id`)).rows;
  const before = await rows();
  await holdWebsiteRows(handle, catalog, tables, 7, jobId);
  await handle.query(`DELETE FROM pwb_identity_probes WHERE website_id = 7`);
  await putHeldRowsBack(handle, catalog, tables, 7, jobId, true);
  expect(await rows()).toEqual(before);
  expect(await dropHeldRows(handle, jobId)).toBe(1);
});

it('holds tables whose names clean alike apart, and puts each back into its own table', async () => {
  const handle = ctx.pools.get('shard_1');
  const catalog = await ctx.catalog.get('shard_1', { refresh: true });
  const tables = scopedTables(catalog).filter((t) => t.name === 'crm.notes' || t.name === 'crm_notes');
  expect(tables.map((t) => t.name).sort()).toEqual(['crm.notes', 'crm_notes']);
  const jobId = randomUUID();
  expect(holdTable(jobId, 'crm.notes')).not.toBe(holdTable(jobId, 'crm_notes'));
  const rows = async () => ({
    schema: (await handle.query(`SELECT body FROM crm.notes ORDER BY id`)).rows,
    plain: (await handle.query(`SELECT body FROM crm_notes ORDER BY id`)).rows,
  });
  const before = await rows();
  await holdWebsiteRows(handle, catalog, tables, 7, jobId);
  await handle.query(`DELETE FROM crm.notes WHERE website_id = 7; DELETE FROM crm_notes WHERE website_id = 7`);
  await putHeldRowsBack(handle, catalog, tables, 7, jobId, true);
  expect(await rows()).toEqual(before);
  expect(await dropHeldRows(handle, jobId)).toBe(2);
});

it('refuses to take a holding table that is not its own, and says when held rows no longer fit the live tables', async () => {
  const handle = ctx.pools.get('shard_1');
  let catalog = await ctx.catalog.get('shard_1', { refresh: true });
  const pick = (names: string[]) => scopedTables(catalog).filter((t) => names.includes(t.name));
  const jobId = randomUUID();
  // Someone's table where the job's holding table would go: never taken for held rows.
  await handle.query(`CREATE TABLE shard_console.${holdTable(jobId, 'crm_notes')} (id int)`);
  await expect(holdWebsiteRows(handle, catalog, pick(['crm_notes']), 7, jobId)).rejects.toMatchObject({
    code: 'RESTORE_FAILED',
    message: expect.stringContaining("exists but is not this job's"),
  });
  await handle.query(`DROP TABLE shard_console.${holdTable(jobId, 'crm_notes')}`);

  await holdWebsiteRows(handle, catalog, pick(['crm_notes', 'pwb_identity_probes']), 7, jobId);
  expect(await heldRowsMisfits(handle, pick(['crm_notes', 'pwb_identity_probes']), jobId)).toEqual([]);
  try {
    // A nullable column added since is fine (the put-back leaves it NULL); a NOT NULL one without a default is not, nor a table with no holding table.
    await handle.query(`ALTER TABLE crm_notes ADD COLUMN color text`);
    await handle.query(`ALTER TABLE pwb_identity_probes ADD COLUMN rank integer NOT NULL DEFAULT 0`);
    await handle.query(`ALTER TABLE pwb_identity_probes ALTER COLUMN rank DROP DEFAULT`);
    catalog = await ctx.catalog.get('shard_1', { refresh: true });
    const misfits = await heldRowsMisfits(handle, pick(['crm_notes', 'pwb_identity_probes', 'crm.notes']), jobId);
    expect(misfits).toHaveLength(2);
    expect(misfits).toContainEqual(expect.stringMatching(/^crm\.notes has no holding table "shard_console"\."hold_[0-9a-f]{8}_crm_notes_[0-9a-f]{8}"/));
    expect(misfits).toContain('pwb_identity_probes has rank, NOT NULL without a default, which the held rows lack');
    const before = (await handle.query(`SELECT body FROM crm_notes ORDER BY id`)).rows;
    await handle.query(`DELETE FROM crm_notes WHERE website_id = 7`);
    await putHeldRowsBack(handle, catalog, pick(['crm_notes']), 7, jobId, true);
    expect((await handle.query(`SELECT body FROM crm_notes ORDER BY id`)).rows).toEqual(before);
  } finally {
    await handle.query(`ALTER TABLE crm_notes DROP COLUMN IF EXISTS color; ALTER TABLE pwb_identity_probes DROP COLUMN IF EXISTS rank`);
    await dropHeldRows(handle, jobId);
  }
});
