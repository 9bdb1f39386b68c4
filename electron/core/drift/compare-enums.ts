import { quoteIdent, quoteLiteral } from '../catalog/sql-identifiers.ts';
import { applicationSchemaSql } from '../catalog/system-catalog.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { CATALOG_SEARCH_PATH, readPinnedCatalog } from '../catalog/pinned-catalog-session.ts';

/*
 * Enum types a tenant table's column uses: their values, in order. A value the primary has and a shard lacks fails the application's
 * writes of it on that shard only (`invalid input value for enum`), and the tables compare equal (a
 * column's type is the enum's name), so the values are compared here. A value can be added in place;
 * PostgreSQL cannot drop one or reorder them, so those differences are told with no fix to run.
 */

export interface EnumInfo {
  readonly schema: string;
  readonly name: string;
  /** As a column's type shows it (format_type): how the tables that use it name it. */
  readonly shown: string;
  readonly labels: readonly string[];
}

/** Every enum of the database's own schemas (not the system's, not the console's, not an extension's). */
export async function introspectEnums(handle: DatabaseHandle): Promise<EnumInfo[]> {
  // Read as the catalog reads columns' types, so `shown` is spelled as they spell it on every database.
  const r = await readPinnedCatalog(handle, CATALOG_SEARCH_PATH.names, (client) =>
    client.query<{ schema: string; name: string; shown: string; labels: string[] }>(
      `SELECT n.nspname AS schema, t.typname AS name, format_type(t.oid, NULL) AS shown, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE ${applicationSchemaSql('n.nspname')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
      GROUP BY 1, 2, 3
      ORDER BY 1, 2`,
    ),
  );
  return r.rows.map((row) => ({ schema: row.schema, name: row.name, shown: row.shown, labels: row.labels }));
}

type Emit = (table: string, kind: string, detail: string, sql: string) => void;

const typeRef = (e: Pick<EnumInfo, 'schema' | 'name'>) => `${quoteIdent(e.schema)}.${quoteIdent(e.name)}`;
const display = (e: EnumInfo) => (e.schema === 'public' ? e.name : `${e.schema}.${e.name}`);

export function compareEnums(reference: readonly EnumInfo[], other: readonly EnumInfo[], database: string, emit: Emit): void {
  const there = new Map(other.map((e) => [`${e.schema}.${e.name}`, e]));
  for (const r of reference) {
    const o = there.get(`${r.schema}.${r.name}`);
    if (!o) {
      emit(
        display(r),
        'missing-enum',
        `enum type ${display(r)} is missing on ${database}`,
        `CREATE TYPE ${typeRef(r)} AS ENUM (${r.labels.map((l) => quoteLiteral(l)).join(', ')});`,
      );
      continue;
    }
    if (r.labels.join('\u0000') === o.labels.join('\u0000')) continue;
    const missing = r.labels.filter((l) => !o.labels.includes(l));
    const extra = o.labels.filter((l) => !r.labels.includes(l));
    const parts = [
      missing.length ? `lacks ${missing.map((l) => quoteLiteral(l)).join(', ')}` : '',
      extra.length ? `has ${extra.map((l) => quoteLiteral(l)).join(', ')} the primary does not` : '',
      !missing.length && !extra.length ? 'orders its values otherwise' : '',
    ].filter(Boolean);
    // Each missing value placed after the value before it on the primary (or before the first).
    // (the values before it on the primary are there by then: added in the primary's order). A first value
    // goes before the first one the shard has.
    const adds = missing.map((label) => {
      const at = r.labels.indexOf(label);
      const first = o.labels.find((l) => r.labels.includes(l));
      const place = at > 0 ? ` AFTER ${quoteLiteral(r.labels[at - 1]!)}` : first !== undefined ? ` BEFORE ${quoteLiteral(first)}` : '';
      return `ALTER TYPE ${typeRef(r)} ADD VALUE IF NOT EXISTS ${quoteLiteral(label)}${place};`;
    });
    const cannot =
      extra.length || (!missing.length && !extra.length)
        ? ['-- PostgreSQL can neither drop an enum value nor reorder them: recreate the type by hand if that matters.']
        : [];
    emit(display(r), 'enum-values', `enum type ${display(r)} on ${database} ${parts.join(' and ')}`, [...adds, ...cannot].join('\n'));
  }
}
