import { isKeyword, tokenizeSql } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';

/*
 * pg_dump writes a CHECK constraint as pg_get_constraintdef(oid) prints it: every operator, boolean and
 * IS test in its own parentheses. The live catalog asks for the pretty form (pg_get_constraintdef(oid,
 * true)), which drops the parentheses PostgreSQL's isSimpleNode (ruleutils.c) finds redundant. This
 * reads the plain form back into a small tree and prints it by those same rules, so an archive's
 * constraints read as the live catalog's. Anything it does not know (CASE, subqueries, special syntax)
 * keeps pg_dump's text: never a guess.
 */

type Expr =
  | { kind: 'atom'; text: string }
  | { kind: 'cast'; arg: Expr; type: string }
  | { kind: 'func'; name: string; args: Expr[] }
  | { kind: 'array'; elements: Expr[] }
  | { kind: 'op'; op: string; left: Expr | null; right: Expr }
  | { kind: 'bool'; op: 'AND' | 'OR'; args: Expr[] }
  | { kind: 'not'; arg: Expr }
  | { kind: 'test'; arg: Expr; test: string }
  | { kind: 'any'; left: Expr; op: string; quantifier: string; right: Expr };

class Unsupported extends Error {}

/** `CHECK ((a > 0))` -> `CHECK (a > 0)`, as the live catalog shows it; other definitions are returned unchanged. */
export function prettyCheckConstraint(definition: string): string {
  const match = /^CHECK \((.*)\)((?: NO INHERIT)?(?: NOT VALID)?)$/s.exec(definition);
  const pretty = match ? prettyExpression(match[1]!) : null;
  return pretty === null ? definition : `CHECK (${pretty})${match![2]}`;
}

