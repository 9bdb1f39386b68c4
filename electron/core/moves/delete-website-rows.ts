import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { CatalogForeignKey, CatalogTable, DatabaseCatalog } from '../catalog/database-catalog.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { runInDependencyOrder } from '../run-limited.ts';
import { stopIfRequested } from '../call-context.ts';
import { maySkipTriggers, withSession } from './replica-role.ts';
import { tenantParents, websitePredicate, type ScopedTable } from './tenant-scope.ts';

const BATCH = 200_000;

export interface DeleteOptions {
  readonly onDeleted?: (table: string, rows: number) => void;
  /** After every batch commits: the rows it set out to delete (picked, or listed by the fenced pass) and those it did (tests watch the statements, and act between them). */
  readonly onBatch?: (table: string, batch: { picked: number; deleted: number }) => void | Promise<void>;
  /** Rows per batch (tests use small batches to cross batch boundaries). */
  readonly batch?: number;
  /** Tables cleared at once (3), asked again as each table is done. */
  readonly parallel?: number | (() => number);
  /** The website is fenced on this database (the source's cleanup): its rows cannot move, batches go by ctid. */
  readonly fenced?: boolean;
}

/**
 * Deletes a website's rows from one database, children before parents (reverse copy order) so FK
 * chains stay resolvable, in batches so no single transaction holds a big tenant's locks. A
 * self-referencing table goes in one statement: a batch could otherwise remove a parent folder whose
 * child is in the next batch. Idempotent: a rerun finds nothing left to delete.
 */
export async function deleteWebsiteRows(handle: DatabaseHandle, catalog: DatabaseCatalog, tables: readonly ScopedTable[], websiteId: number, options: DeleteOptions = {}): Promise<number> {
  let total = 0;
  const replica = await withSession(handle, maySkipTriggers);
  // A table is cleared once every tenant table referencing it (its children: a higher level) is, in
  // parallel with anything else ready; the largest (by the planner's estimate) first.
  const parents = tenantParents(tables);
  const children = new Map<ScopedTable, ScopedTable[]>(tables.map((t) => [t, []]));
  for (const t of tables) for (const parent of parents(t)) children.get(parent)!.push(t);
  const order = [...tables].sort((a, b) => b.table.rowEstimate - a.table.rowEstimate || b.level - a.level || a.name.localeCompare(b.name));
  await runInDependencyOrder(order, (t) => children.get(t) ?? [], options.parallel ?? 3, async (t) => {
    total += await deleteTableRows(handle, catalog, t, websiteId, replica, options);
  });
  return total;
}

/** Foreign keys of any table of the database (tenant or not) that point at `table`. */
function incomingForeignKeys(catalog: DatabaseCatalog, table: CatalogTable): Array<{ from: CatalogTable; fk: CatalogForeignKey }> {
  return [...catalog.tables.values()].flatMap((from) => from.foreignKeys.filter((fk) => fk.refTable === table.name).map((fk) => ({ from, fk })));
}

/*
 * Each batch runs with `session_replication_role = replica`, as logical replication applies rows: no
 * per-row foreign-key trigger (each one an SPI query into every referencing table, 4 per realty asset
 * in PWB, most of the cleanup's time), no fence trigger, no application trigger (the rows are moving,
 * not being deleted). What the skipped FK triggers would have proven is proven per batch, set-based,
 * after the DELETE and in its transaction: no row of any referencing table points at a deleted key. A
 * writer that took its key-share lock on a parent row before the DELETE made the DELETE wait for its
 * commit, so the check (a later snapshot) sees its row; one that comes after finds the parent locked,
 * then gone, and fails its own FK check. A reference found rolls the batch back with the rows named.
 * Without the privilege to set the role (superuser, or GRANT SET on PostgreSQL 15+), batches run with
 * the ordinary triggers instead.
 */
