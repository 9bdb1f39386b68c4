/*
 * Tokens of the SQL pg_dump writes. Enough of PostgreSQL's lexer to read DDL honestly: quoted
 * identifiers, string and dollar-quoted literals and comments never split a statement or a list.
 */

export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'operator';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** Identifier value for `word` (folded to lower case, as PostgreSQL does) and `quoted`; the raw text otherwise. */
  readonly value: string;
  /** Offsets into the statement text, so callers can cut out expressions exactly as written. */
  readonly start: number;
  readonly end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';
const PUNCT = '(),;[].:';

export function tokenizeSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? text.length : newline + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      i = skipBlockComment(text, i);
    } else if (c === '"') {
      const end = endOfQuoted(text, i, '"');
      tokens.push({ kind: 'quoted', value: text.slice(i + 1, end - 1).replace(/""/g, '"'), start: i, end });
      i = end;
    } else if (c === "'" || ((c === 'E' || c === 'e') && text[i + 1] === "'")) {
      const end = c === "'" ? endOfQuoted(text, i, "'") : endOfEscapedString(text, i + 1);
      tokens.push({ kind: 'string', value: text.slice(i, end), start: i, end });
      i = end;
    } else if (c === '$' && dollarTag(text, i) !== null) {
      const tag = dollarTag(text, i)!;
      const close = text.indexOf(tag, i + tag.length);
      const end = close < 0 ? text.length : close + tag.length;
      tokens.push({ kind: 'string', value: text.slice(i, end), start: i, end });
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end]!)) end++;
      tokens.push({ kind: 'word', value: text.slice(i, end).toLowerCase(), start: i, end });
      i = end;
    } else if (c >= '0' && c <= '9') {
      let end = i + 1;
      while (end < text.length && /[0-9.eE]/.test(text[end]!)) end++;
      tokens.push({ kind: 'number', value: text.slice(i, end), start: i, end });
      i = end;
    } else if (c === ':' && text[i + 1] === ':') {
      tokens.push({ kind: 'punct', value: '::', start: i, end: i + 2 });
      i += 2;
    } else if (PUNCT.includes(c)) {
      tokens.push({ kind: 'punct', value: c, start: i, end: i + 1 });
      i++;
    } else if (OPERATOR_CHARS.includes(c)) {
      let end = i + 1;
      while (end < text.length && OPERATOR_CHARS.includes(text[end]!) && !text.startsWith('--', end) && !text.startsWith('/*', end)) end++;
      tokens.push({ kind: 'operator', value: text.slice(i, end), start: i, end });
      i = end;
    } else {
      tokens.push({ kind: 'operator', value: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

function skipBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return text.length;
}

function endOfQuoted(text: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const close = text.indexOf(quote, i);
    if (close < 0) return text.length;
    if (text[close + 1] === quote) {
      i = close + 2;
      continue;
    }
    const continued = quote === "'" ? stringContinuation(text, close + 1) : -1;
    if (typeof continued !== 'number' || continued < 0) return close + 1;
    i = continued + 1;
  }
}

function endOfEscapedString(text: string, quoteAt: number): number {
  let i = quoteAt + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === "'" && text[i + 1] === "'") i += 2;
    else if (c === "'") {
      const continued = stringContinuation(text, i + 1);
      if (typeof continued !== 'number' || continued < 0) return i + 1;
      i = continued + 1;
    } else i++;
  }
  return text.length;
}

/**
 * PostgreSQL's string continuation (scan.l's quotecontinue): after a string's closing quote, spaces,
 * tabs, form feeds and `--` comments, then a newline, then any whitespace and `--` comments each ended
 * by a newline, then a quote: the same string goes on there, in the same mode (an E'' string's
 * backslashes still escape). `'a'\n'b'` is the one string 'ab' to the server. Returns the position of the
 * continuing quote, -1 when the string ends, or 'vertical-tab' when a vertical tab in that stretch makes
 * it depend on the server (whitespace to PostgreSQL 16 and later only).
 */
export function stringContinuation(text: string, from: number): number | 'vertical-tab' {
  let at = from;
  let newline = false;
  while (at < text.length) {
    const ch = text[at]!;
    if (ch === '\v') return 'vertical-tab';
    if (ch === '\n' || ch === '\r') {
      newline = true;
      at += 1;
    } else if (ch === ' ' || ch === '\t' || ch === '\f') at += 1;
    else if (ch === '-' && text[at + 1] === '-') {
      const end = text.slice(at).search(/[\r\n]/);
      if (end === -1) return -1;
      at += end;
    } else break;
  }
  return newline && text[at] === "'" ? at : -1;
}

/** `$$` or `$tag$` starting at `i`, else null (a `$1` parameter is no quote). */
export function dollarTag(text: string, i: number): string | null {
  const match = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
  return match ? match[0] : null;
}

/** Index of the token closing the parenthesis opened at `open`, or -1. */
export function matchingParen(tokens: readonly SqlToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const value = tokens[i]!.value;
    if (tokens[i]!.kind !== 'punct') continue;
    if (value === '(' || value === '[') depth++;
    else if (value === ')' || value === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits tokens[from, to) at commas outside parentheses and brackets. */
export function splitTopLevel(tokens: readonly SqlToken[], from: number, to: number, separator = ','): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'punct') continue;
    if (token.value === '(' || token.value === '[') depth++;
    else if (token.value === ')' || token.value === ']') depth--;
    else if (token.value === separator && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  if (start < to) parts.push([start, to]);
  return parts;
}

/** Whether tokens[at] is the keyword `word` (an unquoted word). */
export function isKeyword(tokens: readonly SqlToken[], at: number, word: string): boolean {
  const token = tokens[at];
  return token !== undefined && token.kind === 'word' && token.value === word;
}

/** Whether the keywords `words` follow each other from tokens[at]. */
export function isKeywords(tokens: readonly SqlToken[], at: number, ...words: string[]): boolean {
  return words.every((word, k) => isKeyword(tokens, at + k, word));
}

export function isIdentifier(token: SqlToken | undefined): token is SqlToken {
  return token !== undefined && (token.kind === 'word' || token.kind === 'quoted');
}
