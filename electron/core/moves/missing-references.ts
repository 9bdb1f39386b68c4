import type { PreflightResult } from '../../../shared/methods/move-methods.ts';
import { formatCount } from '../../../shared/format.ts';
import type { CatalogForeignKey, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { foreignKeyKind } from '../catalog/foreign-key-kinds.ts';
import { columnList, columnRef, columnsEqual, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { PROBE_TABLE, streamedProbe, withProbeSessions, type ProbeColumn } from './streamed-probe.ts';
import { allSet, firstKeysAsText } from './sql-fragments.ts';
import { withSession } from './replica-role.ts';
import { websitePredicate, type ScopedTable } from './tenant-scope.ts';

type Refusal = PreflightResult['refusals'][number];

export interface ReferenceCheck {
  readonly source: DatabaseHandle;
  readonly target: DatabaseHandle;
  readonly sourceCatalog: DatabaseCatalog;
  readonly targetCatalog: DatabaseCatalog;
  readonly websiteId: number;
  /** The source's tenant tables (scopedTables of sourceCatalog), worked out once for the whole preflight. */
  readonly tables: readonly ScopedTable[];
}

/** How many of the website's rows name keys the target lacks, how many keys, and the first few. */
interface MissingRows {
  readonly rows: string;
  readonly keys: string;
  readonly examples: string[] | null;
}

/** The count column beside the streamed key values (a name no PWB column has). */
const ROWS_COLUMN = 'shard_console_rows';

/**
 * Foreign keys the target enforces on this table whose rows the move may not bring: into the control
 * plane (pwb_websites, pwb_users) where the target keeps it (the primary, a `schema:load` shard), into
 * other tables every database carries, or into another tenant table (a message naming a contact) where
 * the row named is not the website's (another website's contact: the move copies only the website's).
 * Those rows must already be on the target.
 */
function outsideReferences(check: ReferenceCheck, t: ScopedTable): CatalogForeignKey[] {
  const table = check.targetCatalog.tables.get(t.name);
  if (!table) return [];
  return table.foreignKeys.filter((fk) => foreignKeyKind(check.targetCatalog, t.name, fk) !== 'chain' && check.targetCatalog.tables.has(fk.refTable));
}

/** For a key into another tenant table: only the rows whose referenced row is not the website's (those come along). */
function notTheWebsites(check: ReferenceCheck, fk: CatalogForeignKey): string {
  const parent = check.tables.find((x) => x.name === fk.refTable);
  if (!parent) return '';
  const owned = websitePredicate(parent, check.sourceCatalog, check.websiteId, 'r');
  return ` AND NOT EXISTS (SELECT 1 FROM ${tableRef(parent.table.schema, parent.table.table)} r WHERE ${columnsEqual('r', fk.refColumns, 't', fk.columns)} AND ${owned})`;
}

/**
 * Every row of the website that a foreign key on the target would reject, found set-based without
 * changing anything: the distinct key values the website's rows hold (with their row counts) stream
 * into a temporary table on the target, and one anti-join there finds the keys it lacks.
 */
export async function missingReferences(check: ReferenceCheck, t: ScopedTable, websiteRows: number): Promise<Refusal[]> {
  if (websiteRows === 0) return [];
  const refusals: Refusal[] = [];
  for (const fk of outsideReferences(check, t)) {
    const found = await probeReference(check, t, fk);
    if (Number(found.rows) > 0) refusals.push(refusal(check, t, fk, found));
  }
  return refusals;
}

async function probeReference(check: ReferenceCheck, t: ScopedTable, fk: CatalogForeignKey): Promise<MissingRows> {
  const parent = check.targetCatalog.tables.get(fk.refTable)!;
  const columns: ProbeColumn[] = fk.columns.map((name) => ({ name, type: t.table.columns.find((c) => c.name === name)?.type ?? 'text' }));
  const keys = columnList(fk.columns, 't');
  const parentLacksKey = `NOT EXISTS (SELECT 1 FROM ${tableRef(parent.schema, parent.table)} r WHERE ${columnsEqual('r', fk.refColumns, 'p', fk.columns)})`;
  const [row] = await withProbeSessions(check.source, check.target, 'to-target', (from, into) =>
    streamedProbe<MissingRows>(from, into, {
      select: `SELECT ${keys}, count(*)::int8 FROM ${tableRef(t.table.schema, t.table.table)} t
                WHERE ${websitePredicate(t, check.sourceCatalog, check.websiteId)} AND ${allSet('t', fk.columns)}${notTheWebsites(check, fk)} GROUP BY ${keys}`,
      columns: [...columns, { name: ROWS_COLUMN, type: 'bigint' }],
      question: `SELECT coalesce(sum(${columnRef('p', ROWS_COLUMN)}), 0)::int8::text AS rows, count(*)::int8::text AS keys,
                        ${firstKeysAsText('p', fk.columns, 5, true)} AS examples
                   FROM ${PROBE_TABLE} p
                  WHERE ${parentLacksKey}`,
    }),
  );
  return row!;
}

function refusal(check: ReferenceCheck, t: ScopedTable, fk: CatalogForeignKey, found: MissingRows): Refusal {
  const target = check.target.target.name;
  const source = check.source.target.name;
  const keys = `${fk.columns.join(', ')} = ${(found.examples ?? []).join('; ')}${Number(found.keys) > 5 ? '; …' : ''}`;
  const kind = foreignKeyKind(check.targetCatalog, t.name, fk);
  const why =
    kind === 'control-plane'
      ? ' (a shard that keeps its own copy of the control-plane tables, as `schema:load` builds it, ' +
        'needs the rows of every website it serves: copy them from the primary)'
      : kind === 'tenant'
        ? ` (they are not website ${check.websiteId}'s, so the move does not bring them)`
        : '';
  const fix = `Add those ${fk.refTable} rows on ${target} first${why}, or clear these references on ${source}, then move again.`;
  const rows = `${formatCount(Number(found.rows))} row(s) of website ${check.websiteId} in ${t.name}`;
  const missing = `${formatCount(Number(found.keys))} ${fk.refTable} row(s) that ${target} does not have`;
  return {
    code: 'MISSING_REFERENCE',
    table: t.name,
    message: `${rows} reference ${missing}, through ${fk.name} (${keys}); ${target} enforces that key, so the copy would be rejected. ${fix}`,
  };
}

/** Why rows pointing at the website's rows from outside stop the move, and what to do: the last words of the refusal. */
const MOVE_CONSEQUENCE = (check: ReferenceCheck) =>
  `The move would take those rows away from ${check.source.target.name} and could not remove them while they are pointed at. Repoint or remove these references first, then move again.`;

/** A foreign key into the website's rows of a table from rows that are not the website's. */
export interface OutsideReference {
  /** The referencing table, and whether it is a tenant table (of which the website's own rows are left out). */
  readonly from: string;
  readonly tenant: boolean;
  readonly fk: CatalogForeignKey;
  /** `FROM ... WHERE ...` over the website's rows (alias `r`) joined with the rows pointing at them (alias `c`). */
  readonly rowsSql: string;
}

/**
 * Every foreign key of the database into `t` (from a tenant table, a global one, or any other), each with
 * the rows that point at the website's rows of `t` from outside the website: of a tenant table, the rows
 * that are not the website's (another website's, or no website's: a message whose website_id is NULL);
 * of any other table, every row. A chain step is left out: a row whose chain leads to the website's row
 * is the website's by definition.
 */
export function referencesIntoWebsite(catalog: DatabaseCatalog, tables: readonly ScopedTable[], t: ScopedTable, websiteId: number): OutsideReference[] {
  const tenant = new Map(tables.map((x) => [x.name, x]));
  const found: OutsideReference[] = [];
  for (const from of catalog.tables.values()) {
    const scoped = tenant.get(from.name);
    for (const fk of from.foreignKeys) {
      if (fk.refTable !== t.name || (scoped && foreignKeyKind(catalog, from.name, fk) === 'chain')) continue;
      const notTheWebsites = scoped ? ` AND (${websitePredicate(scoped, catalog, websiteId, 'c')}) IS NOT TRUE` : '';
      const rowsSql = `FROM ${tableRef(t.table.schema, t.table.table)} r JOIN ${tableRef(from.schema, from.table)} c ON ${columnsEqual('c', fk.columns, 'r', fk.refColumns)}
        WHERE ${websitePredicate(t, catalog, websiteId, 'r')}${notTheWebsites}`;
      found.push({ from: from.name, tenant: scoped !== undefined, fk, rowsSql });
    }
  }
  return found;
}

/** "rows of X that are not website N's", or of a table that is no tenant's, "rows of X (not a tenant table...)". */
export function outsideRowsOf(ref: OutsideReference, websiteId: number, count?: number): string {
  const rows = count === undefined ? 'rows' : `${formatCount(count)} row(s)`;
  return ref.tenant ? `${rows} of ${ref.from} that are not website ${websiteId}'s` : `${rows} of ${ref.from} (not a tenant table: they stay where they are)`;
}

/**
 * Rows outside the website pointing at the website's rows of `t` (see referencesIntoWebsite). The move
 * takes the website's rows away from the source, so its cleanup would fail on them after the switch,
 * with the website already served from the target (or, where the role cannot skip triggers, an
 * ON DELETE CASCADE key would take them along): refused here, before anything changes.
 */
export async function referencedFromOutside(
  check: ReferenceCheck,
  t: ScopedTable,
  websiteRows: number,
  consequence: (check: ReferenceCheck) => string = MOVE_CONSEQUENCE,
): Promise<Refusal[]> {
  if (websiteRows === 0) return [];
  const refusals: Refusal[] = [];
  for (const ref of referencesIntoWebsite(check.sourceCatalog, check.tables, t, check.websiteId)) {
    // A session of its own: a big tenant's join may run past the pool's statement timeout.
    const r = await withSession(check.source, (client) =>
      client.query<{ n: string; examples: string[] | null }>(
        `SELECT count(*)::int8::text AS n, ${firstKeysAsText('c', ref.fk.columns, 3)} AS examples ${ref.rowsSql}`,
      ),
    );
    const n = Number(r.rows[0]!.n);
    if (n === 0) continue;
    const keys = `${ref.fk.columns.join(', ')} = ${(r.rows[0]!.examples ?? []).join('; ')}`;
    refusals.push({
      code: 'MISSING_REFERENCE',
      table: ref.from,
      message: `${outsideRowsOf(ref, check.websiteId, n)} point at its rows of ${t.name}, through ${ref.fk.name} (${keys}). ${consequence(check)}`,
    });
  }
  return refusals;
}
