import { ConsoleError } from '../../../shared/errors.ts';
import type { Environment } from './expand-variables.ts';

/*
 * The Ruby a database.yml needs, and no more: ENV lookups, ENV.fetch with a default, `||`/`&&`/`!`,
 * and the blank/present tests used in `<% if %>`. Parsed by hand so a config file can never run code.
 */

export type ErbValue = string | number | boolean | null;

export type ErbExpression =
  | { readonly kind: 'literal'; readonly value: ErbValue }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'fetch'; readonly name: string; readonly fallback: ErbExpression | undefined }
  | { readonly kind: 'or' | 'and'; readonly left: ErbExpression; readonly right: ErbExpression }
  | { readonly kind: 'not'; readonly operand: ErbExpression }
  | { readonly kind: 'call'; readonly method: ErbMethod; readonly receiver: ErbExpression };

export type ErbStatement = { readonly kind: 'if' | 'elsif' | 'unless'; readonly condition: ErbExpression } | { readonly kind: 'else' | 'end' };

const METHODS = ['present?', 'blank?', 'nil?', 'to_s', 'to_i', 'strip'] as const;
type ErbMethod = (typeof METHODS)[number];

export interface ErbPlace {
  readonly file: string;
  readonly line: number;
}

type Token =
  | { readonly kind: 'string' | 'ident' | 'punct'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string; readonly value: number };

function unsupported(code: string, place: ErbPlace, why: string): ConsoleError {
  return new ConsoleError(
    'CONFIG_INVALID',
    `${place.file} line ${place.line}: unsupported ERB "<% ${code.trim()} %>" (${why}). Shard Console evaluates only ENV['X'], ENV.fetch('X', default), ||, and if/unless/elsif/else/end on ENV values; replace the rest with a plain value or a profile.`,
    { target: place.file, details: { line: place.line } },
  );
}

