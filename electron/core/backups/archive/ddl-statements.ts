import { parseCreateIndex } from './create-index-statement.ts';
import type { CreateIndexStatement } from './create-index-statement.ts';
import { parseCreateTable, sliceText } from './create-table-statement.ts';
import type { CreateTableStatement } from './create-table-statement.ts';
import { prettyViewQuery } from './pretty-view-query.ts';
import { readQualifiedName } from './qualified-name.ts';
import type { QualifiedName } from './qualified-name.ts';
import { isIdentifier, isKeyword, isKeywords, splitTopLevel, tokenizeSql } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';
import { unqualifyPublic } from './unqualify-public.ts';

export type { CreateIndexStatement, CreateTableStatement };

interface OnTable {
  readonly schema: string | null;
  readonly table: string;
  /** The table's name as written (quoted where needed), for SQL built from it. */
  readonly tableText: string;
}

export type DdlStatement =
  | CreateTableStatement
  | CreateIndexStatement
  | (OnTable & { readonly kind: 'add-constraint'; readonly name: string; readonly nameText: string; readonly definition: string })
  | (OnTable & { readonly kind: 'set-default'; readonly column: string; readonly expression: string })
  | (OnTable & { readonly kind: 'add-identity'; readonly column: string; readonly always: boolean })
  | (OnTable & { readonly kind: 'attach-partition'; readonly child: QualifiedName })
  | { readonly kind: 'create-view'; readonly schema: string | null; readonly name: string; readonly materialized: boolean; readonly query: string }
  | { readonly kind: 'copy'; readonly schema: string | null; readonly table: string; readonly columns: readonly string[] };

/**
 * The statements of one TOC entry's SQL that describe tables: pg_dump's DDL is regular (deparsed by the
 * server, one statement shape per object kind), so a small reader of those shapes is honest; anything
 * else is skipped, not guessed at.
 */
export function parseDdlStatements(sql: string): DdlStatement[] {
  const tokens = tokenizeSql(sql);
  const statements: DdlStatement[] = [];
  for (const [from, to] of splitTopLevel(tokens, 0, tokens.length, ';')) {
    const statement = parseStatement(sql, tokens, from, to);
    if (statement) statements.push(statement);
  }
  return statements;
}

function parseStatement(sql: string, tokens: readonly SqlToken[], from: number, to: number): DdlStatement | null {
  if (isKeyword(tokens, from, 'create')) return parseCreate(sql, tokens, from, to);
  if (isKeywords(tokens, from, 'alter', 'table')) return parseAlterTable(sql, tokens, from + 2, to);
  if (isKeyword(tokens, from, 'copy')) return parseCopy(tokens, from + 1, to);
  return null;
}

function parseCreate(sql: string, tokens: readonly SqlToken[], from: number, to: number): DdlStatement | null {
  let i = from + 1;
  if (isKeywords(tokens, i, 'or', 'replace')) i += 2;
  if (isKeyword(tokens, i, 'unique') || isKeyword(tokens, i, 'index')) return parseCreateIndex(sql, tokens, from, to);
  while (['unlogged', 'global', 'local', 'temp', 'temporary'].some((word) => isKeyword(tokens, i, word))) i++;
  if (isKeyword(tokens, i, 'table')) return parseCreateTable(sql, tokens, i + 1, to);
  const materialized = isKeyword(tokens, i, 'materialized');
  if (materialized) i++;
  if (isKeyword(tokens, i, 'view')) return parseCreateView(sql, tokens, i + 1, to, materialized);
  return null;
}

function parseAlterTable(sql: string, tokens: readonly SqlToken[], from: number, to: number): DdlStatement | null {
  let i = from;
  if (isKeywords(tokens, i, 'if', 'exists')) i += 2;
  if (isKeyword(tokens, i, 'only')) i++;
  const name = readQualifiedName(tokens, i);
  if (!name) return null;
  const on = { schema: name.schema, table: name.name, tableText: sliceText(sql, tokens, i, name.next) };
  i = name.next;
  if (isKeywords(tokens, i, 'add', 'constraint') && isIdentifier(tokens[i + 2])) {
    const nameText = sliceText(sql, tokens, i + 2, i + 3);
    return { ...on, kind: 'add-constraint', name: tokens[i + 2]!.value, nameText, definition: unqualifyPublic(sliceText(sql, tokens, i + 3, to)) };
  }
  if (isKeywords(tokens, i, 'attach', 'partition')) {
    const child = readQualifiedName(tokens, i + 2);
    return child ? { ...on, kind: 'attach-partition', child } : null;
  }
  if (!isKeywords(tokens, i, 'alter', 'column') || !isIdentifier(tokens[i + 2])) return null;
  const column = tokens[i + 2]!.value;
  if (isKeywords(tokens, i + 3, 'set', 'default')) {
    return { ...on, kind: 'set-default', column, expression: unqualifyPublic(sliceText(sql, tokens, i + 5, to)) };
  }
  if (isKeywords(tokens, i + 3, 'add', 'generated')) return { ...on, kind: 'add-identity', column, always: isKeyword(tokens, i + 5, 'always') };
  return null;
}

function parseCreateView(sql: string, tokens: readonly SqlToken[], from: number, to: number, materialized: boolean): DdlStatement | null {
  const name = readQualifiedName(tokens, from);
  if (!name) return null;
  let asAt = -1;
  for (let k = name.next; k < to; k++) {
    if (isKeyword(tokens, k, 'as')) {
      asAt = k;
      break;
    }
    if (tokens[k]!.value === '(') k = skipParens(tokens, k);
  }
  if (asAt < 0) return null;
  let end = to;
  if (materialized && isKeywords(tokens, to - 3, 'with', 'no', 'data')) end = to - 3;
  if (isKeywords(tokens, to - 3, 'check', 'option') || isKeywords(tokens, to - 2, 'check', 'option')) end = checkOptionStart(tokens, to);
  // The live catalog's pg_get_viewdef text starts right after `AS\n` (pg_dump's line break) and ends with `;`.
  const afterAs = tokens[asAt]!.end;
  const start = sql.startsWith('\n', afterAs) ? afterAs + 1 : tokens[asAt + 1]!.start;
  const query = `${sql.slice(start, tokens[end - 1]!.end)};`;
  return { kind: 'create-view', schema: name.schema, name: name.name, materialized, query: prettyViewQuery(unqualifyPublic(query)) };
}

function checkOptionStart(tokens: readonly SqlToken[], to: number): number {
  for (let k = to - 1; k > 0; k--) if (isKeyword(tokens, k, 'with')) return k;
  return to;
}

function skipParens(tokens: readonly SqlToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (tokens[k]!.value === '(') depth++;
    else if (tokens[k]!.value === ')' && --depth === 0) return k;
  }
  return tokens.length;
}

function parseCopy(tokens: readonly SqlToken[], from: number, to: number): DdlStatement | null {
  const name = readQualifiedName(tokens, from);
  if (!name) return null;
  const columns: string[] = [];
  if (tokens[name.next]?.value === '(') {
    const close = skipParens(tokens, name.next);
    for (const [start] of splitTopLevel(tokens, name.next + 1, Math.min(close, to))) columns.push(tokens[start]!.value);
  }
  return { kind: 'copy', schema: name.schema, table: name.name, columns };
}
