import type { Finding } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { finding, fixLinks } from './doctor-finding.ts';
import { tenantRowsByTable } from './tenant-key-totals.ts';

/** Per kind and database, findings name websites one by one up to here, then sum up the rest in one. */
export const MAX_WEBSITE_FINDINGS = 200;

export interface PlacementInput {
  /** Website id -> the shard its shard_name routes to. */
  readonly routing: ReadonlyMap<number, string>;
  /** Databases that answered: tenant key -> rows there. */
  readonly totals: ReadonlyMap<string, ReadonlyMap<number, number>>;
  readonly handles: ReadonlyMap<string, { handle: DatabaseHandle; catalog: DatabaseCatalog }>;
  readonly configured: ReadonlySet<string>;
}

/** "1 row", "1,204 rows". */
export function rowsText(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'row' : 'rows'}`;
}

type RowsPerTable = ReadonlyMap<string, ReadonlyMap<number, number>>;

interface Stray {
  readonly key: number;
  readonly rows: number;
}

/** The per-table breakdown of one database's stray keys, or why it could not be read. */
type Breakdown = { readonly byTable: RowsPerTable; readonly error: null } | { readonly byTable: null; readonly error: string };

/** "pwb_realty_assets 12, pwb_prop_photos 30" for one key, largest first; and the table list for `table` (null when unread). */
function describeTables(breakdown: Breakdown, key: number): { tables: string | null; detail: string } {
  if (breakdown.byTable === null) return { tables: null, detail: `its rows per table could not be read: ${breakdown.error}` };
  const byTable = breakdown.byTable;
  const list = [...byTable]
    .map(([table, counts]) => ({ table, rows: counts.get(key) ?? 0 }))
    .filter((t) => t.rows > 0)
    .sort((a, b) => b.rows - a.rows || a.table.localeCompare(b.table));
  return { tables: list.map((t) => t.table).join(', '), detail: list.map((t) => `${t.table} ${formatCount(t.rows)}`).join(', ') };
}

/**
 * Compares where each website's rows are with where its shard_name routes it, all in memory: the
 * per-database key totals (one GROUP BY pass per table) against the routing map (ids only). Only the
 * keys that are out of place are then broken down per table, by index.
 */
export async function placementFindings(input: PlacementInput): Promise<Finding[]> {
  const findings: Finding[] = [];
  /** Per website with rows off its routed database: whether those rows were found to be a leftover copy. */
  const leftover = new Map<number, boolean>();
  /** Websites some stray database holds past its first MAX_WEBSITE_FINDINGS: their copy there was not compared. */
  const unlisted = new Set<number>();
  for (const [database, totals] of input.totals) {
    const { misplaced, orphaned } = strayKeys(totals, input.routing, database);
    if (misplaced.length === 0 && orphaned.length === 0) continue;
    const named = [...misplaced.slice(0, MAX_WEBSITE_FINDINGS), ...orphaned.slice(0, MAX_WEBSITE_FINDINGS)];
    const { handle, catalog } = input.handles.get(database)!;
    // The totals showed the keys: a breakdown that fails (a timeout, a restart) only leaves out detail.
    const byTable: Breakdown = await tenantRowsByTable(
      handle,
      catalog,
      named.map((s) => s.key),
    ).then(
      (rows) => ({ byTable: rows, error: null }),
      (error: unknown) => ({ byTable: null, error: error instanceof Error ? error.message : String(error) }),
    );
    const routedCopies = await routedBreakdowns(input, misplaced.slice(0, MAX_WEBSITE_FINDINGS));
    for (const stray of misplaced.slice(0, MAX_WEBSITE_FINDINGS)) {
      const routed = input.routing.get(stray.key)!;
      const short = shortOnRouted(stray.key, byTable, routedCopies.get(routed));
      // Whole where every stray copy was compared table by table and holds no more than the routed one.
      leftover.set(stray.key, (leftover.get(stray.key) ?? true) && short !== null && short.length === 0);
      findings.push(misplacedFinding(input, database, stray, byTable, short));
    }
    // Past the ones listed one by one, a copy is not compared: never a leftover to delete.
    for (const stray of misplaced.slice(MAX_WEBSITE_FINDINGS)) unlisted.add(stray.key);
    for (const stray of orphaned.slice(0, MAX_WEBSITE_FINDINGS)) findings.push(orphanedFinding(database, stray, byTable));
    findings.push(...remainderFindings(database, misplaced.slice(MAX_WEBSITE_FINDINGS), orphaned.slice(MAX_WEBSITE_FINDINGS)));
  }
  for (const key of unlisted) leftover.delete(key);
  findings.push(...severalDatabasesFindings(input, leftover));
  return findings;
}

/** The keys on `database` routed elsewhere (misplaced) or to no website (orphaned), most rows first. */
function strayKeys(totals: ReadonlyMap<number, number>, routing: ReadonlyMap<number, string>, database: string): { misplaced: Stray[]; orphaned: Stray[] } {
  const misplaced: Stray[] = [];
  const orphaned: Stray[] = [];
  for (const [key, rows] of totals) {
    const routed = routing.get(key);
    if (routed === undefined) orphaned.push({ key, rows });
    else if (routed !== database) misplaced.push({ key, rows });
  }
  const byRows = (a: Stray, b: Stray) => b.rows - a.rows || a.key - b.key;
  return { misplaced: misplaced.sort(byRows), orphaned: orphaned.sort(byRows) };
}

/**
 * For the misplaced keys whose routed database holds rows of them too, that database's rows per table:
 * whether the copy there is whole (the stray rows a leftover) or short of the stray one (PWB's own
 * mover copies only the tables with website_id) decides whether deleting is the advice.
 */
async function routedBreakdowns(input: PlacementInput, misplaced: readonly Stray[]): Promise<Map<string, Breakdown>> {
  const keys = new Map<string, number[]>();
  for (const { key } of misplaced) {
    const routed = input.routing.get(key)!;
    if ((input.totals.get(routed)?.get(key) ?? 0) > 0 && input.handles.has(routed)) keys.set(routed, [...(keys.get(routed) ?? []), key]);
  }
  const out = new Map<string, Breakdown>();
  for (const [database, named] of keys) {
    const { handle, catalog } = input.handles.get(database)!;
    out.set(
      database,
      await tenantRowsByTable(handle, catalog, named).then(
        (rows): Breakdown => ({ byTable: rows, error: null }),
        (error: unknown): Breakdown => ({ byTable: null, error: error instanceof Error ? error.message : String(error) }),
      ),
    );
  }
  return out;
}

/** The tables where the stray copy holds more of the website's rows than the routed one ("pwb_prop_photos 30 here, 0 there"); null when unknown. */
function shortOnRouted(key: number, stray: Breakdown, routed: Breakdown | undefined): string[] | null {
  if (stray.byTable === null || routed?.byTable === null || routed === undefined) return null;
  const short: string[] = [];
  for (const [table, counts] of stray.byTable) {
    const here = counts.get(key) ?? 0;
    const there = routed.byTable.get(table)?.get(key) ?? 0;
    if (here > there) short.push(`${table} ${formatCount(here)} here, ${formatCount(there)} there`);
  }
  return short;
}

/** Rows of a website on a database its shard_name does not route to: the fix depends on what the routed one holds. */
function misplacedFinding(input: PlacementInput, database: string, stray: Stray, byTable: Breakdown, short: string[] | null): Finding {
  const routed = input.routing.get(stray.key)!;
  const { tables, detail } = describeTables(byTable, stray.key);
  const onRouted = input.totals.get(routed)?.get(stray.key) ?? 0;
  const where = { database, table: tables, website: stray.key, rows: stray.rows };
  const what = `Website ${stray.key} has ${rowsText(stray.rows)} on ${database} (${detail}), but its shard_name routes it to ${routed}`;
  if (!input.configured.has(routed)) {
    return finding(
      'misplaced-rows',
      'error',
      where,
      `${what}, which no configured database carries: its live data may be on "${routed}", and the rows on ${database} a copy left behind.`,
      `Change and delete nothing yet: if "${routed}" is a database the application uses, add it to the profile and run the doctor again, which then compares the copies. ` +
        `Only if no database "${routed}" exists, set website ${stray.key}'s shard_name to '${database}', where its rows are.`,
      fixLinks.routing(routed),
    );
  }
  if (!input.totals.has(routed)) {
    // Whether these rows are a leftover or the website's only copy depends on what the unread database holds.
    return finding(
      'misplaced-rows',
      'error',
      where,
      `${what}, which could not be read this time: whether the rows on ${database} are a leftover copy or the website's only data is not known.`,
      `Get ${routed} answering again (see its finding), then run the doctor again before moving or deleting any of website ${stray.key}'s rows.`,
    );
  }
  if (onRouted > 0) return bothCopiesFinding(where, what, { database, routed, onRouted, key: stray.key }, short);
  // Rows on more than one database: which copy is whole comes first (the website-on-several-databases finding).
  const copies = [...input.totals.values()].filter((totals) => (totals.get(stray.key) ?? 0) > 0).length;
  if (copies > 1) {
    return finding(
      'misplaced-rows',
      'error',
      where,
      `${what}, which holds none of it, and it has rows on ${copies} databases.`,
      `Find which copy is whole first (see the finding for website ${stray.key} on several databases), then set its shard_name to that database.`,
      fixLinks.routing(routed),
    );
  }
  return finding(
    'misplaced-rows',
    'error',
    where,
    `${what}, which holds none of it: the website is served from an empty database.`,
    `Set website ${stray.key}'s shard_name back to '${database}', where its rows are (a move starts from the database shard_name names, ` +
      `so none can start while it names ${routed}); then, if it belongs on ${routed}, move it there (\`shard-console move ${stray.key} --to ${routed}\`, or the website's page).`,
    fixLinks.routing(routed),
  );
}

