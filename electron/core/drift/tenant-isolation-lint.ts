import type { LintFinding, LintResult } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import { indexKey, type CatalogIndex, type CatalogTable, type DatabaseCatalog, type TenantTable } from '../catalog/database-catalog.ts';
import { controlPlaneKeysAbsentOn, controlPlaneReferences } from '../catalog/foreign-key-kinds.ts';
import { quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import type { ConsoleContext } from '../console-context.ts';

type Finding = Omit<LintFinding, 'databases'>;

/*
 * The tenant-isolation lint. A table that carries the tenant key is checked on that column. A table
 * that reaches its website through a foreign-key chain (listings -> realty assets) has no tenant key
 * of its own: every per-tenant query, copy and delete filters it by the FK column of its first chain
 * step, so that column is its "tenant path" and gets the same checks (indexed first, inside every
 * unique index, NOT NULL). A primary key is required of both kinds.
 */

interface TenantPath {
  readonly columns: readonly string[];
  /** How the finding names the path, e.g. `tenant key website_id` or `tenant path realty_asset_id -> pwb_realty_assets`. */
  readonly label: string;
}

function tenantPath(tenant: TenantTable): TenantPath {
  const step = tenant.chain[0];
  if (!step) return { columns: [tenant.tenantKey], label: `tenant key ${tenant.tenantKey}` };
  const label = `tenant path ${step.columns.join(', ')} -> ${step.refTable}, which leads to the tenant key ${tenant.root}.${tenant.tenantKey}`;
  return { columns: step.columns, label };
}

/** An index queries can use whose key starts with these columns (INCLUDE columns are no key; an INVALID index is not used). */
const ledBy = (index: CatalogIndex, columns: readonly string[]) =>
  index.valid && indexKey(index).length >= columns.length && columns.every((c) => indexKey(index).slice(0, columns.length).includes(c));

const indexName = (table: CatalogTable, columns: readonly string[]) => `index_${table.table}_on_${columns.join('_and_')}`.slice(0, 63);

/** The same unique index with the tenant columns put first. */
function scopedIndexSql(index: CatalogIndex, columns: readonly string[]): string {
  const first = columns.map(quoteIdent).join(', ');
  return index.definition.replace(/ USING (\w+) \(/, (_m, method: string) => ` USING ${method} (${first}, `);
}

/** The unique index (or the UNIQUE constraint it backs, which DROP INDEX refuses to drop) rebuilt with the tenant columns first. */
function scopedUniqueFixSql(table: CatalogTable, index: CatalogIndex, columns: readonly string[]): string {
  const ref = tableRef(table.schema, table.table);
  const constraint = table.constraints.find((k) => k.type === 'u' && k.name === index.name);
  if (constraint) {
    // The constraint as PostgreSQL prints it (NULLS NOT DISTINCT, INCLUDE, DEFERRABLE kept), the tenant
    // columns put first in its key and out of its INCLUDE list.
    const first = columns.map(quoteIdent).join(', ');
    const scoped = constraint.definition.replace(/\(/, `(${first}, `).replace(/ INCLUDE \(([^)]*)\)/, (_m, list: string) => {
      const kept = list
        .split(',')
        .map((c) => c.trim())
        .filter((c) => !columns.includes(c.replace(/^"|"$/g, '')));
      return kept.length > 0 ? ` INCLUDE (${kept.join(', ')})` : '';
    });
    return `ALTER TABLE ${ref} DROP CONSTRAINT ${quoteIdent(index.name)};\nALTER TABLE ${ref} ADD CONSTRAINT ${quoteIdent(index.name)} ${scoped};`;
  }
  const scoped = scopedIndexSql(index, columns);
  const head = /^CREATE UNIQUE INDEX ("(?:[^"]|"")+"|[^\s"]+) ON /.exec(scoped);
  // A partitioned table's index builds only plainly; any other is built beside the old one CONCURRENTLY
  // (the application's writes go on, and the old index keeps the values unique until the new one is there).
  if (table.partitioned || !head) return `DROP INDEX ${tableRef(table.schema, index.name)};\n${scoped};`;
  const building = `${index.name.slice(0, 55)}_scoped`;
  return [
    `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(building)} ON ${scoped.slice(head[0].length)}; -- outside a transaction; if it fails, drop the INVALID index it leaves`,
    `DROP INDEX CONCURRENTLY ${tableRef(table.schema, index.name)};`,
    `ALTER INDEX ${tableRef(table.schema, building)} RENAME TO ${quoteIdent(index.name)};`,
  ].join('\n');
}