async function deleteTableRows(handle: DatabaseHandle, catalog: DatabaseCatalog, t: ScopedTable, websiteId: number, replica: boolean, options: DeleteOptions): Promise<number> {
  const batch = options.batch ?? BATCH;
  let total = 0;
  const client = await handle.longSession();
  try {
    await client.query(`SET shard_console.bypass_fence = 'on'`);
    const ref = tableRef(t.table.schema, t.table.table);
    const where = websitePredicate(t, catalog, websiteId);
    if (t.selfReferencing) {
      const r = await client.query(`DELETE FROM ${ref} t WHERE ${where}`).catch((error: unknown) => rethrowReferenced(error, t, websiteId));
      total += r.rowCount ?? 0;
      options.onDeleted?.(t.name, r.rowCount ?? 0);
      return total;
    }
    const incoming = incomingForeignKeys(catalog, t.table);
    // The deleted rows' values of every column some foreign key points at (usually just the key).
    const pkColumns = t.table.primaryKey;
    const keptColumns = [...new Set([...pkColumns, ...incoming.flatMap((i) => i.fk.refColumns)])];
    const typeOf = (c: string) => t.table.columns.find((x) => x.name === c)!.type;
    const gone = keptColumns.map((c) => `d.${quoteIdent(c)}`).join(', ');
    // One batch's transaction: the DELETE (in `ctes`, as `gone`) and, where the FK triggers are skipped,
    // the proof that nothing references the removed keys. `before` runs first and may call it off.
    const inBatch = async (ctes: string, summary: string, params: unknown[], before?: () => Promise<boolean>): Promise<Record<string, string | number | null> | null> => {
      // A safe point: every batch before this one committed whole.
      stopIfRequested();
      await client.query('BEGIN');
      try {
        if (before && !(await before())) {
          await client.query('ROLLBACK');
          return null;
        }
        if (replica) await client.query(`SET LOCAL session_replication_role = replica`);
        let row: Record<string, string | number | null>;
        if (replica && incoming.length) {
          await client.query(`CREATE TEMP TABLE sc_gone (${keptColumns.map((c) => `${quoteIdent(c)} ${typeOf(c)}`).join(', ')}) ON COMMIT DROP`);
          row = (await client.query(`WITH ${ctes}, kept AS (INSERT INTO sc_gone SELECT * FROM gone) ${summary}`, params)).rows[0];
          // Real row counts let the planner choose between probing each key and one pass over the referencing table.
          await client.query('ANALYZE sc_gone');
          await assertUnreferenced(client, t, websiteId, incoming);
        } else {
          row = (await client.query(`WITH ${ctes} ${summary}`, params)).rows[0];
        }
        await client.query('COMMIT');
        return row;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        rethrowReferenced(error, t, websiteId);
      }
    };
    const report = async (picked: number, n: number) => {
      total += n;
      await options.onBatch?.(t.name, { picked, deleted: n });
      if (n > 0) options.onDeleted?.(t.name, n);
    };
    // The batch's rows go in as an array, `= ANY(ARRAY(...))`, which can only be a TID or index scan,
    // where a join against the batch let the planner pick a hash join that read the whole table once
    // per batch.
    // A partitioned table numbers rows per partition: a ctid names a row in every partition, so its
    // batches go by key (unique across the partitions), never by ctid.
    const partitioned = t.table.partitioned;
    const keyList = (alias: string) => pkColumns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ');
    if (options.fenced) {
      // Under the fence: one pass finds the website's rows (the planner's best plan, once), their ctids
      // go into a temporary table in physical order, and batches delete them by position, each a TID
      // scan. Picking each batch from the table instead cost a pass over the website's remaining rows
      // and a sort of them per batch: quadratic in a big tenant. A ctid changes only when its row is
      // updated, which the fence stops for every session but the console's own, or when the table is
      // rewritten (VACUUM FULL, CLUSTER, a rewriting ALTER TABLE, pg_repack), which gives it a new
      // relfilenode: each batch takes the table's lock (no rewrite can start until it commits) and
      // compares the relfilenode with the one the ctids were read under; if it changed, the rows left
      // are found again. Rows of a table keyed by the website are also re-checked in the DELETE. A
      // batch that removed fewer rows than it listed (another session removed some first) is followed
      // by a fresh look once the list is done: the table is finished only when a look finds nothing.
      const recheck = t.tenant.chain.length === 0 ? ` AND ${websitePredicate(t, catalog, websiteId, 'd')}` : '';
      const filenode = async () => (await client.query<{ f: string | null }>(`SELECT pg_relation_filenode($1::regclass)::text AS f`, [ref])).rows[0]!.f;
      const listed = partitioned ? pkColumns.map((c, i) => `t.${quoteIdent(c)} AS k${i}`).join(', ') : 't.ctid AS k0';
      const match = partitioned
        ? pkColumns.length === 1
          ? `d.${quoteIdent(pkColumns[0]!)} = ANY(ARRAY(SELECT k0 FROM pg_temp.sc_doomed WHERE n > $1 AND n <= $2))`
          : `ROW(${keyList('d')}) IN (SELECT ${pkColumns.map((_, i) => `k${i}`).join(', ')} FROM pg_temp.sc_doomed WHERE n > $1 AND n <= $2)`
        : `d.ctid = ANY(ARRAY(SELECT k0 FROM pg_temp.sc_doomed WHERE n > $1 AND n <= $2))`;
      const collect = async () => {
        await client.query('BEGIN');
        try {
          await client.query('DROP TABLE IF EXISTS pg_temp.sc_doomed');
          const r = await client.query(`CREATE TEMP TABLE sc_doomed AS SELECT row_number() OVER (ORDER BY ${partitioned ? keyList('t') : 't.ctid'}) AS n, ${listed} FROM ${ref} t WHERE ${where}`);
          await client.query('CREATE INDEX ON pg_temp.sc_doomed (n)');
          const found = { rows: r.rowCount ?? 0, filenode: partitioned ? null : await filenode() };
          await client.query('COMMIT');
          return found;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      };
      let found = await collect();
      let rewrites = 0;
      let short = false;
      for (let from = 0; ; ) {
        if (from >= found.rows) {
          if (!short || found.rows === 0) break;
          found = await collect();
          from = 0;
          short = false;
          continue;
        }
        const row = await inBatch(
          `gone AS (DELETE FROM ${ref} d WHERE ${match}${recheck} RETURNING ${gone})`,
          `SELECT (SELECT count(*)::int FROM gone) AS n`,
          [from, from + batch],
          async () => {
            if (partitioned) return true;
            await client.query(`LOCK TABLE ${ref} IN ROW EXCLUSIVE MODE`);
            const now = await filenode();
            return now !== null && now === found.filenode;
          },
        );
        if (row === null) {
          if (++rewrites > 3) throw new ConsoleError('MOVE_FAILED', `${t.name} on ${handle.target.name} was rewritten (VACUUM FULL, CLUSTER, ALTER TABLE) ${rewrites} times while its rows were being removed. Let that maintenance finish, then resume the move.`, { target: t.name });
          found = await collect();
          from = 0;
          continue;
        }
        const listedRows = Math.min(batch, found.rows - from);
        if (Number(row.n) < listedRows) short = true;
        await report(listedRows, Number(row.n));
        from += batch;
      }
      return total;
    }
    // Unfenced (the target's copy, dropped on a rerun or a rollback), a row updated meanwhile must still
    // go: keyset batches by key, which its new version keeps (by ctid for a composite key, picked in the
    // same statement, so no row can move in between; by the whole key in a partitioned table). Each
    // batch's rows are picked once, in key order, the next batch starts after the last key picked, and a
    // batch that picks fewer rows than it may is the last: no row of the website came after it in its
    // snapshot (nothing writes the website's rows on a database that does not serve it).
    const pk = pkColumns.map((c) => `t.${quoteIdent(c)}`);
    const rowKey = pk.length > 1 ? 'ctid' : quoteIdent(pkColumns[0]!);
    const byComposite = pk.length > 1 && partitioned;
    let last: string[] | null = null;
    for (;;) {
      const after: string = last ? ` AND ROW(${pk.join(', ')}) > ROW(${last.map((_, i) => `$${i + 1}`).join(', ')})` : '';
      const pick: string = `pick AS MATERIALIZED (SELECT t.${rowKey} AS sc_key, ${pk.map((c, i) => `${c} AS sc_k${i}`).join(', ')} FROM ${ref} t WHERE ${where}${after} ORDER BY ${pk.join(', ')} LIMIT ${batch})`;
      const match = byComposite ? `ROW(${keyList('d')}) IN (SELECT ${pkColumns.map((_, i) => `sc_k${i}`).join(', ')} FROM pick)` : `d.${rowKey} = ANY(ARRAY(SELECT sc_key FROM pick))`;
      const remove = `gone AS (DELETE FROM ${ref} d WHERE ${match} RETURNING ${gone})`;
      const summary = `SELECT (SELECT count(*)::int FROM pick) AS picked, (SELECT count(*)::int FROM gone) AS n, ${pkColumns.map((_, i) => `l.sc_k${i}::text AS k${i}`).join(', ')}
        FROM (SELECT * FROM pick ORDER BY ${pkColumns.map((_, i) => `sc_k${i} DESC`).join(', ')} LIMIT 1) l RIGHT JOIN (VALUES (1)) one ON true`;
      const row: Record<string, string | number | null> = (await inBatch(`${pick}, ${remove}`, summary, last ?? []))!;
      const picked = Number(row.picked);
      await report(picked, Number(row.n));
      if (picked < batch) break;
      last = pkColumns.map((_, i) => String(row[`k${i}`]));
    }
  } finally {
    if (options.fenced) await client.query('DROP TABLE IF EXISTS pg_temp.sc_doomed').catch(() => {});
    await client.query(`RESET shard_console.bypass_fence`).catch(() => {});
    client.release();
  }
  return total;
}

const STILL_REFERENCED = 'so they cannot be removed: those rows belong to another website or were written during the move. Repoint or remove them, then resume the move.';

/** A foreign-key violation from the ordinary triggers, said the way the set-based check says it. */
function rethrowReferenced(error: unknown, t: ScopedTable, websiteId: number): never {
  const e = error as { code?: string; table?: string; constraint?: string; detail?: string };
  if (e.code !== '23503') throw error;
  throw new ConsoleError('MOVE_FAILED', `Row(s) of ${e.table} still point at website ${websiteId}'s rows of ${t.name} through ${e.constraint} (${e.detail}), ${STILL_REFERENCED}`, { target: t.name, cause: error });
}

/** Fails the batch when a row of a referencing table points at one of the keys it deleted (sc_gone). */
async function assertUnreferenced(client: pg.PoolClient, t: ScopedTable, websiteId: number, incoming: ReturnType<typeof incomingForeignKeys>): Promise<void> {
  for (const { from, fk } of incoming) {
    const pairs = fk.columns.map((c, i) => `c.${quoteIdent(c)} = g.${quoteIdent(fk.refColumns[i]!)}`).join(' AND ');
    const r = await client.query<{ n: string; examples: string[] }>(
      `SELECT count(*)::int8::text AS n, (array_agg(ROW(${fk.columns.map((c) => `c.${quoteIdent(c)}`).join(', ')})::text))[1:3] AS examples
         FROM ${tableRef(from.schema, from.table)} c WHERE EXISTS (SELECT 1 FROM sc_gone g WHERE ${pairs})`,
    );
    const n = Number(r.rows[0]!.n);
    if (n > 0) {
      throw new ConsoleError(
        'MOVE_FAILED',
        `${n} row(s) of ${from.name} still point at website ${websiteId}'s rows of ${t.name} through ${fk.name} (${fk.columns.join(', ')} = ${r.rows[0]!.examples.join('; ')}), ${STILL_REFERENCED}`,
        { target: t.name },
      );
    }
  }
}