function tokenize(code: string, place: ErbPlace): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < code.length) {
    const rest = code.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      let text = '';
      let i = 1;
      for (; i < rest.length && rest[i] !== quote; i++) {
        if (quote === '"' && rest.startsWith('#{', i)) throw unsupported(code, place, 'string interpolation');
        if (rest[i] === '\\' && i + 1 < rest.length) {
          const escaped = rest[++i] as string;
          // Single quotes keep every backslash except before \ and '; double quotes know the usual escapes.
          if (quote === "'") text += escaped === '\\' || escaped === "'" ? escaped : `\\${escaped}`;
          else text += ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[escaped] ?? escaped;
        } else {
          text += rest[i];
        }
      }
      if (i >= rest.length) throw unsupported(code, place, 'unterminated string');
      tokens.push({ kind: 'string', text });
      at += i + 1;
      continue;
    }
    const number = /^\d+/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*[?!]?/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      at += ident[0].length;
      continue;
    }
    const punct = /^(\|\||&&|[!\[\](){},.])/.exec(rest);
    if (punct) {
      tokens.push({ kind: 'punct', text: punct[0] });
      at += punct[0].length;
      continue;
    }
    throw unsupported(code, place, `unexpected "${rest[0]}"`);
  }
  return tokens;
}

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly code: string,
    private readonly place: ErbPlace,
  ) {}

  fail(why: string): ConsoleError {
    return unsupported(this.code, this.place, why);
  }

  peek(): Token | undefined {
    return this.tokens[this.at];
  }

  accept(text: string): boolean {
    const token = this.peek();
    if (token !== undefined && token.kind !== 'string' && token.text === text) {
      this.at++;
      return true;
    }
    return false;
  }

  expect(text: string): void {
    if (!this.accept(text)) throw this.fail(`expected "${text}"`);
  }

  string(): string {
    const token = this.peek();
    if (token?.kind !== 'string') throw this.fail('expected a quoted variable name');
    this.at++;
    return token.text;
  }

  done(): void {
    const token = this.peek();
    if (token !== undefined) throw this.fail(`unexpected "${token.text}"`);
  }

  expression(): ErbExpression {
    let left = this.conjunction();
    while (this.accept('||')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  conjunction(): ErbExpression {
    let left = this.unary();
    while (this.accept('&&')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  unary(): ErbExpression {
    if (this.accept('!')) return { kind: 'not', operand: this.unary() };
    let value = this.primary();
    while (this.accept('.')) {
      const token = this.peek();
      const method = METHODS.find((name) => token?.kind === 'ident' && token.text === name);
      if (method === undefined) throw this.fail(`method "${token?.text ?? ''}"`);
      this.at++;
      value = { kind: 'call', method, receiver: value };
    }
    return value;
  }

  primary(): ErbExpression {
    const token = this.peek();
    if (token === undefined) throw this.fail('expression ends early');
    this.at++;
    if (token.kind === 'string') return { kind: 'literal', value: token.text };
    if (token.kind === 'number') return { kind: 'literal', value: token.value };
    if (token.text === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.text === 'nil') return { kind: 'literal', value: null };
    if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true' };
    if (token.text !== 'ENV') throw this.fail(`"${token.text}"`);
    if (this.accept('[')) {
      const name = this.string();
      this.expect(']');
      return { kind: 'env', name };
    }
    // ENV.fetch is parsed here rather than as a method so `.present?` and friends stay value methods.
    if (this.tokens[this.at]?.text === '.' && this.tokens[this.at + 1]?.text === 'fetch') {
      this.at += 2;
      this.expect('(');
      const name = this.string();
      let fallback: ErbExpression | undefined;
      if (this.accept(',')) fallback = this.expression();
      this.expect(')');
      if (this.accept('{')) {
        if (fallback !== undefined) throw this.fail('ENV.fetch with both a default and a block');
        fallback = this.expression();
        this.expect('}');
      }
      return { kind: 'fetch', name, fallback };
    }
    throw this.fail('ENV is only read as ENV[...] or ENV.fetch(...)');
  }
}

/** Parses the code of a `<%= %>` tag. */
export function parseErbExpression(code: string, place: ErbPlace): ErbExpression {
  const parser = new Parser(tokenize(code, place), code, place);
  const expression = parser.expression();
  parser.done();
  return expression;
}

/** Parses the code of a `<% %>` tag: only the control flow that picks between YAML lines. */
export function parseErbStatement(code: string, place: ErbPlace): ErbStatement {
  const tokens = tokenize(code, place);
  const keyword = tokens[0];
  if (keyword?.kind === 'ident' && (keyword.text === 'else' || keyword.text === 'end') && tokens.length === 1) {
    return { kind: keyword.text };
  }
  if (keyword?.kind === 'ident' && (keyword.text === 'if' || keyword.text === 'elsif' || keyword.text === 'unless')) {
    const body = tokens.slice(1);
    if (body.at(-1)?.text === 'then') body.pop();
    const parser = new Parser(body, code, place);
    const condition = parser.expression();
    parser.done();
    return { kind: keyword.text, condition };
  }
  throw unsupported(code, place, 'only if, unless, elsif, else and end may stand alone');
}

/** Ruby truthiness: only nil and false are false; "" and 0 are true. */
export function isTruthy(value: ErbValue): boolean {
  return value !== null && value !== false;
}

function isBlank(value: ErbValue): boolean {
  return value === null || value === false || (typeof value === 'string' && value.trim() === '');
}

/** Ruby's `to_s`, which is what `<%= %>` prints. */
export function erbToString(value: ErbValue): string {
  return value === null ? '' : String(value);
}

/**
 * Evaluates with Ruby's meaning. `unset` collects the ENV names read while unset, so a value that ends
 * up empty can be blamed on the variables behind it.
 */
export function evaluateErb(expression: ErbExpression, env: Environment, place: ErbPlace, unset: string[]): ErbValue {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'env': {
      const value = env[expression.name];
      if (value === undefined) unset.push(expression.name);
      return value ?? null;
    }
    case 'fetch': {
      const value = env[expression.name];
      if (value !== undefined) return value;
      if (expression.fallback !== undefined) return evaluateErb(expression.fallback, env, place, unset);
      throw new ConsoleError(
        'CONFIG_MISSING_VARIABLE',
        `${place.file} line ${place.line}: ENV.fetch("${expression.name}") has no default and ${expression.name} is not set. Set ${expression.name} in the environment Shard Console starts in.`,
        { target: place.file, details: { line: place.line, variable: expression.name } },
      );
    }
    case 'or': {
      const left = evaluateErb(expression.left, env, place, unset);
      return isTruthy(left) ? left : evaluateErb(expression.right, env, place, unset);
    }
    case 'and': {
      const left = evaluateErb(expression.left, env, place, unset);
      return isTruthy(left) ? evaluateErb(expression.right, env, place, unset) : left;
    }
    case 'not':
      return !isTruthy(evaluateErb(expression.operand, env, place, unset));
    case 'call': {
      const receiver = evaluateErb(expression.receiver, env, place, unset);
      switch (expression.method) {
        case 'present?':
          return !isBlank(receiver);
        case 'blank?':
          return isBlank(receiver);
        case 'nil?':
          return receiver === null;
        case 'to_s':
          return erbToString(receiver);
        case 'to_i': {
          const digits = /^\s*[-+]?\d+/.exec(erbToString(receiver));
          return digits ? Number.parseInt(digits[0], 10) : 0;
        }
        case 'strip':
          if (typeof receiver !== 'string') throw unsupported('strip', place, 'strip on a value that is not a string');
          return receiver.trim();
      }
    }
  }
}
