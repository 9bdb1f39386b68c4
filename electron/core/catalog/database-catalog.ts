/** What the console knows about one database's tables; built by introspection, classified by tenant-tables. */
export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly default: string | null;
  /** Position in the table: kept for display only; everything copies and compares by name. */
  readonly position: number;
  /** Computed (`GENERATED ALWAYS AS ... STORED`): never copied, the target computes it. */
  readonly generated: boolean;
  readonly identity: boolean;
  /**
   * True for `GENERATED ALWAYS AS IDENTITY` (an INSERT naming the column is refused without OVERRIDING
   * SYSTEM VALUE); left out for `BY DEFAULT` and plain columns (a backup's columns read it from the dump's
   * ADD GENERATED statement).
   */
  readonly identityAlways?: boolean;
  /**
   * A collation other than its type's default, qualified, quoted where needed (`pg_catalog."C"`); null for the
   * default. Read from live databases only (a backup's columns leave it out): it changes ordering and,
   * for a nondeterministic one, what a unique index counts as equal.
   */
  readonly collation?: string | null;
}

export interface CatalogForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
}

export interface CatalogConstraint {
  readonly name: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion */
  readonly type: 'p' | 'u' | 'f' | 'c' | 'x';
  readonly definition: string;
}

export interface CatalogIndex {
  readonly name: string;
  readonly definition: string;
  readonly unique: boolean;
  /** Key columns then INCLUDE columns (as pg_index.indkey lists them), `(expression)` for an expression. */
  readonly columns: readonly string[];
  /** How many of `columns` are the key (uniqueness is over these); the rest are INCLUDE columns. */
  readonly keyColumns: number;
  readonly predicate: string | null;
  /**
   * False for an index a failed `CREATE INDEX CONCURRENTLY` left behind (pg_index.indisvalid): its
   * definition reads like the finished one's, but queries never use it.
   */
  readonly valid: boolean;
}

/** The columns an index's uniqueness is over: its key, without the INCLUDE columns. */
export function indexKey(index: CatalogIndex): readonly string[] {
  return index.columns.slice(0, index.keyColumns);
}

/** Whether the index treats NULLs as equal (UNIQUE NULLS NOT DISTINCT, PostgreSQL 15+): two rows of NULL keys collide. */
export function nullsNotDistinct(index: CatalogIndex): boolean {
  const head = index.predicate === null ? index.definition : index.definition.slice(0, index.definition.lastIndexOf(index.predicate));
  return /\)\s+NULLS NOT DISTINCT\b/.test(head);
}

export interface CatalogTable {
  /** Display name: `pwb_pages`, or `schema.table` outside `public`. */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly CatalogColumn[];
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly CatalogForeignKey[];
  readonly constraints: readonly CatalogConstraint[];
  readonly indexes: readonly CatalogIndex[];
  readonly rowEstimate: number;
  /** Partitioned (relkind 'p'): each partition numbers its rows, so a ctid names a row in every partition. */
  readonly partitioned: boolean;
  /** A partitioned table's key as PostgreSQL prints it (`LIST (website_id)`); absent otherwise or where not read. */
  readonly partitionKey?: string;
}

export interface CatalogView {
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  readonly materialized: boolean;
  readonly definition: string;
  readonly indexes: readonly CatalogIndex[];
}

export interface FkStep {
  /** The child table of this step and the FK columns on it. */
  readonly table: string;
  readonly columns: readonly string[];
  /** The parent table it references and the referenced columns. */
  readonly refTable: string;
  readonly refColumns: readonly string[];
}

/** How a table's rows belong to a website: its own tenant key column, or an FK chain to a table that has one. */
export interface TenantTable {
  readonly table: string;
  /** The table carrying the tenant key: this table itself when `chain` is empty. */
  readonly root: string;
  readonly tenantKey: string;
  /** FK steps from this table up to `root`, in order. */
  readonly chain: readonly FkStep[];
}

export interface DatabaseCatalog {
  readonly database: string;
  readonly tables: ReadonlyMap<string, CatalogTable>;
  readonly views: ReadonlyMap<string, CatalogView>;
  readonly tenantTables: ReadonlyMap<string, TenantTable>;
  readonly globalTables: readonly string[];
  readonly unscopedTables: readonly string[];
}