/**
 * A website with rows on its routed database and on another: a leftover copy to delete only when the
 * routed one holds at least as many of its rows in every table; otherwise (or when that could not be
 * read) the routed copy may be the incomplete one, and nothing is to be deleted.
 */
function bothCopiesFinding(
  where: Parameters<typeof finding>[2],
  what: string,
  c: { database: string; routed: string; onRouted: number; key: number },
  short: string[] | null,
): Finding {
  if (short !== null && short.length === 0) {
    return finding(
      'misplaced-rows',
      'error',
      where,
      `${what}, which holds ${rowsText(c.onRouted)} of it, at least as many in every table: the rows on ${c.database} are a leftover copy (an interrupted or unfinished move).`,
      `Resume or roll back website ${c.key}'s open move job if there is one; otherwise delete its rows from ${c.database} in reverse FK order (children before parents).`,
      fixLinks.cleanup(c.key, c.database),
    );
  }
  const why = short === null ? `whether it holds all of them could not be read` : `it holds fewer in ${short.join('; ')}`;
  return finding(
    'misplaced-rows',
    'error',
    where,
    `${what}, which holds ${rowsText(c.onRouted)} of it, but ${why}: the copy there may be incomplete (a move that copied only some tables), and the rows on ${c.database} may be the only ones of those tables.`,
    `Delete nothing: resume or roll back website ${c.key}'s open move job if there is one; otherwise compare the copies (the website's page on each database) and bring what ${c.routed} lacks over (or set its shard_name back to '${c.database}' and move it again), then run the doctor again.`,
    fixLinks.routing(c.routed),
  );
}

