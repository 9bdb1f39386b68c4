/** Quotes an identifier for PostgreSQL: every name we put into SQL goes through here, never concatenated raw. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL byte');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table's display name: bare for `public`, schema-qualified otherwise. */
export function displayName(schema: string, table: string): string {
  return schema === 'public' ? table : `${schema}.${table}`;
}

/** The quoted, schema-qualified SQL reference for a table. */
export function tableRef(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
