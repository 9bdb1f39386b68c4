import { readQualifiedName } from './qualified-name.ts';
import type { QualifiedName } from './qualified-name.ts';
import { isKeyword, isKeywords, isIdentifier, matchingParen, splitTopLevel } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';
import { unqualifyPublic } from './unqualify-public.ts';

export interface ParsedColumn {
  readonly name: string;
  /** As format_type prints it (pg_dump writes format_type's text), `public.` dropped like the live catalog. */
  readonly type: string;
  readonly notNull: boolean;
  readonly default: string | null;
  readonly generated: boolean;
}

export interface CreateTableStatement {
  readonly kind: 'create-table';
  readonly schema: string | null;
  readonly name: string;
  readonly columns: readonly ParsedColumn[];
  /** Constraints written inside CREATE TABLE (pg_dump puts CHECK constraints there). */
  readonly constraints: ReadonlyArray<{ readonly name: string; readonly definition: string }>;
  readonly partitioned: boolean;
  /** A partitioned table's key as PostgreSQL prints it (`LIST (website_id)`), as the live catalog reads it. */
  readonly partitionKey: string | null;
  /** `CREATE TABLE c PARTITION OF p` (older pg_dump); newer ones write a TABLE ATTACH entry instead. */
  readonly partitionOf: QualifiedName | null;
}

/** Words that end a column's type: what follows are the column's options. */
const OPTION_WORDS = new Set(['collate', 'default', 'not', 'null', 'generated', 'constraint', 'check', 'references', 'primary', 'unique']);

/** Parses `CREATE [UNLOGGED] TABLE name (...) [PARTITION BY ...]` as pg_dump writes it; `at` is the token after TABLE. */
export function parseCreateTable(text: string, tokens: readonly SqlToken[], at: number, end: number): CreateTableStatement | null {
  let i = at;
  if (isKeywords(tokens, i, 'if', 'not', 'exists')) i += 3;
  const name = readQualifiedName(tokens, i);
  if (!name) return null;
  i = name.next;
  let partitionOf: QualifiedName | null = null;
  if (isKeywords(tokens, i, 'partition', 'of')) {
    partitionOf = readQualifiedName(tokens, i + 2);
    i = partitionOf ? partitionOf.next : i + 2;
  } else if (isKeyword(tokens, i, 'of')) {
    i = readQualifiedName(tokens, i + 1)?.next ?? i + 1;
  }
  const columns: ParsedColumn[] = [];
  const constraints: Array<{ name: string; definition: string }> = [];
  if (tokens[i]?.value === '(') {
    const close = matchingParen(tokens, i);
    if (close < 0) return null;
    for (const [from, to] of splitTopLevel(tokens, i + 1, close)) {
      if (isKeyword(tokens, from, 'constraint') && isIdentifier(tokens[from + 1])) {
        constraints.push({ name: tokens[from + 1]!.value, definition: unqualifyPublic(sliceText(text, tokens, from + 2, to)) });
      } else if (isIdentifier(tokens[from]) && !isKeyword(tokens, from, 'like')) {
        columns.push(parseColumn(text, tokens, from, to));
      }
    }
    i = close + 1;
  }
  let partitionKey: string | null = null;
  for (let k = i; k < end; k++) {
    if (!isKeywords(tokens, k, 'partition', 'by')) continue;
    // The strategy and its parenthesized key list: `LIST (website_id)`.
    const close = tokens[k + 3]?.value === '(' ? matchingParen(tokens, k + 3) : -1;
    partitionKey = unqualifyPublic(sliceText(text, tokens, k + 2, close < 0 ? end : close + 1));
  }
  const partitioned = partitionKey !== null;
  return { kind: 'create-table', schema: name.schema, name: name.name, columns, constraints, partitioned, partitionKey, partitionOf };
}

function parseColumn(text: string, tokens: readonly SqlToken[], from: number, to: number): ParsedColumn {
  const name = tokens[from]!.value;
  let typeEnd = from + 1;
  while (typeEnd < to && !(tokens[typeEnd]!.kind === 'word' && OPTION_WORDS.has(tokens[typeEnd]!.value))) {
    if (tokens[typeEnd]!.value === '(' || tokens[typeEnd]!.value === '[') typeEnd = matchingParen(tokens, typeEnd);
    typeEnd++;
  }
  const type = typeEnd > from + 1 ? unqualifyPublic(sliceText(text, tokens, from + 1, typeEnd)) : '';
  let notNull = false;
  let defaultText: string | null = null;
  let generated = false;
  let k = typeEnd;
  while (k < to) {
    if (isKeywords(tokens, k, 'not', 'null')) {
      notNull = true;
      k += 2;
    } else if (isKeyword(tokens, k, 'default')) {
      const stop = nextOption(tokens, k + 1, to);
      defaultText = unqualifyPublic(sliceText(text, tokens, k + 1, stop));
      k = stop;
    } else if (isKeywords(tokens, k, 'generated', 'always', 'as') && tokens[k + 3]?.value === '(') {
      const close = matchingParen(tokens, k + 3);
      generated = true;
      defaultText = unqualifyPublic(sliceText(text, tokens, k + 4, close));
      k = close + 1;
    } else {
      k++;
    }
  }
  return { name, type, notNull, default: defaultText, generated };
}

/** The next top-level `NOT NULL`, `COLLATE` or `GENERATED` after a DEFAULT expression (deparsed expressions parenthesize everything else). */
function nextOption(tokens: readonly SqlToken[], from: number, to: number): number {
  let k = from;
  while (k < to) {
    const token = tokens[k]!;
    if (token.value === '(' || token.value === '[') {
      k = matchingParen(tokens, k) + 1;
      continue;
    }
    if (isKeywords(tokens, k, 'not', 'null') || isKeyword(tokens, k, 'collate') || isKeyword(tokens, k, 'generated')) {
      // `'x'::character varying COLLATE ...` cannot happen: a cast's type ends before such a word.
      if (tokens[k - 1]?.value !== '::') return k;
    }
    k++;
  }
  return to;
}

/** The statement text of tokens[from, to), exactly as written. */
export function sliceText(text: string, tokens: readonly SqlToken[], from: number, to: number): string {
  if (to <= from) return '';
  return text.slice(tokens[from]!.start, tokens[to - 1]!.end);
}
