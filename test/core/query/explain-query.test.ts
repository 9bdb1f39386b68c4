import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { explainQuery, type ExplainEvent } from '../../../electron/core/query/explain-query.ts';
import { QueryService } from '../../../electron/core/query/query-service.ts';
import { directClient, openTestConsole } from '../../support/test-console.ts';
import { recordingCall } from './query-events.ts';

/* EXPLAIN per database, side by side: the plan JSON and its summary; ANALYZE only when asked, and only of a read. */

let ctx: ConsoleContext;
let service: QueryService;
beforeAll(async () => {
  ctx = await openTestConsole();
  service = new QueryService(ctx);
});
afterAll(async () => {
  await service.close();
  await ctx.close();
});

it('gives each database its plan and total cost, each emitted as it arrives; no times without ANALYZE', async () => {
  const { call, events } = recordingCall<ExplainEvent>();
  const result = await explainQuery(service.engine, call, { sql: 'SELECT website_id, count(*) FROM pwb_pages GROUP BY 1;', target: { kind: 'all' } });
  expect(result.databases.map((d) => d.name)).toEqual(['default', 'shard_1', 'shard_2']);
  for (const d of result.databases) {
    expect(d.error).toBeNull();
    expect(d.totalCost).toBeGreaterThan(0);
    expect(d.planRows).toBeGreaterThan(0);
    expect(d.executionMs).toBeNull();
    expect((d.plan as [{ Plan: { 'Node Type': string } }])[0].Plan['Node Type']).toMatch(/Aggregate/);
  }
  expect(events.map((e) => e.plan.name).sort()).toEqual(['default', 'shard_1', 'shard_2']);
});

it('with ANALYZE runs the statement and reports its times, on the website database with $1 bound', async () => {
  const primary = await directClient('default');
  const site = (await primary.query(`SELECT id FROM pwb_websites WHERE shard_name = 'shard_1' ORDER BY id LIMIT 1`)).rows[0];
  await primary.end();
  const result = await explainQuery(service.engine, recordingCall<ExplainEvent>().call, {
    sql: 'SELECT * FROM pwb_pages WHERE website_id = $1',
    target: { kind: 'website', id: site.id },
    analyze: true,
  });
  expect(result.databases).toHaveLength(1);
  const [plan] = result.databases;
  expect(plan).toMatchObject({ name: 'shard_1', error: null });
  expect(plan!.executionMs).toBeGreaterThanOrEqual(0);
  expect(plan!.planningMs).toBeGreaterThanOrEqual(0);
  expect(JSON.stringify(plan!.plan)).toContain('Actual Rows');
});

it('refuses a write even to explain it, and an EXPLAIN or SHOW given as the statement', async () => {
  const call = recordingCall<ExplainEvent>().call;
  await expect(explainQuery(service.engine, call, { sql: 'DELETE FROM pwb_pages', target: { kind: 'all' }, analyze: true })).rejects.toMatchObject({
    code: 'READ_ONLY',
  });
  await expect(explainQuery(service.engine, call, { sql: 'EXPLAIN SELECT 1', target: { kind: 'all' } })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  await expect(explainQuery(service.engine, call, { sql: 'SHOW work_mem', target: { kind: 'all' } })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
});

it("reports one database's error beside the others' plans", async () => {
  const result = await explainQuery(service.engine, recordingCall<ExplainEvent>().call, { sql: 'SELECT * FROM pwb_websites', target: { kind: 'all' } });
  expect(result.databases.map((d) => [d.name, d.error?.sqlstate ?? null, d.totalCost === null])).toEqual([
    ['default', null, false],
    ['shard_1', '42P01', true],
    ['shard_2', null, false],
  ]);
});
