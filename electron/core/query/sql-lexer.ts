import { ConsoleError } from '../../../shared/errors.ts';
import { stringContinuation } from '../backups/archive/sql-tokens.ts';

/*
 * PostgreSQL's lexical rules, enough to find statement boundaries and keywords the way the server will:
 * `--` and nested `/* *\/` comments, '' strings ('' doubles a quote), E'' strings (backslash escapes),
 * U&'' / B'' / X'' / N'' strings, dollar quoting ($$...$$, $tag$...$tag$), "quoted identifiers" ("" doubles)
 * and $n parameters. Standard-conforming strings are assumed: the runner pins
 * `standard_conforming_strings = on` in every transaction, so the server lexes the text the same way.
 */

export type SqlTokenKind = 'word' | 'quoted-identifier' | 'string' | 'number' | 'parameter' | 'punctuation' | 'operator';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** The token as written. For a word, compare `upper` instead. */
  readonly text: string;
  /** Upper-cased text for words (keywords are case-insensitive); the text otherwise. */
  readonly upper: string;
  /** Offsets into the source: `source.slice(start, end) === text`. */
  readonly start: number;
  readonly end: number;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CONT = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', ';', ':', '.']);
/** PostgreSQL's whitespace, and only it: to the server a no-break or other Unicode space is part of an identifier. */
const WHITESPACE = /[ \t\n\r\f\v]/;

/** Every token of `source`, comments and whitespace dropped; INVALID_PARAMS for an unterminated string, identifier or comment. */
export function tokenizeSql(source: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let at = 0;
  const push = (kind: SqlTokenKind, start: number, end: number) => {
    const text = source.slice(start, end);
    tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : text, start, end });
  };
  while (at < source.length) {
    const ch = source[at]!;
    const next = source[at + 1] ?? '';
    if (WHITESPACE.test(ch)) at += 1;
    else if (ch === '-' && next === '-') at = lineCommentEnd(source, at);
    else if (ch === '/' && next === '*') at = blockCommentEnd(source, at);
    else if (ch === "'") push('string', at, (at = quotedEnd(source, at, "'", false)));
    else if (ch === '"') push('quoted-identifier', at, (at = quotedEnd(source, at, '"', false)));
    else if ((ch === 'e' || ch === 'E') && next === "'") push('string', at, (at = quotedEnd(source, at + 1, "'", true)));
    else if (/[bBxXnN]/.test(ch) && next === "'") push('string', at, (at = quotedEnd(source, at + 1, "'", false)));
    else if ((ch === 'u' || ch === 'U') && next === '&' && (source[at + 2] === "'" || source[at + 2] === '"')) {
      const quote = source[at + 2]!;
      push(quote === "'" ? 'string' : 'quoted-identifier', at, (at = quotedEnd(source, at + 2, quote, false)));
    } else if (ch === '$' && DIGIT.test(next)) push('parameter', at, (at = runEnd(source, at + 1, DIGIT)));
    else if (ch === '$' && dollarTagEnd(source, at) !== null) push('string', at, (at = dollarQuotedEnd(source, at)));
    else if (IDENT_START.test(ch)) push('word', at, (at = runEnd(source, at + 1, IDENT_CONT)));
    else if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(next))) push('number', at, (at = numberEnd(source, at)));
    else if (PUNCTUATION.has(ch)) push('punctuation', at, (at += 1));
    else push('operator', at, (at += 1));
  }
  return tokens;
}

function runEnd(source: string, from: number, pattern: RegExp): number {
  let at = from;
  while (at < source.length && pattern.test(source[at]!)) at += 1;
  return at;
}

function lineCommentEnd(source: string, from: number): number {
  const newline = source.slice(from).search(/[\r\n]/);
  return newline === -1 ? source.length : from + newline + 1;
}

/** PostgreSQL's block comments nest: `/* a /* b *\/ c *\/` is one comment. */
function blockCommentEnd(source: string, from: number): number {
  let depth = 0;
  let at = from;
  while (at < source.length) {
    const pair = source.slice(at, at + 2);
    if (pair === '/*') {
      depth += 1;
      at += 2;
    } else if (pair === '*/') {
      depth -= 1;
      at += 2;
      if (depth === 0) return at;
    } else at += 1;
  }
  throw unterminated(source, from, 'a /* comment', 'close it with */ (comments nest: every /* needs its own */)');
}

/**
 * The end of a quoted string or identifier whose opening quote is at `open`: a doubled quote stays
 * inside, and with `backslashes` (E'' strings) a backslash escapes the next character, a quote included.
 */
function quotedEnd(source: string, open: number, quote: string, backslashes: boolean): number {
  let at = open + 1;
  while (at < source.length) {
    const ch = source[at]!;
    if (backslashes && ch === '\\') at += 2;
    else if (ch === quote && source[at + 1] === quote) at += 2;
    else if (ch === quote) {
      // A string goes on past its closing quote when whitespace holding a newline and another quote follow.
      // (stringContinuation: `'a'\n'b'` is one string to the server, and reading two would let a call hide.)
      const continued = quote === "'" ? stringContinuation(source, at + 1) : -1;
      if (continued === 'vertical-tab')
        throw new ConsoleError(
          'INVALID_PARAMS',
          'The statement has a vertical tab after a string, which PostgreSQL 16 and later read as whitespace and older servers do not: remove it. Nothing was sent.',
          { details: { position: at + 1 } },
        );
      if (continued === -1) return at + 1;
      at = continued + 1;
    } else at += 1;
  }
  const what = quote === '"' ? 'a "quoted identifier' : backslashes ? "an E'' string" : "a 'string";
  throw unterminated(source, open, what, `close it with ${quote} (write ${quote}${quote} for a ${quote} inside it)`);
}

/** The end of the opening `$tag$` at `at`, or null when `$` does not open a dollar quote here. */
function dollarTagEnd(source: string, at: number): number | null {
  let end = at + 1;
  if (source[end] !== '$') {
    if (!IDENT_START.test(source[end] ?? '')) return null;
    end = runEnd(source, end + 1, /[A-Za-z0-9_\u0080-\uffff]/);
    if (source[end] !== '$') return null;
  }
  return end + 1;
}

function dollarQuotedEnd(source: string, open: number): number {
  const tag = source.slice(open, dollarTagEnd(source, open)!);
  const close = source.indexOf(tag, open + tag.length);
  if (close === -1) throw unterminated(source, open, `a ${tag} quoted string`, `close it with ${tag}`);
  return close + tag.length;
}

/** Digits, a fraction, an exponent with its sign, 0x/0o/0b prefixes and `_` separators: one token. */
function numberEnd(source: string, from: number): number {
  let at = from;
  while (at < source.length) {
    const ch = source[at]!;
    if (/[0-9A-Za-z_]/.test(ch)) at += 1;
    else if (ch === '.' && source[at + 1] !== '.') at += 1;
    else if ((ch === '+' || ch === '-') && /[eE]/.test(source[at - 1]!) && DIGIT.test(source[at + 1] ?? '') && !/^0[xX]/.test(source.slice(from, at))) at += 1;
    else break;
  }
  return at;
}

function unterminated(source: string, offset: number, what: string, fix: string): ConsoleError {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return new ConsoleError('INVALID_PARAMS', `The statement has ${what} starting at line ${line}, column ${column} that never ends: ${fix}. Nothing was sent.`, {
    details: { position: offset },
  });
}
