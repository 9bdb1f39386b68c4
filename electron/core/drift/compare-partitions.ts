import { displayName, tableRef } from '../catalog/sql-identifiers.ts';
import { databaseError } from '../pools/database-error.ts';
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
}

/** Every partition of a partitioned table, with its bound (read with search_path pg_catalog: bounds print alike everywhere). */
export async function introspectPartitions(handle: DatabaseHandle): Promise<PartitionInfo[]> {
  const client = await handle.longSession().catch((error: unknown) => {
    throw databaseError(handle.target, error);
  });
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL search_path = pg_catalog');
    const r = await client.query<{ parent_schema: string; parent: string; schema: string; table: string; bound: string }>(
      `SELECT pn.nspname AS parent_schema, p.relname AS parent, cn.nspname AS schema, c.relname AS table, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
         JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE p.relkind = 'p' AND c.relispartition
        ORDER BY 1, 2, 3, 4`,
    );
    await client.query('COMMIT');
    return r.rows.map((row) => ({ parent: displayName(row.parent_schema, row.parent), schema: row.schema, table: row.table, bound: row.bound }));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw databaseError(handle.target, error);
  } finally {
    client.release();
  }
}

/** `CREATE TABLE ... PARTITION OF ...`: the partition as the primary has it (columns, indexes and keys come from its parent). */
export function createPartitionSql(p: PartitionInfo, parentRef: string): string {
  return `CREATE TABLE ${tableRef(p.schema, p.table)} PARTITION OF ${parentRef} ${p.bound};`;
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
  const key = (p: PartitionInfo) => `${p.parent}\u0000${p.schema}\u0000${p.table}`;
  const theirs = new Map(other.filter((p) => parents.has(p.parent)).map((p) => [key(p), p]));
  for (const p of reference.filter((q) => parents.has(q.parent))) {
    const o = theirs.get(key(p));
    theirs.delete(key(p));
    const name = displayName(p.schema, p.table);
    if (!o)
      emit(
        p.parent,
        'missing-partition',
        `partition ${name} (${p.bound}) of ${p.parent} is missing on ${database}`,
        createPartitionSql(p, parents.get(p.parent)!),
      );
    else if (o.bound !== p.bound) {
      const fix = `-- a partition's bound does not change in place: move its rows aside, then\nALTER TABLE ${parents.get(p.parent)!} DETACH PARTITION ${tableRef(o.schema, o.table)};\nALTER TABLE ${parents.get(p.parent)!} ATTACH PARTITION ${tableRef(o.schema, o.table)} ${p.bound};`;
      emit(p.parent, 'partition-bound', `partition ${name} of ${p.parent} holds ${o.bound} on ${database}, ${p.bound} on the primary`, fix);
    }
  }
  for (const o of theirs.values()) {
    const fix = `-- its rows stay in the detached table: move them first\nALTER TABLE ${parents.get(o.parent)!} DETACH PARTITION ${tableRef(o.schema, o.table)};`;
    emit(o.parent, 'extra-partition', `partition ${displayName(o.schema, o.table)} (${o.bound}) of ${o.parent} exists only on ${database}`, fix);
  }
}