function orphanedFinding(database: string, stray: Stray, byTable: Breakdown): Finding {
  const { tables, detail } = describeTables(byTable, stray.key);
  return finding(
    'orphaned-rows',
    'warning',
    { database, table: tables, website: stray.key, rows: stray.rows },
    `${rowsText(stray.rows)} on ${database} carry tenant key ${stray.key}, which no website has (${detail}).`,
    `Website ${stray.key} was deleted without its data, or its pwb_websites row is missing: ` +
      `restore the row on the primary, or delete these rows from ${database} (children before parents) after a backup.`,
    fixLinks.cleanup(null, database),
  );
}

/** One finding per kind summing up the keys past the first MAX_WEBSITE_FINDINGS. */
function remainderFindings(database: string, misplaced: readonly Stray[], orphaned: readonly Stray[]): Finding[] {
  const findings: Finding[] = [];
  for (const [kind, rest] of [
    ['misplaced-rows', misplaced],
    ['orphaned-rows', orphaned],
  ] as const) {
    if (rest.length === 0) continue;
    const rows = rest.reduce((sum, s) => sum + s.rows, 0);
    const misplacedKind = kind === 'misplaced-rows';
    const belong = misplacedKind ? 'belong on another database' : 'match no website';
    findings.push(
      finding(
        kind,
        misplacedKind ? 'error' : 'warning',
        { database, rows },
        `${formatCount(rest.length)} more websites' keys have ${formatCount(rows)} rows on ${database} that ${belong} ` +
          `(only the first ${MAX_WEBSITE_FINDINGS} are listed one by one).`,
        misplacedKind
          ? 'Fix the listed websites first (moves or cleanup), then run the doctor again to list the rest.'
          : `Delete the orphaned rows from ${database} after a backup, then run the doctor again.`,
        fixLinks.cleanup(null, database),
      ),
    );
  }
  return findings;
}

