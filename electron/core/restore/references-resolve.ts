import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { foreignKeyKind } from '../catalog/foreign-key-kinds.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { websitePredicate, type ScopedTable } from '../moves/tenant-scope.ts';

/**
 * What skipped FK triggers would have checked for the website's rows of one table, set-based, inside
 * the transaction that wrote them: every foreign key the database has on the table (into its own
 * tenant tables, the control plane where it keeps one, any other table) finds its row when its columns
 * are all set. The chain key to the tenant parent needs no check: a row is kept only when its parent
 * key is among the website's parent rows, loaded before it. (The move's copy checks the same way; this
 * one takes the rows already in the table rather than a source database.)
 */
export async function assertReferencesResolve(
  client: pg.ClientBase,
  catalog: DatabaseCatalog,
  t: ScopedTable,
  websiteId: number,
  what = 'restored',
): Promise<void> {
  const table = catalog.tables.get(t.name);
  if (!table) return;
  for (const fk of table.foreignKeys.filter((k) => foreignKeyKind(catalog, t.name, k) !== 'chain')) {
    const parent = catalog.tables.get(fk.refTable);
    if (!parent) continue;
    const set = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
    const match = fk.columns.map((c, i) => `p.${quoteIdent(fk.refColumns[i]!)} = c.${quoteIdent(c)}`).join(' AND ');
    const r = await client.query<{ n: string; examples: string[] | null }>(
      `SELECT count(*)::int8::text AS n, (array_agg(ROW(${fk.columns.map((c) => `c.${quoteIdent(c)}`).join(', ')})::text))[1:3] AS examples
         FROM ${tableRef(table.schema, table.table)} c
        WHERE ${websitePredicate(t, catalog, websiteId, 'c')} AND ${set}
          AND NOT EXISTS (SELECT 1 FROM ${tableRef(parent.schema, parent.table)} p WHERE ${match})`,
    );
    const n = Number(r.rows[0]!.n);
    if (n > 0) {
      throw new ConsoleError(
        'RESTORE_FAILED',
        `${n} ${what} row(s) of website ${websiteId} in ${t.name} point at ${fk.refTable} rows that ${catalog.database} does not have, through ${fk.name} (${fk.columns.join(', ')} = ${(r.rows[0]!.examples ?? []).join('; ')}). Nothing of ${t.name} was kept. Add the missing rows (or roll the restore back).`,
        { target: t.name },
      );
    }
  }
}