/** One deparsed expression printed pretty at the top level; null when it holds syntax this reader does not know. */
export function prettyExpression(text: string): string | null {
  try {
    const tokens = tokenizeSql(text);
    if (tokens.length === 0) return null;
    return print(new ExpressionParser(text, tokens).expression(tokens.length), null);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

const TESTS = ['is not null', 'is null', 'is not true', 'is true', 'is not false', 'is false', 'is not unknown', 'is unknown'];

class ExpressionParser {
  #at = 0;
  constructor(
    readonly text: string,
    readonly tokens: readonly SqlToken[],
  ) {}

  /** One fully parenthesized level: a primary, or primaries joined by one operator kind. */
  expression(end: number): Expr {
    if (isKeyword(this.tokens, this.#at, 'not')) {
      this.#at++;
      return this.#done({ kind: 'not', arg: this.#primary() }, end);
    }
    if (this.#token()?.kind === 'operator' && !(this.#token()!.value === '*' && this.#at + 1 === end)) {
      const op = this.#token()!.value;
      this.#at++;
      return this.#done({ kind: 'op', op, left: null, right: this.#primary() }, end);
    }
    const first = this.#primary();
    if (this.#at >= end) return first;
    const token = this.#token()!;
    if (isKeyword(this.tokens, this.#at, 'and') || isKeyword(this.tokens, this.#at, 'or'))
      return this.#boolChain(first, token.value.toUpperCase() as 'AND' | 'OR', end);
    if (isKeyword(this.tokens, this.#at, 'is')) return this.#done(this.#test(first), end);
    if (token.kind === 'operator') {
      this.#at++;
      const quantifier = this.#token();
      if ((isKeyword(this.tokens, this.#at, 'any') || isKeyword(this.tokens, this.#at, 'all')) && this.tokens[this.#at + 1]?.value === '(') {
        this.#at++;
        return this.#done({ kind: 'any', left: first, op: token.value, quantifier: quantifier!.value.toUpperCase(), right: this.#primary() }, end);
      }
      return this.#done({ kind: 'op', op: token.value, left: first, right: this.#primary() }, end);
    }
    throw new Unsupported();
  }

  #boolChain(first: Expr, op: 'AND' | 'OR', end: number): Expr {
    const args = [first];
    while (this.#at < end) {
      if (!isKeyword(this.tokens, this.#at, op.toLowerCase())) throw new Unsupported();
      this.#at++;
      args.push(this.#primary());
    }
    return { kind: 'bool', op, args };
  }

  #test(arg: Expr): Expr {
    const words = this.tokens
      .slice(this.#at, this.#at + 3)
      .map((t) => t.value)
      .join(' ');
    const test = TESTS.find((t) => words.startsWith(t));
    if (!test) throw new Unsupported();
    this.#at += test.split(' ').length;
    return { kind: 'test', arg, test: test.toUpperCase() };
  }

  #done(expr: Expr, end: number): Expr {
    if (this.#at !== end) throw new Unsupported();
    return expr;
  }

  #primary(): Expr {
    let expr = this.#base();
    while (this.#token()?.value === '::') {
      this.#at++;
      expr = { kind: 'cast', arg: expr, type: this.#typeName() };
    }
    return expr;
  }

  #base(): Expr {
    const token = this.#token();
    if (!token) throw new Unsupported();
    if (token.value === '(') {
      const close = this.#close(this.#at);
      this.#at++;
      const inner = this.expression(close);
      this.#at = close + 1;
      return inner;
    }
    if (isKeyword(this.tokens, this.#at, 'array') && this.tokens[this.#at + 1]?.value === '[') {
      this.#at++;
      return { kind: 'array', elements: this.#list(']') };
    }
    if (isKeyword(this.tokens, this.#at, 'case') || isKeyword(this.tokens, this.#at, 'select') || isKeyword(this.tokens, this.#at, 'exists'))
      throw new Unsupported();
    if ((token.kind === 'word' || token.kind === 'quoted') && this.tokens[this.#at + 1]?.value === '(') {
      const name = this.text.slice(token.start, token.end);
      this.#at++;
      return { kind: 'func', name, args: this.#list(')') };
    }
    // `count(*)`: a lone star argument.
    if (token.value === '*' && this.tokens[this.#at + 1]?.value === ')') {
      this.#at++;
      return { kind: 'atom', text: '*' };
    }
    if (token.kind === 'punct' || token.kind === 'operator') throw new Unsupported();
    // Column references may be qualified (`t.col`): take the dotted run as one atom.
    let end = this.#at + 1;
    while (this.tokens[end]?.value === '.' && this.tokens[end + 1]) end += 2;
    const text = this.text.slice(token.start, this.tokens[end - 1]!.end);
    this.#at = end;
    return { kind: 'atom', text };
  }

  /** A bracketed, comma-separated list starting at the opening token (function arguments, ARRAY elements). */
  #list(closer: string): Expr[] {
    const close = this.#close(this.#at);
    if (this.tokens[close]?.value !== closer) throw new Unsupported();
    this.#at++;
    const items: Expr[] = [];
    while (this.#at < close) {
      let itemEnd = this.#at;
      let depth = 0;
      for (; itemEnd < close; itemEnd++) {
        const value = this.tokens[itemEnd]!.value;
        if (value === '(' || value === '[') depth++;
        else if (value === ')' || value === ']') depth--;
        else if (value === ',' && depth === 0) break;
      }
      items.push(this.expression(itemEnd));
      this.#at = itemEnd + (itemEnd < close ? 1 : 0);
    }
    this.#at = close + 1;
    return items;
  }

  /** A type after `::`: words, a parenthesized modifier, array brackets; it ends where an operator or keyword starts. */
  #typeName(): string {
    const start = this.#at;
    while (this.#at < this.tokens.length) {
      const token = this.tokens[this.#at]!;
      if (token.kind === 'word' && ['and', 'or', 'is', 'not', 'any', 'all'].includes(token.value)) break;
      if (token.kind === 'word' || token.kind === 'quoted' || token.value === '.') this.#at++;
      else if (token.value === '(' && this.#at > start) this.#at = this.#close(this.#at) + 1;
      else if (token.value === '[' && this.tokens[this.#at + 1]?.value === ']') this.#at += 2;
      else break;
    }
    if (this.#at === start) throw new Unsupported();
    return this.text.slice(this.tokens[start]!.start, this.tokens[this.#at - 1]!.end);
  }

  #close(open: number): number {
    let depth = 0;
    for (let i = open; i < this.tokens.length; i++) {
      const value = this.tokens[i]!.value;
      if (value === '(' || value === '[') depth++;
      else if ((value === ')' || value === ']') && --depth === 0) return i;
    }
    throw new Unsupported();
  }

  #token(): SqlToken | undefined {
    return this.tokens[this.#at];
  }
}

/** Prints pretty: a child gets parentheses only where isSimpleNode says it needs them under its parent. */
function print(expr: Expr, parent: Expr | null): string {
  const text = printBare(expr);
  return parent === null || isSimple(expr, parent) ? text : `(${text})`;
}

function printBare(expr: Expr): string {
  switch (expr.kind) {
    case 'atom':
      return expr.text;
    case 'cast':
      return `${print(expr.arg, expr)}::${expr.type}`;
    case 'func':
      return `${expr.name}(${expr.args.map((a) => print(a, null)).join(', ')})`;
    case 'array':
      return `ARRAY[${expr.elements.map((a) => print(a, null)).join(', ')}]`;
    case 'op':
      return expr.left ? `${print(expr.left, expr)} ${expr.op} ${print(expr.right, expr)}` : `${expr.op} ${print(expr.right, expr)}`;
    case 'bool':
      return expr.args.map((a) => print(a, expr)).join(` ${expr.op} `);
    case 'not':
      return `NOT ${print(expr.arg, expr)}`;
    case 'test':
      return `${print(expr.arg, expr)} ${expr.test}`;
    case 'any':
      return `${print(expr.left, expr)} ${expr.op} ${expr.quantifier} (${print(expr.right, null)})`;
  }
}

/** ruleutils.c's isSimpleNode for the nodes above (with PRETTYFLAG_PAREN). */
function isSimple(node: Expr, parent: Expr): boolean {
  switch (node.kind) {
    case 'atom':
    case 'func':
    case 'array':
    case 'cast':
      return true;
    case 'op':
      if (parent.kind === 'op' && node.left && parent.left) return arithmeticNeedsNoParens(node, parent);
      return parent.kind === 'bool' || parent.kind === 'not';
    case 'test':
      return parent.kind === 'bool' || parent.kind === 'not';
    case 'bool':
    case 'not': {
      if (parent.kind !== 'bool' && parent.kind !== 'not') return false;
      const type = node.kind === 'not' ? 'NOT' : node.op;
      const parentType = parent.kind === 'not' ? 'NOT' : parent.op;
      if (type === 'NOT' || type === 'AND') return parentType === 'AND' || parentType === 'OR';
      return parentType === 'OR';
    }
    case 'any':
      return false;
  }
}

/** Only + - * / % nest without parentheses, by precedence, and left-associatively (ruleutils.c looks at the first character). */
function arithmeticNeedsNoParens(node: Extract<Expr, { kind: 'op' }>, parent: Extract<Expr, { kind: 'op' }>): boolean {
  const low = (op: string) => '+-'.includes(op[0]!);
  const high = (op: string) => '*/%'.includes(op[0]!);
  if (!(low(node.op) || high(node.op)) || !(low(parent.op) || high(parent.op))) return false;
  if (high(node.op) && low(parent.op)) return true;
  if (low(node.op) && high(parent.op)) return false;
  return parent.left === node;
}
