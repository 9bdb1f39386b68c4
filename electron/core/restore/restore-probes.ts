import type pg from 'pg';
import { formatCount } from '../../../shared/format.ts';
import type { CatalogForeignKey, CatalogIndex, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { foreignKeyKind } from '../catalog/foreign-key-kinds.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { websitePredicate } from '../moves/tenant-scope.ts';
import type { RestoreTable, Refusal } from './restore-tables.ts';

/*
 * What preflight asks the target about the archive's rows of the website, found without changing
 * anything: the columns it needs of each table stream into a temporary table on the target (inside a
 * transaction that is rolled back), then one join per question finds
 * - key and unique-value collisions with rows that stay there (other websites' rows: the website's own
 *   are held aside by a replace, and an empty place has none), per unique index, partial ones with
 *   their predicate applied to both sides;
 * - references the target's foreign keys would reject: into the control plane (pwb_websites, pwb_users)
 *   or other tables the restore does not fill, and between the website's own tables (a message's
 *   contact) when neither the archive's rows nor the rows that stay have the key.
 */

/** The temporary table a table's probe columns stream into. */
export function probeTable(index: number): string {
  return `pg_temp.${quoteIdent(`restore_probe_${index}`)}`;
}

export interface TableProbe {
  readonly table: RestoreTable;
  readonly index: number;
  /** Streamed columns: every column the questions below read. */
  readonly columns: string[];
  readonly collisions: Array<{ index: CatalogIndex; columns: string[] }>;
  readonly references: CatalogForeignKey[];
  readonly tenantReferences: CatalogForeignKey[];
}

/**
 * Unique keys an archived row could hit: the primary key and every unique index, except those holding
 * the website's own key column (the rows that stay are other websites') or the foreign key that ties a
 * child to its tenant parent (the parent's keys are checked), and expression indexes.
 */
function uniqueKeys(t: RestoreTable): CatalogIndex[] {
  const ownKey = t.scoped.tenant.chain.length === 0 ? t.scoped.tenant.tenantKey : null;
  const parentKey = t.scoped.tenant.chain[0]?.columns ?? null;
  return t.scoped.table.indexes.filter(
    (i) =>
      i.unique &&
      !i.columns.includes('(expression)') &&
      !(ownKey !== null && i.columns.includes(ownKey)) &&
      !(parentKey !== null && parentKey.every((c) => i.columns.includes(c))),
  );
}

/** The columns a partial index's predicate reads, from the index's dependencies. */
async function indexColumns(client: pg.ClientBase, t: RestoreTable, index: CatalogIndex): Promise<string[]> {
  if (index.predicate === null) return [...index.columns];
  const r = await client.query<{ name: string }>(
    `SELECT DISTINCT a.attname AS name FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = to_regclass($1) AND d.refobjsubid > 0`,
    [tableRef(t.scoped.table.schema, index.name)],
  );
  return [...new Set([...index.columns, ...r.rows.map((x) => x.name)])];
}

/** Which questions each table needs answered, and so which of its columns to stream. */
export async function planProbes(client: pg.ClientBase, catalog: DatabaseCatalog, tables: readonly RestoreTable[]): Promise<TableProbe[]> {
  const probes: TableProbe[] = [];
  for (const [index, t] of tables.entries()) {
    const fks = (catalog.tables.get(t.name)?.foreignKeys ?? []).filter((fk) => catalog.tables.has(fk.refTable));
    const collisions = await Promise.all(uniqueKeys(t).map(async (i) => ({ index: i, columns: await indexColumns(client, t, i) })));
    const references = fks.filter((fk) => ['control-plane', 'other'].includes(foreignKeyKind(catalog, t.name, fk)));
    const tenantReferences = fks.filter((fk) => foreignKeyKind(catalog, t.name, fk) === 'tenant' && tables.some((x) => x.name === fk.refTable));
    probes.push({ table: t, index, columns: [...new Set([...collisions.flatMap((c) => c.columns), ...references.flatMap((f) => f.columns), ...tenantReferences.flatMap((f) => f.columns)])], collisions, references, tenantReferences });
  }
  // A table referenced by its website's other rows streams the referenced columns too.
  for (const p of probes) {
    for (const fk of p.tenantReferences) {
      const parent = probes.find((x) => x.table.name === fk.refTable)!;
      for (const c of fk.refColumns) if (!parent.columns.includes(c)) parent.columns.push(c);
    }
  }
  return probes;
}

/** The temporary table for one probe, typed as the live columns. */
export function createProbeSql(p: TableProbe): string {
  const typeOf = (c: string) => p.table.scoped.table.columns.find((x) => x.name === c)!.type;
  return `CREATE TEMP TABLE ${quoteIdent(`restore_probe_${p.index}`)} (${p.columns.map((c) => `${quoteIdent(c)} ${typeOf(c)}`).join(', ')}) ON COMMIT DROP`;
}

const list = (alias: string, columns: readonly string[]) => columns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ');
const pairs = (a: string, ac: readonly string[], b: string, bc: readonly string[]) => ac.map((c, i) => `${a}.${quoteIdent(c)} = ${b}.${quoteIdent(bc[i]!)}`).join(' AND ');
const allSet = (alias: string, columns: readonly string[]) => columns.map((c) => `${alias}.${quoteIdent(c)} IS NOT NULL`).join(' AND ');

/** Every question of every probe, asked once all probe tables are filled. */
export async function askProbes(client: pg.ClientBase, catalog: DatabaseCatalog, probes: readonly TableProbe[], websiteId: number): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  const target = catalog.database;
  for (const p of probes) {
    const t = p.table.scoped;
    const live = tableRef(t.table.schema, t.table.table);
    for (const { index } of p.collisions) {
      const where = index.predicate ? ` WHERE ${index.predicate}` : '';
      const r = await client.query<{ n: string; examples: string[] | null }>(
        `SELECT count(*)::int8::text AS n, (array_agg(ROW(${list('pr', index.columns)})::text))[1:3] AS examples
           FROM (SELECT * FROM ${probeTable(p.index)}${where}) pr JOIN (SELECT * FROM ${live}${where}) t ON ${pairs('t', index.columns, 'pr', index.columns)}
          WHERE (${websitePredicate(t, catalog, websiteId)}) IS NOT TRUE`,
      );
      const n = Number(r.rows[0]!.n);
      if (n > 0) {
        refusals.push({
          code: 'KEY_COLLISION',
          table: t.name,
          message: `${formatCount(n)} archived row(s) of website ${websiteId} in ${t.name} would collide with other websites' rows on ${target} on ${index.name} (${index.columns.join(', ')}), e.g. ${(r.rows[0]!.examples ?? []).join('; ')}. Renumber or remove the conflicting rows on ${target}, or restore side by side and copy what you need with SQL.`,
        });
      }
    }
    for (const fk of [...p.references, ...p.tenantReferences]) refusals.push(...(await missingKeys(client, catalog, probes, p, fk, websiteId)));
  }
  return refusals;
}