/** Why the copy on the routed database cannot be called the whole one (the end of "its shard_name names X, which ..."). */
function routedCopyWhy(input: PlacementInput, routed: string, onRouted: number, compared: boolean): string {
  if (!input.configured.has(routed)) return 'no configured database is';
  if (!input.totals.has(routed)) return 'was not read this time';
  if (onRouted === 0) return 'holds none of it';
  const how = compared
    ? 'the misplaced-rows findings compare the copies table by table'
    : 'its copies were not compared table by table this time: fix the websites listed one by one, then run the doctor again';
  return `may not hold all of it (${formatCount(onRouted)} rows there; ${how})`;
}

/** Websites with rows on more than one database, wherever their shard_name routes them. */
function severalDatabasesFindings(input: PlacementInput, leftover: ReadonlyMap<number, boolean>): Finding[] {
  const locations = new Map<number, { database: string; rows: number }[]>();
  for (const [database, totals] of input.totals) {
    for (const [key, rows] of totals) {
      const list = locations.get(key);
      if (list) list.push({ database, rows });
      else locations.set(key, [{ database, rows }]);
    }
  }
  const findings: Finding[] = [];
  for (const [key, places] of locations) {
    if (places.length < 2 || !input.routing.has(key)) continue;
    const routed = input.routing.get(key)!;
    const rows = places.reduce((sum, p) => sum + p.rows, 0);
    const where = places.map((p) => `${p.database} ${formatCount(p.rows)}`).join(', ');
    const strays = places.filter((p) => p.database !== routed).map((p) => p.database);
    // Where its routing points at no copy this doctor read (a database not configured, or not read),
    // no copy can be called the stray one: every copy may be the only whole one.
    const onRouted = places.find((p) => p.database === routed)?.rows ?? 0;
    // Deleting is advised only where every other copy was compared table by table and found a leftover
    // (the misplaced-rows findings say which tables a copy holds more of); totals alone can hide a table.
    const routedRead = places.some((p) => p.database === routed) && leftover.get(key) === true;
    const why = routedCopyWhy(input, routed, onRouted, leftover.has(key));
    const fix = routedRead
      ? `Keep one copy: resume or roll back its open move job if there is one, otherwise delete its rows from ${strays.join(' and ')} once ${routed} is checked to hold everything.`
      : `Delete nothing yet: its shard_name names ${routed}, which ${why}, so which copy is whole is not known. ` +
        `Resume or roll back its open move job if there is one; otherwise compare the copies (the website's page on each database), set its shard_name to the database holding the whole copy, and run the doctor again.`;
    findings.push(
      finding(
        'website-on-several-databases',
        'error',
        { database: null, website: key, rows },
        `Website ${key} has rows on ${places.length} databases (${where}); its shard_name routes it to ${routed}.`,
        fix,
        routedRead ? fixLinks.cleanup(key, strays[0] ?? routed) : fixLinks.routing(routed),
      ),
    );
  }
  return findings;
}