export function lintTable(table: CatalogTable, tenant: TenantTable): Finding[] {
  const found: Finding[] = [];
  const path = tenantPath(tenant);
  const ref = tableRef(table.schema, table.table);
  const cols = path.columns.map(quoteIdent).join(', ');
  if (!table.indexes.some((i) => i.predicate === null && ledBy(i, path.columns))) {
    found.push({
      table: table.name,
      rule: 'no-tenant-index',
      severity: 'warning',
      detail: `no index is led by the ${path.label}: every per-website query, move and delete scans the whole table`,
      fix: `CREATE INDEX CONCURRENTLY ${quoteIdent(indexName(table, path.columns))} ON ${ref} (${cols});`,
    });
  }
  const pkName = table.constraints.find((k) => k.type === 'p')?.name;
  for (const index of table.indexes) {
    // Uniqueness is over the key only: UNIQUE (slug) INCLUDE (website_id) still lets two websites collide.
    if (!index.unique || index.name === pkName || path.columns.every((c) => indexKey(index).includes(c))) continue;
    found.push({
      table: table.name,
      rule: 'unique-without-tenant-key',
      severity: 'warning',
      detail:
        `unique index ${index.name} (${index.columns.join(', ')}) omits the ${path.label}: ` +
        'two websites sharing this database collide on it, and a move can fail on it',
      fix: scopedUniqueFixSql(table, index, path.columns),
    });
  }
  for (const name of path.columns) {
    const column = table.columns.find((c) => c.name === name);
    if (column && !column.notNull) {
      const subject = tenant.chain.length === 0 ? `the tenant key ${name}` : `${name}, on the ${path.label},`;
      found.push({
        table: table.name,
        rule: 'nullable-tenant-key',
        severity: 'warning',
        detail: `${subject} is nullable: a row with NULL there belongs to no website, so no move or tenant delete ever sees it`,
        fix: `-- first assign or delete the rows WHERE ${quoteIdent(name)} IS NULL\nALTER TABLE ${ref} ALTER COLUMN ${quoteIdent(name)} SET NOT NULL;`,
      });
    }
  }
  if (table.primaryKey.length === 0) {
    const hasId = table.columns.some((c) => c.name === 'id');
    found.push({
      table: table.name,
      rule: 'no-primary-key',
      severity: 'warning',
      detail: 'no primary key: rows cannot be verified or deleted one by one after a copy, and duplicates go unnoticed',
      fix: hasId ? `ALTER TABLE ${ref} ADD PRIMARY KEY ("id");` : `ALTER TABLE ${ref} ADD COLUMN "id" bigserial PRIMARY KEY;`,
    });
  }
  return found;
}

export function lintCatalog(catalog: DatabaseCatalog): Finding[] {
  return [...catalog.tenantTables.values()].flatMap((tenant) => {
    const table = catalog.tables.get(tenant.table);
    return table ? lintTable(table, tenant) : [];
  });
}

/**
 * Information, not a risk to fix: the primary's foreign keys from tenant tables into the control plane
 * that a shard cannot have, because it keeps no copy of that global table. A website served from there
 * loses the check (its rows may name a website or user that is gone); moves check those rows before
 * they land on a database that enforces the key.
 */
export function controlPlaneFindings(primary: DatabaseCatalog, others: ReadonlyMap<string, DatabaseCatalog>): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const name of [...primary.tenantTables.keys()].sort()) {
    const table = primary.tables.get(name)!;
    for (const fk of controlPlaneReferences(primary, table)) {
      const lacking = [...others].filter(([, catalog]) => controlPlaneKeysAbsentOn(primary, table, catalog).has(fk.name)).map(([db]) => db);
      if (lacking.length === 0) continue;
      findings.push({
        table: name,
        rule: 'control-plane-reference',
        severity: 'info',
        detail:
          `rows reference ${fk.refTable} through ${fk.name} (${fk.columns.join(', ')}) on ${primary.database}, which keeps the control plane; ` +
          `${lacking.join(', ')} ${lacking.length === 1 ? 'has' : 'have'} no ${fk.refTable}, so a website served from there loses that check ` +
          `(a row may name a ${fk.refTable} row that does not exist). Moves onto a database that enforces the key check these rows first.`,
        fix: `-- information only: nothing to run. Keeping ${fk.refTable} on the primary alone is PWB's layout; the doctor reports rows whose website is gone.`,
        databases: lacking,
      });
    }
  }
  return findings;
}

function toInfo(error: unknown): ErrorInfo {
  return error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: String(error) };
}

/** Lints every database; a finding lists every database it holds on, so identical schemas report once. */
export async function tenantIsolationLint(ctx: ConsoleContext): Promise<LintResult> {
  const targets = ctx.pools.targets;
  const results = await Promise.all(
    targets.map((t) =>
      ctx.catalog.get(t.name, { refresh: true }).then(
        (catalog) => ({ catalog, findings: lintCatalog(catalog), error: null }),
        (error: unknown) => ({ catalog: null, findings: [] as Finding[], error: toInfo(error) }),
      ),
    ),
  );
  const merged = new Map<string, LintFinding>();
  targets.forEach((t, i) => {
    for (const f of results[i]!.findings) {
      const key = `${f.table}\u0000${f.rule}\u0000${f.detail}`;
      const existing = merged.get(key);
      if (existing) existing.databases.push(t.name);
      else merged.set(key, { ...f, databases: [t.name] });
    }
  });
  const primaryIndex = targets.findIndex((t) => t.role === 'primary');
  const primary = results[primaryIndex]?.catalog;
  const shards = new Map(targets.flatMap((t, i) => (i !== primaryIndex && results[i]!.catalog ? [[t.name, results[i]!.catalog!] as const] : [])));
  for (const f of primary ? controlPlaneFindings(primary, shards) : []) merged.set(`${f.table}\u0000${f.rule}\u0000${f.detail}`, f);
  const findings = [...merged.values()].sort((a, b) => a.table.localeCompare(b.table) || a.rule.localeCompare(b.rule) || a.detail.localeCompare(b.detail));
  return { findings, databases: targets.map((t, i) => ({ name: t.name, error: results[i]!.error })) };
}
