import { readQualifiedName } from './qualified-name.ts';
import { isIdentifier, isKeyword, isKeywords, matchingParen, splitTopLevel } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';
import { unqualifyPublic } from './unqualify-public.ts';

export interface CreateIndexStatement {
  readonly kind: 'create-index';
  readonly name: string;
  readonly schema: string | null;
  readonly table: string;
  readonly unique: boolean;
  /** pg_get_indexdef's text: pg_dump writes it verbatim, plus the `;`. */
  readonly definition: string;
  /** Key columns then INCLUDE columns, `(expression)` for an expression (as the live catalog lists indkey). */
  readonly columns: readonly string[];
  /** How many of `columns` are the key (before INCLUDE). */
  readonly keyColumns: number;
  readonly predicate: string | null;
}

/** `CREATE [UNIQUE] INDEX name ON [ONLY] table USING method (...) [INCLUDE (...)] ... [WHERE ...]`; `start` is CREATE. */
export function parseCreateIndex(text: string, tokens: readonly SqlToken[], start: number, end: number): CreateIndexStatement | null {
  let i = start + 1;
  const unique = isKeyword(tokens, i, 'unique');
  if (unique) i++;
  if (!isKeyword(tokens, i, 'index')) return null;
  i++;
  if (isKeyword(tokens, i, 'concurrently')) i++;
  if (isKeywords(tokens, i, 'if', 'not', 'exists')) i += 3;
  const name = tokens[i];
  if (!isIdentifier(name) || !isKeyword(tokens, i + 1, 'on')) return null;
  i += 2;
  if (isKeyword(tokens, i, 'only')) i++;
  const table = readQualifiedName(tokens, i);
  if (!table) return null;
  i = table.next;
  const tableEnd = tokens[i - 1]!.end;
  if (isKeyword(tokens, i, 'using')) i += 2;
  if (tokens[i]?.value !== '(') return null;
  const close = matchingParen(tokens, i);
  const columns = splitTopLevel(tokens, i + 1, close).map(([from]) => indexItemName(tokens, from));
  const keyColumns = columns.length;
  i = close + 1;
  if (isKeyword(tokens, i, 'include') && tokens[i + 1]?.value === '(') {
    const includeClose = matchingParen(tokens, i + 1);
    for (const [from] of splitTopLevel(tokens, i + 2, includeClose)) columns.push(tokens[from]!.value);
    i = includeClose + 1;
  }
  const definition = unqualifyPublic(text.slice(tokens[start]!.start, tokens[end - 1]!.end), tableEnd);
  return {
    kind: 'create-index',
    name: name.value,
    schema: table.schema,
    table: table.name,
    unique,
    definition,
    columns,
    keyColumns,
    predicate: predicateOf(definition),
  };
}

/** A plain column, or `(expression)` for an expression item (parenthesized, or a function call). */
function indexItemName(tokens: readonly SqlToken[], from: number): string {
  const first = tokens[from]!;
  if (!isIdentifier(first) || tokens[from + 1]?.value === '(' || tokens[from + 1]?.value === '.') return '(expression)';
  return first.value;
}

/** The text after the top-level WHERE of an index definition: pg_get_expr(indpred) gives the same text. */
export function predicateOf(definition: string): string | null {
  const tokens = tokenizeForWhere(definition);
  return tokens === null ? null : definition.slice(tokens);
}

function tokenizeForWhere(definition: string): number | null {
  // Parentheses and quotes cannot hide a WHERE at depth 0, so a small scan beats a second tokenizer pass.
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < definition.length; i++) {
    const c = definition[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && definition.startsWith(' WHERE ', i)) return i + ' WHERE '.length;
  }
  return null;
}
