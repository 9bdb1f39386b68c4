import { displayName, quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { applicationSchemaSql } from '../catalog/system-catalog.ts';
import type pg from 'pg';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import { CATALOG_SEARCH_PATH, readPinnedCatalog } from '../catalog/pinned-catalog-session.ts';

/*
 * Triggers on tenant tables, and the functions they run. The tables compare equal without them, yet a
 * trigger the primary has and a shard lacks (an audit row, a search column kept up to date, a check)
 * does not fire for the websites that live there; one only the shard has fires for them alone. Compared
 * by name: the definition (pg_get_triggerdef, the table and function as they are named there), whether
 * it fires (ALTER TABLE ... ENABLE/DISABLE), and the function's own definition (pg_get_functiondef) when
 * it is the application's (not the system's, not an extension's). The console's own write-fence
 * triggers, there only while a move or restore holds a website, are not the schema's.
 */

export interface TriggerInfo {
  /** Display name of the table (bare in `public`), as the catalog names tenant tables. */
  readonly table: string;
  readonly schema: string;
  readonly tableName: string;
  readonly name: string;
  readonly definition: string;
  /** pg_trigger.tgenabled: O fires (origin and local), D disabled, R replica only, A always. */
  readonly enabled: string;
  /** The function it runs, as `"schema"."name"(args)`. */
  readonly function: string;
}

/** A database's triggers, and the definitions of its own trigger functions by `"schema"."name"(args)`. */
export interface TriggerSnapshot {
  readonly triggers: readonly TriggerInfo[];
  readonly functions: ReadonlyMap<string, string>;
}

const SIGNATURE = `format('%I.%I(%s)', pn.nspname, p.proname, pg_get_function_identity_arguments(p.oid))`;

/**
 * Read with search_path set to pg_catalog alone: pg_get_triggerdef and pg_get_functiondef name a table
 * or function schema-qualified or not by what the session's search_path finds, and a database whose
 * own search_path differs would show every trigger as redefined. A partition's clone of its parent's
 * trigger (pg_depend's 'P') is the parent's, and not on PostgreSQL 12 and older (tgisinternal there).
 */
export function introspectTriggers(handle: DatabaseHandle): Promise<TriggerSnapshot> {
  return readPinnedCatalog(handle, CATALOG_SEARCH_PATH.qualified, readTriggers);
}

/** PostgreSQL 10 prints `EXECUTE PROCEDURE`, 11 and later `EXECUTE FUNCTION`: the same trigger. */
const sameSpelling = (definition: string) => definition.replace(/ EXECUTE PROCEDURE /, ' EXECUTE FUNCTION ');

async function readTriggers(client: pg.PoolClient): Promise<TriggerSnapshot> {
  const triggers = await client.query<{ schema: string; table: string; name: string; definition: string; enabled: string; function: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
              t.tgenabled::text AS enabled, ${SIGNATURE} AS function
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_proc p ON p.oid = t.tgfoid
         JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE NOT t.tgisinternal AND NOT EXISTS (SELECT 1 FROM pg_depend pd WHERE pd.classid = 'pg_trigger'::regclass AND pd.objid = t.oid AND pd.deptype = 'P') AND t.tgname NOT LIKE 'shard\\_console\\_fence%' AND ${applicationSchemaSql('n.nspname')}`,
  );
  // The application's trigger functions (an extension's, or the system's, are not the schema's to compare).
  const functions = await client.query<{ function: string; definition: string }>(
    `SELECT ${SIGNATURE} AS function, pg_get_functiondef(p.oid) AS definition
         FROM pg_proc p
         JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE p.prorettype = 'trigger'::regtype AND ${applicationSchemaSql('pn.nspname')}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`,
  );
  return {
    triggers: triggers.rows.map((row) => ({
      table: displayName(row.schema, row.table),
      schema: row.schema,
      tableName: row.table,
      name: row.name,
      definition: sameSpelling(row.definition),
      enabled: row.enabled,
      function: row.function,
    })),
    functions: new Map(functions.rows.map((row) => [row.function, row.definition])),
  };
}

type Emit = (table: string, kind: string, detail: string, sql: string) => void;

const ENABLE: Readonly<Record<string, string>> = { O: 'ENABLE', D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };
const FIRES: Readonly<Record<string, string>> = { O: 'fires', D: 'is disabled', R: 'fires on replicas only', A: 'always fires' };

const on = (t: TriggerInfo) => tableRef(t.schema, t.tableName);
const dropSql = (t: TriggerInfo) => `DROP TRIGGER ${quoteIdent(t.name)} ON ${on(t)};`;
const enableSql = (t: TriggerInfo) => (t.enabled === 'O' ? [] : [`ALTER TABLE ${on(t)} ${ENABLE[t.enabled] ?? 'ENABLE'} TRIGGER ${quoteIdent(t.name)};`]);
const createSql = (t: TriggerInfo) => [`${t.definition};`, ...enableSql(t)].join('\n');

/**
 * The primary's triggers on its tenant tables against `other`'s. An extra trigger on a table only the
 * shard has goes with that table's own DROP TABLE, so only the primary's tenant tables are looked at.
 */
export function compareTriggers(reference: TriggerSnapshot, other: TriggerSnapshot, tenantTables: ReadonlySet<string>, database: string, emit: Emit): void {
  const key = (t: TriggerInfo) => `${t.table}\u0000${t.name}`;
  const there = new Map(other.triggers.map((t) => [key(t), t]));
  const functionsDone = new Set<string>();
  // By table as the fixes are listed, so a function shared by several tables' triggers comes before all of them.
  const ours = reference.triggers.filter((t) => tenantTables.has(t.table)).sort((a, b) => a.table.localeCompare(b.table) || a.name.localeCompare(b.name));
  for (const r of ours) {
    const mine = reference.functions.get(r.function);
    if (mine !== undefined && !functionsDone.has(r.function)) {
      functionsDone.add(r.function);
      const theirs = other.functions.get(r.function);
      if (theirs !== mine) {
        const detail = `function ${r.function} (trigger ${r.name} runs it) is ${theirs === undefined ? 'missing' : 'defined otherwise'} on ${database}`;
        emit(r.table, 'trigger-function', detail, `${mine.trim()};`);
      }
    }
    const o = there.get(key(r));
    there.delete(key(r));
    if (!o) emit(r.table, 'missing-trigger', `trigger ${r.name} is missing on ${database}`, createSql(r));
    else if (o.definition !== r.definition) {
      const detail = `trigger ${r.name} differs: ${o.definition} on ${database}, ${r.definition} on the primary`;
      emit(r.table, 'trigger-definition', detail, [dropSql(o), createSql(r)].join('\n'));
    } else if (o.enabled !== r.enabled) {
      const detail = `trigger ${r.name} ${FIRES[o.enabled] ?? o.enabled} on ${database}, ${FIRES[r.enabled] ?? r.enabled} on the primary`;
      emit(r.table, 'trigger-enabled', detail, `ALTER TABLE ${on(r)} ${ENABLE[r.enabled] ?? 'ENABLE'} TRIGGER ${quoteIdent(r.name)};`);
    }
  }
  for (const o of there.values()) {
    if (tenantTables.has(o.table)) emit(o.table, 'extra-trigger', `trigger ${o.name} exists only on ${database}: ${o.definition}`, dropSql(o));
  }
}
