import { ConsoleError } from '../../../shared/errors.ts';

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  return { line: before.split('\n').length, column: position - before.lastIndexOf('\n') };
}

interface SyntaxProblem {
  readonly offset: number;
  readonly problem: string;
}

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** A recursive-descent reader of the JSON grammar that only says where the text first breaks it. */
class JsonScanner {
  at = 0;

  constructor(readonly text: string) {}

  fail(problem: string): never {
    throw new JsonScanError(this.at, problem);
  }

  space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  expect(char: string, problem: string): void {
    if (this.text[this.at] === char) this.at++;
    else this.fail(problem);
  }

  string(): void {
    const { text } = this;
    this.expect('"', 'expected a double-quoted string');
    for (;;) {
      if (this.at >= text.length) this.fail('unterminated string');
      const char = text[this.at]!;
      if (char === '"') return void this.at++;
      if (char < ' ') this.fail('control character inside a string (escape it)');
      if (char === '\\') {
        this.at++;
        if (text[this.at] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.at + 1, this.at + 5))) this.at += 5;
        else if (text[this.at] !== undefined && '"\\/bfnrt'.includes(text[this.at]!)) this.at++;
        else this.fail('invalid escape in a string');
      } else this.at++;
    }
  }

  value(depth: number): void {
    const { text } = this;
    if (depth > 512) this.fail('nested too deeply');
    this.space();
    const char = text[this.at];
    if (char === undefined) this.fail('unexpected end of file; expected a value');
    if (char === '"') return this.string();
    if (char === '{' || char === '[') return this.container(char, depth);
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(this.at, this.at + 400));
    if (literal === null || /[\w.]/.test(text[this.at + literal[0].length] ?? ''))
      this.fail('unexpected character; expected a value (a string, number, object, array, true, false or null)');
    this.at += literal[0].length;
  }

  container(open: '{' | '[', depth: number): void {
    const { text } = this;
    const close = open === '{' ? '}' : ']';
    this.at++;
    this.space();
    if (text[this.at] === close) return void this.at++;
    for (;;) {
      if (open === '{') {
        this.space();
        this.string();
        this.space();
        this.expect(':', 'expected ":" after a property name');
      }
      this.value(depth + 1);
      this.space();
      if (text[this.at] === ',') {
        this.at++;
        if (open === '{') this.space();
        continue;
      }
      if (text[this.at] === close) return void this.at++;
      this.fail(this.at >= text.length ? 'unexpected end of file' : `expected "," or "${close}"`);
    }
  }
}

/**
 * Finds where JSON text first breaks the grammar, and says what was expected there, never what was
 * found: V8's own message quotes the text around the error, and in a profile that can be a password.
 */
function findSyntaxProblem(text: string): SyntaxProblem | null {
  const scanner = new JsonScanner(text);
  try {
    scanner.value(0);
    scanner.space();
    if (scanner.at < text.length) scanner.fail('unexpected text after the end of the JSON value');
    return null;
  } catch (error) {
    if (error instanceof JsonScanError) return { offset: error.offset, problem: error.problem };
    return { offset: scanner.at, problem: 'not readable' };
  }
}

/** JSON.parse with the line and column a person needs, and none of the file's text in the message. */
export function parseJson(source: string, file: string): unknown {
  // A byte-order mark is an editor's habit, not an error.
  const text = source.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch {
    const found = findSyntaxProblem(text) ?? { offset: text.length, problem: 'not readable' };
    const { line, column } = lineAndColumn(text, found.offset);
    throw new ConsoleError('CONFIG_INVALID', `${file} line ${line}, column ${column}: not valid JSON (${found.problem}). Fix the file there and start again.`, {
      target: file,
      details: { line, column },
    });
  }
}
