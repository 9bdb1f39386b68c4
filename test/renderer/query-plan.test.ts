import { describe, expect, it } from 'vitest';
import { nodeLabel, planSummary, planTreeText, plansInOrder } from '../../renderer/src/view/query-plan.ts';
import type { DatabasePlan } from '../../renderer/src/view/query-plan.ts';

const analyzed = [
  {
    Plan: {
      'Node Type': 'Aggregate',
      Strategy: 'Plain',
      'Startup Cost': 12.5,
      'Total Cost': 12.51,
      'Plan Rows': 1,
      'Plan Width': 8,
      'Actual Startup Time': 0.101,
      'Actual Total Time': 0.102,
      'Actual Rows': 1,
      'Actual Loops': 1,
      Plans: [
        {
          'Node Type': 'Hash Join',
          'Parent Relationship': 'Outer',
          'Join Type': 'Left',
          'Startup Cost': 1,
          'Total Cost': 11,
          'Plan Rows': 600,
          'Plan Width': 0,
          'Actual Rows': 598,
          'Actual Loops': 1,
          'Actual Startup Time': 0.02,
          'Actual Total Time': 0.09,
          'Hash Cond': '(p.website_id = w.id)',
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Relation Name': 'pwb_pages',
              Alias: 'p',
              'Startup Cost': 0,
              'Total Cost': 8,
              'Plan Rows': 600,
              'Plan Width': 8,
              Filter: '(visible)',
              'Actual Rows': 598,
              'Actual Loops': 1,
              'Actual Startup Time': 0.01,
              'Actual Total Time': 0.05,
            },
            {
              'Node Type': 'Index Only Scan',
              'Index Name': 'pwb_websites_pkey',
              'Relation Name': 'pwb_websites',
              Alias: 'w',
              'Startup Cost': 0,
              'Total Cost': 1,
              'Plan Rows': 1,
              'Plan Width': 8,
              'Actual Rows': 0,
              'Actual Loops': 0,
            },
          ],
        },
      ],
    },
    'Planning Time': 0.08,
    'Execution Time': 0.42,
  },
];

describe('the plan tree', () => {
  it('prints nodes the way psql does: arrows for children, details under each node, times at the end', () => {
    expect(planTreeText(analyzed).split('\n')).toEqual([
      'Aggregate  (cost=12.50..12.51 rows=1 width=8) (actual time=0.101..0.102 rows=1 loops=1)',
      '  ->  Hash Left Join  (cost=1.00..11.00 rows=600 width=0) (actual time=0.020..0.090 rows=598 loops=1)',
      '        Hash Cond: (p.website_id = w.id)',
      '        ->  Seq Scan on pwb_pages p  (cost=0.00..8.00 rows=600 width=8) (actual time=0.010..0.050 rows=598 loops=1)',
      '              Filter: (visible)',
      '        ->  Index Only Scan using pwb_websites_pkey on pwb_websites w  (cost=0.00..1.00 rows=1 width=8) (never executed)',
      'Planning Time: 0.080 ms',
      'Execution Time: 0.420 ms',
    ]);
  });

  it('names aggregates and joins by their strategy and type', () => {
    expect(nodeLabel({ 'Node Type': 'Aggregate', Strategy: 'Hashed' })).toBe('HashAggregate');
    expect(nodeLabel({ 'Node Type': 'Aggregate', Strategy: 'Sorted' })).toBe('GroupAggregate');
    expect(nodeLabel({ 'Node Type': 'Nested Loop', 'Join Type': 'Anti' })).toBe('Nested Loop Anti Join');
    expect(nodeLabel({ 'Node Type': 'Merge Join', 'Join Type': 'Inner' })).toBe('Merge Join');
    expect(nodeLabel({ 'Node Type': 'Seq Scan', 'Relation Name': 'pwb_pages', Alias: 'pwb_pages' })).toBe('Seq Scan on pwb_pages');
  });

  it('gives nothing for something that is not a plan', () => {
    expect(planTreeText(null)).toBe('');
    expect(planTreeText([{}])).toBe('');
  });
});

const plan = (extra: Partial<DatabasePlan>): DatabasePlan => ({
  name: 'default',
  plan: [],
  totalCost: 12.51,
  planRows: 250,
  executionMs: null,
  planningMs: null,
  ms: 5,
  error: null,
  ...extra,
});

describe('the plan summary', () => {
  it('shows total cost and rows, and the times with ANALYZE', () => {
    expect(planSummary(plan({}))).toBe('cost 12.51 · 250 rows estimated');
    expect(planSummary(plan({ planRows: 1, executionMs: 0.42, planningMs: 0.08 }))).toBe('cost 12.51 · 1 row estimated · 0.42 ms execution · 0.08 ms planning');
    expect(planSummary(plan({ executionMs: 1234.5 }))).toBe('cost 12.51 · 250 rows estimated · 1,235 ms execution');
    expect(planSummary(plan({ error: { code: 'DATABASE_ERROR', sqlstate: '42P01', message: 'x' } }))).toBe('no plan');
  });

  it('orders plans as the databases were asked, not as they answered', () => {
    expect(
      plansInOrder([plan({ name: 'shard_2' }), plan({ name: 'default' }), plan({ name: 'other' })], ['default', 'shard_1', 'shard_2']).map((p) => p.name),
    ).toEqual(['default', 'shard_2', 'other']);
  });
});
