import type { DriftResult } from '../../../shared/contract.ts';
import type { DriftItem } from '../../../shared/methods/drift-methods.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { compareTenantSchemas, type SchemaSnapshot } from './compare-tenant-schemas.ts';
import { introspectEnums } from './compare-enums.ts';
import { introspectSequences } from './introspect-sequences.ts';
import { introspectTriggers } from './compare-triggers.ts';
import { introspectPartitions } from './compare-partitions.ts';
import { readStoredSlot, resolveSlots } from '../migrations/sequence-slots.ts';

function toInfo(error: unknown): ErrorInfo {
  return error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
}

/** Each database's catalog read fresh (drift is about now) plus its sequences, enums and triggers. */
export async function loadSnapshot(ctx: ConsoleContext, database: string): Promise<SchemaSnapshot> {
  const handle = ctx.pools.get(database);
  const [catalog, sequences, enums, triggers, partitions] = await Promise.all([
    ctx.catalog.get(database, { refresh: true }),
    introspectSequences(handle),
    introspectEnums(handle),
    introspectTriggers(handle),
    introspectPartitions(handle),
  ]);
  return { catalog, sequences, enums, triggers, partitions };
}

/** The tenant schema of every shard against the primary's, grouped by database and table. */
/**
 * Within one table, the order its fixes run in: indexes and constraints only the shard has dropped
 * before the columns they read go (a DROP COLUMN takes them along, and their own DROP would then fail);
 * sequences, then missing columns, then changes to columns; then indexes and constraints made or
 * redefined (they may read a column added above); columns and sequences only the shard has dropped last.
 */
const STEPS: Readonly<Record<string, number>> = {
  'extra-index': 0,
  'extra-constraint': 0,
  // A trigger only the shard has, before a column its UPDATE OF or WHEN reads goes.
  'extra-trigger': 0,
  'missing-sequence': 1,
  // A trigger's function before the triggers that run it (its body is not checked against the tables).
  'trigger-function': 1,
  'missing-column': 2,
  'column-type': 3,
  'column-collation': 3,
  'column-nullability': 3,
  'column-default': 3,
  'column-kind': 3,
  'column-identity': 3,
  'column-generation': 3,
  'sequence-definition': 3,
  'index-definition': 4,
  'constraint-definition': 4,
  'invalid-index': 4,
  'missing-index': 4,
  'missing-constraint': 4,
  // After the columns a trigger reads are there, before the shard's own columns go (a trigger redefined drops the old one first).
  'missing-trigger': 4,
  'trigger-definition': 4,
  'trigger-enabled': 4,
  // Partitions take their columns from the table, so after its columns are the primary's.
  'missing-partition': 4,
  'partition-bound': 4,
  'extra-column': 5,
  'extra-partition': 5,
  'extra-sequence': 6,
};
const step = (kind: string) => STEPS[kind] ?? 7;

/**
 * In the order the fixes can run top to bottom on a database: views only the shard has dropped first (a
 * table they read may be dropped below), then enum types (before the tables whose columns use them),
 * missing tables (each after the tables it references, as compared), the tables' other differences by
 * name (STEPS within a table), and the views to create or redefine last (they read the tables).
 */
function sortForFixing(drift: DriftItem[]): void {
  const phase = (kind: string) =>
    kind === 'extra-view'
      ? -2
      : kind === 'missing-enum' || kind === 'enum-values'
        ? -1
        : kind === 'missing-table'
          ? 0
          : kind === 'missing-view' || kind === 'view-definition'
            ? 2
            : 1;
  const emitted = new Map(drift.map((item, i) => [item, i]));
  drift.sort(
    (a, b) =>
      a.database.localeCompare(b.database) ||
      phase(a.kind) - phase(b.kind) ||
      (phase(a.kind) === 0
        ? emitted.get(a)! - emitted.get(b)!
        : a.table.localeCompare(b.table) || step(a.kind) - step(b.kind) || a.kind.localeCompare(b.kind) || emitted.get(a)! - emitted.get(b)!),
  );
}

/** The slot recorded on each database that could be read (sequence-slots.ts). */
async function storedSlots(ctx: ConsoleContext): Promise<Map<string, number | null>> {
  const read = ctx.pools.targets.map(async (t) => [t.name, await readStoredSlot(ctx.pools.get(t.name)).catch(() => null)] as const);
  return new Map(await Promise.all(read));
}

export async function schemaDrift(ctx: ConsoleContext): Promise<DriftResult> {
  const reference = ctx.pools.primaryTarget().name;
  const targets = ctx.pools.targets;
  const loaded = await Promise.all(
    targets.map((t) =>
      loadSnapshot(ctx, t.name).then(
        (snapshot) => ({ snapshot, error: null }),
        (error: unknown) => ({ snapshot: null, error: toInfo(error) }),
      ),
    ),
  );
  const byName = new Map(targets.map((t, i) => [t.name, loaded[i]!]));
  const slots = resolveSlots(targets, await storedSlots(ctx));
  const primary = byName.get(reference)!;
  const drift = [];
  const setAside = [];
  if (primary.snapshot) {
    for (const target of targets) {
      const other = byName.get(target.name)!;
      if (target.name === reference || !other.snapshot) continue;
      const compared = compareTenantSchemas(primary.snapshot, other.snapshot, target.name, slots.get(target.name) ?? 0);
      drift.push(...compared.drift);
      setAside.push(...compared.setAside);
    }
  }
  sortForFixing(drift);
  setAside.sort((a, b) => a.database.localeCompare(b.database) || a.table.localeCompare(b.table) || a.constraint.localeCompare(b.constraint));
  return {
    reference,
    drift,
    setAside,
    databases: targets.map((t) => {
      const notCompared = t.name !== reference && !primary.snapshot;
      const message = `Not compared: the primary (${reference}) is the reference and could not be read.`;
      const error = byName.get(t.name)!.error ?? (notCompared ? { code: 'DATABASE_UNREACHABLE' as const, message } : null);
      return { name: t.name, error };
    }),
  };
}
