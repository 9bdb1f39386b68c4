import type { CatalogForeignKey, CatalogIndex } from '../../catalog/database-catalog.ts';
import { displayName } from '../../catalog/sql-identifiers.ts';
import { readQualifiedName } from './qualified-name.ts';
import { isKeyword, isKeywords, matchingParen, splitTopLevel, tokenizeSql } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';

/*
 * What a constraint definition (pg_get_constraintdef's text, which pg_dump writes after ADD CONSTRAINT
 * name) says about keys: the columns of a primary key, the two sides of a foreign key, and the index a
 * primary key, unique or exclusion constraint owns (the live catalog lists it among the indexes).
 */

/** Column names of the first parenthesized list: `PRIMARY KEY (a, b)` -> ['a', 'b']. */
export function keyColumnsOf(definition: string): string[] {
  const tokens = tokenizeSql(definition);
  const open = tokens.findIndex((t) => t.value === '(');
  return open < 0 ? [] : namesIn(tokens, open);
}

/** `FOREIGN KEY (a) REFERENCES [schema.]t(b) ...`; a name left unqualified is in `public` (pg_dump qualifies every other). */
export function foreignKeyOf(name: string, definition: string): CatalogForeignKey | null {
  const tokens = tokenizeSql(definition);
  if (!isKeywords(tokens, 0, 'foreign', 'key') || tokens[2]?.value !== '(') return null;
  const columns = namesIn(tokens, 2);
  const references = matchingParen(tokens, 2) + 1;
  if (!isKeyword(tokens, references, 'references')) return null;
  const target = readQualifiedName(tokens, references + 1);
  if (!target || tokens[target.next]?.value !== '(') return null;
  return { name, columns, refTable: displayName(target.schema ?? 'public', target.name), refColumns: namesIn(tokens, target.next) };
}

function namesIn(tokens: readonly SqlToken[], open: number): string[] {
  return splitTopLevel(tokens, open + 1, matchingParen(tokens, open)).map(([from]) => tokens[from]!.value);
}

interface AddConstraint {
  readonly name: string;
  readonly nameText: string;
  readonly tableText: string;
  readonly definition: string;
}

/**
 * The index behind a PRIMARY KEY, UNIQUE or EXCLUDE constraint, written as pg_get_indexdef writes it:
 * `CREATE UNIQUE INDEX name ON [ONLY] schema.t USING btree (cols) [INCLUDE (...)] [NULLS NOT DISTINCT] [WITH (...)]`.
 */
export function constraintIndex(constraint: AddConstraint, partitioned: boolean): CatalogIndex | null {
  const text = constraint.definition;
  const tokens = tokenizeSql(text);
  const exclusion = isKeyword(tokens, 0, 'exclude');
  if (!isKeywords(tokens, 0, 'primary', 'key') && !isKeyword(tokens, 0, 'unique') && !exclusion) return null;
  const method = exclusion && isKeyword(tokens, 1, 'using') ? tokens[2]!.value : 'btree';
  const open = tokens.findIndex((t) => t.value === '(');
  if (open < 0) return null;
  const close = matchingParen(tokens, open);
  const items = splitTopLevel(tokens, open + 1, close).map(([from, to]) => itemText(text, tokens, from, to, exclusion));
  const columns = splitTopLevel(tokens, open + 1, close).map(([from]) => (tokens[from]!.kind === 'punct' ? '(expression)' : tokens[from]!.value));
  const keyColumns = columns.length;
  let tail = '';
  let i = close + 1;
  if (isKeyword(tokens, i, 'include') && tokens[i + 1]?.value === '(') {
    const includeClose = matchingParen(tokens, i + 1);
    columns.push(...namesIn(tokens, i + 1));
    tail += ` INCLUDE ${text.slice(tokens[i + 1]!.start, tokens[includeClose]!.end)}`;
    i = includeClose + 1;
  }
  if (isKeywords(tokens, 1, 'nulls', 'not', 'distinct')) tail += ' NULLS NOT DISTINCT';
  if (isKeyword(tokens, i, 'with') && tokens[i + 1]?.value === '(')
    tail += ` WITH ${text.slice(tokens[i + 1]!.start, tokens[matchingParen(tokens, i + 1)]!.end)}`;
  const where = tokens.findIndex((_t, k) => k > close && isKeyword(tokens, k, 'where'));
  const predicate = where > 0 && tokens[where + 1]?.value === '(' ? text.slice(tokens[where + 1]!.start, tokens[matchingParen(tokens, where + 1)]!.end) : null;
  if (predicate) tail += ` WHERE ${predicate}`;
  const unique = !exclusion;
  const definition = `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${constraint.nameText} ON ${partitioned ? 'ONLY ' : ''}${constraint.tableText} USING ${method} (${items.join(', ')})${tail}`;
  return { name: constraint.name, definition, unique, columns, keyColumns, predicate, valid: true };
}

/** An exclusion item is `col WITH op`: the index lists only `col`. */
function itemText(text: string, tokens: readonly SqlToken[], from: number, to: number, exclusion: boolean): string {
  let end = to;
  if (exclusion) for (let k = from; k < to; k++) if (isKeyword(tokens, k, 'with')) end = k;
  return text.slice(tokens[from]!.start, tokens[end - 1]!.end);
}
