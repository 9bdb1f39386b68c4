import type { ClusterSql } from './fixtures.ts';

/*
 * Counts one website's rows in a table the way the detail page says it reaches the website (`via`),
 * independently of the console's own SQL: the FK columns of each step are read from pg_constraint.
 * `via` is either the tenant key (`website_id`) or a chain such as
 * `realty_asset_id -> pwb_realty_assets.website_id` or `a_id -> t1 -> b_id -> t2.website_id`.
 */

export interface ViaStep {
  columns: string[];
  refTable: string;
}

export interface ParsedVia {
  steps: ViaStep[];
  tenantKey: string;
}

export function parseVia(via: string): ParsedVia {
  const tokens = via.split(' -> ').map((t) => t.trim());
  if (tokens.length === 1) return { steps: [], tenantKey: tokens[0]! };
  if (tokens.length % 2 !== 0) throw new Error(`Cannot read the FK chain "${via}"`);
  const last = tokens[tokens.length - 1]!;
  const dot = last.lastIndexOf('.');
  if (dot < 0) throw new Error(`The chain "${via}" does not end in <table>.<tenant key>`);
  tokens[tokens.length - 1] = last.slice(0, dot);
  const steps: ViaStep[] = [];
  for (let i = 0; i < tokens.length; i += 2) steps.push({ columns: tokens[i]!.split(',').map((c) => c.trim()), refTable: tokens[i + 1]! });
  return { steps, tenantKey: last.slice(dot + 1) };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const qualified = (table: string) => table.split('.').map(ident).join('.');

async function referencedColumns(sql: ClusterSql, shard: string, table: string, step: ViaStep): Promise<string[]> {
  const rows = await sql.query<{ cols: string[]; refcols: string[] }>(
    shard,
    `SELECT ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS refcols
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.conrelid = $1::regclass AND c.confrelid = $2::regclass`,
    [qualified(table), qualified(step.refTable)],
  );
  const match = rows.find((r) => r.cols.join(',') === step.columns.join(','));
  if (match === undefined) throw new Error(`No foreign key ${table}(${step.columns.join(', ')}) -> ${step.refTable} in ${shard}`);
  return match.refcols;
}

/** The SQL counting website `$1`'s rows of `table` through `via`, built from the database's own FKs. */
export async function countSqlFor(sql: ClusterSql, shard: string, table: string, via: string): Promise<string> {
  const { steps, tenantKey } = parseVia(via);
  const joins: string[] = [];
  let current = table;
  for (const [i, step] of steps.entries()) {
    const refColumns = await referencedColumns(sql, shard, current, step);
    const on = step.columns.map((col, k) => `t${i}.${ident(col)} = t${i + 1}.${ident(refColumns[k]!)}`).join(' AND ');
    joins.push(`JOIN ${qualified(step.refTable)} t${i + 1} ON ${on}`);
    current = step.refTable;
  }
  return `SELECT count(*)::int8::text AS n FROM ${qualified(table)} t0 ${joins.join(' ')} WHERE t${steps.length}.${ident(tenantKey)} = $1`;
}

export async function countWebsiteRows(sql: ClusterSql, shard: string, websiteId: number, table: string, via: string): Promise<number> {
  const query = await countSqlFor(sql, shard, table, via);
  const [row] = await sql.query<{ n: string }>(shard, query, [websiteId]);
  return Number(row?.n ?? Number.NaN);
}
