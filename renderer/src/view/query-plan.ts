import type { MethodResult } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';

/*
 * EXPLAIN side by side: each database's plan as the indented text psql prints (from PostgreSQL's
 * FORMAT JSON), and a one-line summary of its total cost, rows and, with ANALYZE, its times.
 */

export type DatabasePlan = MethodResult<'query.explain'>['databases'][number];

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function fixed(value: number | null, digits = 2): string {
  return value === null ? '?' : value.toFixed(digits);
}

/** `Hash Left Join`, `HashAggregate`, `Index Scan using idx on t alias`: the node's name as psql prints it. */
export function nodeLabel(node: PlanNode): string {
  const type = str(node['Node Type']) ?? 'Node';
  let name = type;
  const join = str(node['Join Type']);
  if (join !== null && join !== 'Inner' && /Join$|Nested Loop$/.test(type))
    name = type === 'Nested Loop' ? `Nested Loop ${join} Join` : type.replace(/ Join$/, ` ${join} Join`);
  if (type === 'Aggregate') {
    const strategy = str(node['Strategy']);
    if (strategy === 'Hashed') name = 'HashAggregate';
    else if (strategy === 'Sorted') name = 'GroupAggregate';
    else if (strategy === 'Mixed') name = 'MixedAggregate';
  }
  const index = str(node['Index Name']);
  if (index !== null) name += ` using ${index}`;
  const relation = str(node['Relation Name']);
  if (relation !== null) {
    const alias = str(node['Alias']);
    name += ` on ${relation}${alias !== null && alias !== relation ? ` ${alias}` : ''}`;
  } else if (str(node['CTE Name']) !== null) {
    name += ` on ${str(node['CTE Name'])}`;
  }
  return name;
}

function costText(node: PlanNode): string {
  const estimate = `(cost=${fixed(num(node['Startup Cost']))}..${fixed(num(node['Total Cost']))} rows=${num(node['Plan Rows']) ?? '?'} width=${num(node['Plan Width']) ?? '?'})`;
  const actualRows = num(node['Actual Rows']);
  if (actualRows === null) return estimate;
  const loops = num(node['Actual Loops']) ?? 1;
  if (loops === 0) return `${estimate} (never executed)`;
  return `${estimate} (actual time=${fixed(num(node['Actual Startup Time']), 3)}..${fixed(num(node['Actual Total Time']), 3)} rows=${actualRows} loops=${loops})`;
}

const DETAIL_KEYS = [
  'Index Cond',
  'Recheck Cond',
  'Hash Cond',
  'Merge Cond',
  'Join Filter',
  'Filter',
  'Rows Removed by Filter',
  'Sort Key',
  'Group Key',
  'Sort Method',
] as const;

function detailLines(node: PlanNode): string[] {
  const lines: string[] = [];
  for (const key of DETAIL_KEYS) {
    const value = node[key];
    if (value === undefined || value === null) continue;
    lines.push(`${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
  }
  return lines;
}

function nodeLines(node: PlanNode, depth: number, out: string[]): void {
  // psql's layout: a child's arrow sits 6 columns right of its parent's text, details 4 past the arrow.
  const indent = depth === 0 ? '' : `${' '.repeat(6 * (depth - 1) + 2)}->  `;
  const detailIndent = ' '.repeat(depth === 0 ? 2 : 6 * depth + 2);
  out.push(`${indent}${nodeLabel(node)}  ${costText(node)}`);
  for (const line of detailLines(node)) out.push(`${detailIndent}${line}`);
  for (const child of node.Plans ?? []) nodeLines(child, depth + 1, out);
}

/** The plan tree as text; `[{"Plan": …, "Planning Time": …}]` is what PostgreSQL sends. */
export function planTreeText(plan: unknown): string {
  const top = Array.isArray(plan) ? (plan[0] as Record<string, unknown> | undefined) : (plan as Record<string, unknown> | null);
  const root = top?.['Plan'];
  if (root === undefined || root === null || typeof root !== 'object') return '';
  const out: string[] = [];
  nodeLines(root as PlanNode, 0, out);
  const planning = num(top?.['Planning Time']);
  const execution = num(top?.['Execution Time']);
  if (planning !== null) out.push(`Planning Time: ${planning.toFixed(3)} ms`);
  if (execution !== null) out.push(`Execution Time: ${execution.toFixed(3)} ms`);
  return out.join('\n');
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${formatCount(value)} ms`;
}

/** "cost 12.51 · 250 rows estimated" and, with ANALYZE, "· 0.42 ms execution · 0.08 ms planning". */
export function planSummary(plan: DatabasePlan): string {
  if (plan.error !== null) return 'no plan';
  const parts = [
    `cost ${fixed(plan.totalCost)}`,
    `${plan.planRows === null ? '?' : formatCount(plan.planRows)} ${plan.planRows === 1 ? 'row' : 'rows'} estimated`,
  ];
  if (plan.executionMs !== null) parts.push(`${ms(plan.executionMs)} execution`);
  if (plan.planningMs !== null) parts.push(`${ms(plan.planningMs)} planning`);
  return parts.join(' · ');
}

/** Plans in the order the databases were asked (the order the first answers came is not kept). */
export function plansInOrder(plans: readonly DatabasePlan[], order: readonly string[]): DatabasePlan[] {
  const rank = new Map(order.map((name, i) => [name, i]));
  return [...plans].sort((a, b) => (rank.get(a.name) ?? order.length) - (rank.get(b.name) ?? order.length) || a.name.localeCompare(b.name));
}
