import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { scopedTables } from '../../../electron/core/moves/tenant-scope.ts';
import { dropHeldRows, holdWebsiteRows, putHeldRowsBack } from '../../../electron/core/restore/holding-tables.ts';
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
