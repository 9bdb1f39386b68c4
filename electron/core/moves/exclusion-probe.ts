import type { PreflightResult } from '../../../shared/methods/move-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import { comparesEqual, conflictingRows, exclusionConstraints, type ExclusionConstraint } from '../catalog/exclusion-constraints.ts';
import { columnList, tableRef } from '../catalog/sql-identifiers.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { firstKeysAsText } from './sql-fragments.ts';
import { PROBE_TABLE, streamedProbe, withProbeSessions } from './streamed-probe.ts';
import { websitePredicate, type ScopedTable } from './tenant-scope.ts';

type Refusal = PreflightResult['refusals'][number];

export interface ExclusionProbe {
  readonly source: DatabaseHandle;
  readonly target: DatabaseHandle;
  /** The source's. */
  readonly catalog: DatabaseCatalog;
  readonly targetCatalog: DatabaseCatalog;
  readonly websiteId: number;
}

/**
 * Exclusion constraints a website's rows and another website's can both break only together: those
 * not comparing the website's own key (or, for a child table, every column of its tie to its tenant
 * parent) with `=`.
 */
export function crossWebsiteExclusions(t: ScopedTable, constraints: readonly ExclusionConstraint[]): ExclusionConstraint[] {
  const ownKey = t.tenant.chain.length === 0 ? t.tenant.tenantKey : null;
  const parentKey = t.tenant.chain[0]?.columns ?? null;
  return constraints.filter(
    (c) =>
      !(ownKey !== null && c.parts.some((part) => comparesEqual(part, ownKey))) && !parentKey?.every((col) => c.parts.some((part) => comparesEqual(part, col))),
  );
}

/**
 * Would a copied row break an exclusion constraint with a row already on the target (two bookings of
 * one room overlapping)? Per constraint, the columns it reads of the website's rows stream into a
 * temporary table on the target (binary COPY, inside a transaction that is rolled back), and one join
 * there, through the constraint's own index, finds the pairs that conflict. Nothing persists.
 */
export async function findExclusionConflicts(probe: ExclusionProbe, t: ScopedTable, websiteRows: number): Promise<Refusal[]> {
  if (websiteRows === 0) return [];
  const refusals: Refusal[] = [];
  const table = tableRef(t.table.schema, t.table.table);
  // The target's constraints are what the copy must pass.
  const targetTable = probe.targetCatalog.tables.get(t.name) ?? t.table;
  for (const c of crossWebsiteExclusions(t, await exclusionConstraints(probe.target, targetTable))) {
    const columns = c.columns.map((name) => ({ name, type: t.table.columns.find((x) => x.name === name)!.type }));
    const conflict = conflictingRows(PROBE_TABLE, table, 'true', c);
    try {
      const [row] = await withProbeSessions(probe.source, probe.target, 'to-target', (from, into) =>
        streamedProbe<{ n: string; examples: string[] | null }>(from, into, {
          select: `SELECT ${columnList(c.columns, 't')} FROM ${table} t WHERE ${websitePredicate(t, probe.catalog, probe.websiteId)}`,
          columns,
          question: `SELECT count(*)::int8::text AS n, ${firstKeysAsText('p', conflict.names, 3)} AS examples FROM (${conflict.sql}) p`,
        }),
      );
      if (Number(row!.n) > 0) refusals.push(exclusionConflict(probe, t, c, Number(row!.n), row!.examples ?? []));
    } catch (error) {
      throw new ConsoleError('MOVE_FAILED', `Checking ${t.name} against its exclusion constraint ${c.name} failed: ${(error as Error).message}.`, {
        target: t.name,
        cause: error,
      });
    }
  }
  return refusals;
}

function exclusionConflict(probe: ExclusionProbe, t: ScopedTable, c: ExclusionConstraint, n: number, examples: readonly string[]): Refusal {
  const target = probe.target.target.name;
  return {
    code: 'KEY_COLLISION',
    table: t.name,
    message:
      `${n} pair(s) of a row of website ${probe.websiteId} in ${t.name} and a row already on ${target} would break the exclusion constraint ${c.name} ` +
      `(${c.parts.map((part) => part.label).join(', ')}), e.g. website rows ${examples.join('; ')}. Change or remove the conflicting rows on ${target} first.`,
  };
}
