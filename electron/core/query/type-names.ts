import type pg from 'pg';
import type { QueryColumn } from './query-types.ts';

/** Looks type names up on the database a result came from: format_type over (oid, typmod) pairs, in order. */
export type TypeNameLookup = (pairs: readonly (readonly [number, number])[]) => Promise<string[]>;

/**
 * Type names per database, looked up once and kept: a result's columns carry only type OIDs, and a
 * user-defined type (an enum, a domain) has a different OID on every database, so the cache is per
 * database. Modifiers are part of the key: `character varying(255)`, `numeric(10,2)`.
 */
export class TypeNameCache {
  readonly #names = new Map<string, Map<string, string>>();

  async columns(database: string, fields: readonly pg.FieldDef[], lookup: TypeNameLookup): Promise<QueryColumn[]> {
    const known = this.#names.get(database) ?? new Map<string, string>();
    this.#names.set(database, known);
    const key = (f: pg.FieldDef) => `${f.dataTypeID}:${f.dataTypeModifier}`;
    const missing = [...new Map(fields.filter((f) => !known.has(key(f))).map((f) => [key(f), [f.dataTypeID, f.dataTypeModifier] as const])).values()];
    if (missing.length) {
      const names = await lookup(missing);
      missing.forEach(([oid, mod], i) => known.set(`${oid}:${mod}`, names[i] ?? `oid ${oid}`));
    }
    return fields.map((f) => ({ name: f.name, type: known.get(key(f))! }));
  }

  /** Forget a database's names (its types were recreated, a profile was reopened). */
  forget(database: string): void {
    this.#names.delete(database);
  }
}

/** The SQL a TypeNameLookup runs: `$1` the OIDs, `$2` the modifiers, one name per pair in order. */
export const TYPE_NAMES_SQL = 'SELECT format_type(t.oid, t.mod) FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS t(oid, mod, n) ORDER BY t.n';
