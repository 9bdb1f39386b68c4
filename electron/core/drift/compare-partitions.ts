import { displayName, tableRef } from '../catalog/sql-identifiers.ts';
import { CATALOG_SEARCH_PATH, readPinnedCatalog } from '../catalog/pinned-catalog-session.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';

/*
 * The partitions of partitioned tenant tables. The catalog lists a partitioned table alone (its
 * partitions are its rows' storage, not tables of their own), so a partition the primary has and a
 * shard lacks went unseen: an insert routed to it fails on that shard only ("no partition of relation
 * found for row").
 */

export interface PartitionInfo {
  /** The partitioned table, `schema.table` as the catalog names it. */
  readonly parent: string;
  readonly schema: string;
  readonly table: string;
  /** `FOR VALUES IN (1, 2)`, `FOR VALUES FROM (...) TO (...)`, `DEFAULT`, as PostgreSQL prints it. */
  readonly bound: string;
  /** A partition partitioned in turn: its key (`RANGE (created_at)`); null for a leaf. */
  readonly partitionKey: string | null;
}

/** Every partition of a partitioned table, with its bound (read with search_path pg_catalog: bounds print alike everywhere). */
export function introspectPartitions(handle: DatabaseHandle): Promise<PartitionInfo[]> {
  return readPinnedCatalog(handle, CATALOG_SEARCH_PATH.qualified, async (client) => {
    const r = await client.query<{ parent_schema: string; parent: string; schema: string; table: string; bound: string; key: string | null }>(
      `SELECT pn.nspname AS parent_schema, p.relname AS parent, cn.nspname AS schema, c.relname AS table, pg_get_expr(c.relpartbound, c.oid) AS bound,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS key
           FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
           JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
          WHERE p.relkind = 'p' AND c.relispartition
          ORDER BY 1, 2, 3, 4`,
    );
    return r.rows.map((row) => ({
      parent: displayName(row.parent_schema, row.parent),
      schema: row.schema,
      table: row.table,
      bound: row.bound,
      partitionKey: row.key,
    }));
  });
}

/** How a partition holds its rows: its bound, and its own key when it is partitioned in turn. */
const holds = (p: PartitionInfo) => `${p.bound}${p.partitionKey ? ` PARTITION BY ${p.partitionKey}` : ''}`;

/**
 * `CREATE TABLE ... PARTITION OF ...`: the partition as the primary has it (columns, indexes and keys come
 * from its parent), then, when it is partitioned in turn, its own partitions, level by level.
 */
export function createPartitionSql(reference: readonly PartitionInfo[], p: PartitionInfo, parentRef: string): string {
  const ref = tableRef(p.schema, p.table);
  const children = reference.filter((c) => c.parent === displayName(p.schema, p.table));
  return [`CREATE TABLE ${ref} PARTITION OF ${parentRef} ${holds(p)};`, ...children.map((c) => createPartitionSql(reference, c, ref))].join('\n');
}

/** The partitions of a table as the primary has them, every level: for a table made anew. */
export function createPartitionsOfSql(reference: readonly PartitionInfo[], table: string, tableRefSql: string): string[] {
  return reference.filter((p) => p.parent === table).map((p) => createPartitionSql(reference, p, tableRefSql));
}

const placeOf = (p: PartitionInfo) => `${p.parent}\u0000${p.schema}\u0000${p.table}`;

/**
 * A partition holding other values than the primary's: detached and attached again with the primary's
 * bound (its rows must fit it); one partitioned by another key cannot change in place.
 */
function reboundSql(o: PartitionInfo, p: PartitionInfo, parentRef: string): string {
  const ref = tableRef(o.schema, o.table);
  if (o.partitionKey !== p.partitionKey) {
    return `-- a partition's own key does not change in place: make the primary's (PARTITION BY ${p.partitionKey ?? 'nothing'}) under another name, move the rows into it, then detach ${ref} and attach that one in its place`;
  }
  return `-- its rows must fit the primary's bound: move the others aside first\nALTER TABLE ${parentRef} DETACH PARTITION ${ref};\nALTER TABLE ${parentRef} ATTACH PARTITION ${ref} ${p.bound};`;
}

/**
 * The compared parents, and under them their partitions partitioned in turn on both databases, every
 * level: each with the other database's table to name in fixes and the tenant table it belongs to.
 */
function withSubPartitions(
  reference: readonly PartitionInfo[],
  other: readonly PartitionInfo[],
  parents: ReadonlyMap<string, string>,
): Map<string, { ref: string; root: string }> {
  const all = new Map([...parents].map(([name, ref]) => [name, { ref, root: name }]));
  const theirs = new Map(other.map((p) => [placeOf(p), p]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of reference) {
      const name = displayName(p.schema, p.table);
      const o = theirs.get(placeOf(p));
      const parent = all.get(p.parent);
      // Below a partition partitioned alike on both: one keyed otherwise is one finding, not one per child.
      if (p.partitionKey === null || parent === undefined || all.has(name) || o?.partitionKey !== p.partitionKey) continue;
      all.set(name, { ref: tableRef(o.schema, o.table), root: parent.root });
      grew = true;
    }
  }
  return all;
}

type Emit = (table: string, kind: string, detail: string, sql: string) => void;

/**
 * The partitions of each partitioned table both databases have (`parents`, by catalog name, with the
 * SQL reference of the other database's table): missing ones, others' bounds, and extra ones, by name.
 */
export function comparePartitions(
  reference: readonly PartitionInfo[],
  other: readonly PartitionInfo[],
  parents: ReadonlyMap<string, string>,
  database: string,
  emit: Emit,
): void {
  const compared = withSubPartitions(reference, other, parents);
  const theirs = new Map(other.filter((p) => compared.has(p.parent)).map((p) => [placeOf(p), p]));
  for (const p of reference.filter((q) => compared.has(q.parent))) {
    const o = theirs.get(placeOf(p));
    theirs.delete(placeOf(p));
    const name = displayName(p.schema, p.table);
    const { ref: parentRef, root } = compared.get(p.parent)!;
    if (!o) {
      emit(root, 'missing-partition', `partition ${name} (${holds(p)}) of ${p.parent} is missing on ${database}`, createPartitionSql(reference, p, parentRef));
    } else if (holds(o) !== holds(p)) {
      emit(
        root,
        'partition-bound',
        `partition ${name} of ${p.parent} holds ${holds(o)} on ${database}, ${holds(p)} on the primary`,
        reboundSql(o, p, parentRef),
      );
    }
  }
  for (const o of theirs.values()) {
    const { ref: parentRef, root } = compared.get(o.parent)!;
    const fix = `-- its rows stay in the detached table: move them first\nALTER TABLE ${parentRef} DETACH PARTITION ${tableRef(o.schema, o.table)};`;
    emit(root, 'extra-partition', `partition ${displayName(o.schema, o.table)} (${holds(o)}) of ${o.parent} exists only on ${database}`, fix);
  }
}
