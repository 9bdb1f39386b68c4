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

/**
 * Finds where JSON text first breaks the grammar, and says what was expected there, never what was
 * found: V8's own message quotes the text around the error, and in a profile that can be a password.
 */
function findSyntaxProblem(text: string): SyntaxProblem | null {
  let at = 0;
  const fail = (problem: string): never => {
    throw new JsonScanError(at, problem);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const expect = (char: string, problem: string) => (text[at] === char ? at++ : fail(problem));
  const string = () => {
    expect('"', 'expected a double-quoted string');
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const char = text[at]!;
      if (char === '"') return void at++;
      if (char < ' ') fail('control character inside a string (escape it)');
      if (char === '\\') {
        at++;
        if (text[at] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) at += 5;
        else if (text[at] !== undefined && '"\\/bfnrt'.includes(text[at]!)) at++;
        else fail('invalid escape in a string');
      } else at++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) fail('nested too deeply');
    space();
    const char = text[at];
    if (char === undefined) fail('unexpected end of file; expected a value');
    if (char === '"') return string();
    if (char === '{' || char === '[') return container(char, depth);
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at, at + 400));
    if (literal === null || /[\w.]/.test(text[at + literal[0].length] ?? ''))
      fail('unexpected character; expected a value (a string, number, object, array, true, false or null)');
    at += literal![0].length;
  };
  const container = (open: '{' | '[', depth: number) => {
    const close = open === '{' ? '}' : ']';
    at++;
    space();
    if (text[at] === close) return void at++;
    for (;;) {
      if (open === '{') {
        space();
        string();
        space();
        expect(':', 'expected ":" after a property name');
      }
      value(depth + 1);
      space();
      if (text[at] === ',') {
        at++;
        if (open === '{') space();
        continue;
      }
      if (text[at] === close) return void at++;
      fail(at >= text.length ? 'unexpected end of file' : `expected "," or "${close}"`);
    }
  };
  try {
    value(0);
    space();
    if (at < text.length) fail('unexpected text after the end of the JSON value');
    return null;
  } catch (error) {
    if (error instanceof JsonScanError) return { offset: error.offset, problem: error.problem };
    return { offset: at, problem: 'not readable' };
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
