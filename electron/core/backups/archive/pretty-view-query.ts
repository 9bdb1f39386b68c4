import { prettyExpression } from './pretty-expression.ts';
import { isKeyword, matchingParen, splitTopLevel, tokenizeSql } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';

/*
 * pg_dump writes a view's query as pg_get_viewdef(oid) prints it; the live catalog asks for
 * pg_get_viewdef(oid, true). Both indent the same way; the pretty one leaves out the parentheses around
 * join trees, ON and WHERE conditions and simple expressions. This rewrites the select list, FROM, WHERE,
 * GROUP BY and HAVING of a plain SELECT that way (expressions by prettyExpression); any other shape
 * (set operations, WITH, subqueries, window clauses) keeps pg_dump's text.
 */

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const CLAUSES = new Set(['from', 'where', 'group', 'having', 'order', 'limit', 'offset', 'window', 'union', 'intersect', 'except', 'fetch', 'for']);

export function prettyViewQuery(query: string): string {
  const tokens = tokenizeSql(query);
  if (!isKeyword(tokens, 0, 'select') || tokens.some((_, i) => i > 0 && isKeyword(tokens, i, 'select'))) return query;
  const clauses = clauseStarts(tokens);
  if (clauses.some((c) => !['from', 'where', 'group', 'having'].includes(c.word))) return query;
  const end = tokens.at(-1)?.value === ';' ? tokens.length - 1 : tokens.length;
  const bounds = (i: number) => ({ from: clauses[i]!.at, to: clauses[i + 1]?.at ?? end });
  const edits: Edit[] = [...selectList(query, tokens, 1, clauses[0]?.at ?? end)];
  clauses.forEach((clause, i) => {
    const { from, to } = bounds(i);
    if (clause.word === 'from') edits.push(...fromClause(query, tokens, from + 1, to));
    else if (clause.word === 'group') edits.push(...expressionList(query, tokens, from + 2, to));
    else edits.push(...expressionList(query, tokens, from + 1, to, false));
  });
  return applyEdits(query, edits);
}

function clauseStarts(tokens: readonly SqlToken[]): Array<{ word: string; at: number }> {
  const starts: Array<{ word: string; at: number }> = [];
  let depth = 0;
  tokens.forEach((token, i) => {
    if (token.value === '(') depth++;
    else if (token.value === ')') depth--;
    else if (depth === 0 && token.kind === 'word' && CLAUSES.has(token.value)) starts.push({ word: token.value, at: i });
  });
  return starts;
}

/** Each output column's expression (before its `AS alias`) printed pretty. */
function selectList(query: string, tokens: readonly SqlToken[], from: number, to: number): Edit[] {
  const edits: Edit[] = [];
  for (const [start, end] of splitTopLevel(tokens, from, to)) {
    const exprEnd = isKeyword(tokens, end - 2, 'as') ? end - 2 : end;
    edits.push(...expressionEdit(query, tokens, start, exprEnd));
  }
  return edits;
}

function expressionList(query: string, tokens: readonly SqlToken[], from: number, to: number, split = true): Edit[] {
  const parts = split ? splitTopLevel(tokens, from, to) : [[from, to] as [number, number]];
  return parts.flatMap(([start, end]) => expressionEdit(query, tokens, start, end));
}

function expressionEdit(query: string, tokens: readonly SqlToken[], start: number, end: number): Edit[] {
  if (end <= start) return [];
  const text = query.slice(tokens[start]!.start, tokens[end - 1]!.end);
  const pretty = prettyExpression(text);
  return pretty === null || pretty === text ? [] : [{ start: tokens[start]!.start, end: tokens[end - 1]!.end, text: pretty }];
}

/** The join tree loses its parentheses; each `ON (condition)` becomes `ON condition`, printed pretty. */
function fromClause(query: string, tokens: readonly SqlToken[], from: number, to: number): Edit[] {
  const edits: Edit[] = [];
  let i = from;
  while (tokens[i]?.value === '(') {
    const close = matchingParen(tokens, i);
    if (close < 0 || close >= to) return [];
    edits.push({ start: tokens[i]!.start, end: tokens[i]!.end, text: '' }, { start: tokens[close]!.start, end: tokens[close]!.end, text: '' });
    i++;
  }
  for (let k = i; k < to; k++) {
    if (!isKeyword(tokens, k, 'on') || tokens[k + 1]?.value !== '(') continue;
    const close = matchingParen(tokens, k + 1);
    const inner = query.slice(tokens[k + 2]!.start, tokens[close - 1]!.end);
    const pretty = prettyExpression(inner);
    if (pretty === null) return [];
    edits.push({ start: tokens[k + 1]!.start, end: tokens[close]!.end, text: pretty });
    k = close;
  }
  return edits;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    if (edit.start < at) return text;
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}