async function missingKeys(client: pg.ClientBase, catalog: DatabaseCatalog, probes: readonly TableProbe[], p: TableProbe, fk: CatalogForeignKey, websiteId: number): Promise<Refusal[]> {
  const parent = catalog.tables.get(fk.refTable)!;
  const parentProbe = probes.find((x) => x.table.name === fk.refTable);
  const inArchive = parentProbe && p.tenantReferences.includes(fk) ? ` AND NOT EXISTS (SELECT 1 FROM ${probeTable(parentProbe.index)} pp WHERE ${pairs('pp', fk.refColumns, 'pr', fk.columns)})` : '';
  const stays = parentProbe && p.tenantReferences.includes(fk) ? ` AND (${websitePredicate(parentProbe.table.scoped, catalog, websiteId, 'r')}) IS NOT TRUE` : '';
  const r = await client.query<{ rows: string; keys: string; examples: string[] | null }>(
    `SELECT count(*)::int8::text AS rows, count(DISTINCT ROW(${list('pr', fk.columns)}))::int8::text AS keys, (array_agg(DISTINCT ROW(${list('pr', fk.columns)})::text))[1:5] AS examples
       FROM ${probeTable(p.index)} pr
      WHERE ${allSet('pr', fk.columns)}${inArchive}
        AND NOT EXISTS (SELECT 1 FROM ${tableRef(parent.schema, parent.table)} r WHERE ${pairs('r', fk.refColumns, 'pr', fk.columns)}${stays})`,
  );
  const rows = Number(r.rows[0]!.rows);
  if (rows === 0) return [];
  const keys = `${fk.columns.join(', ')} = ${(r.rows[0]!.examples ?? []).join('; ')}`;
  const target = catalog.database;
  const fix = catalog.globalTables.includes(fk.refTable)
    ? `Add those ${fk.refTable} rows on ${target} first (a shard that keeps its own copy of the control-plane tables needs the rows of every website it serves: copy them from the primary), then restore again.`
    : inArchive
      ? `The archive's rows of website ${websiteId} point at ${fk.refTable} rows that neither the archive (for this website) nor the other websites' rows on ${target} have. Restore side by side and copy what you need with SQL.`
      : `Add those ${fk.refTable} rows on ${target} first, then restore again.`;
  return [
    {
      code: 'MISSING_REFERENCE',
      table: p.table.name,
      message: `${formatCount(rows)} archived row(s) of website ${websiteId} in ${p.table.name} reference ${formatCount(Number(r.rows[0]!.keys))} ${fk.refTable} row(s) that ${target} will not have, through ${fk.name} (${keys}); ${target} enforces that key, so loading them would fail. ${fix}`,
    },
  ];
}
