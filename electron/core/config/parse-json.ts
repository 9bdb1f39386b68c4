import { ConsoleError } from '../../../shared/errors.ts';

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  return { line: before.split('\n').length, column: position - before.lastIndexOf('\n') };
}

/** JSON.parse with the line and column a person needs; V8 only reports a character offset. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const offset = /at position (\d+)/.exec(message)?.[1];
    const position = offset === undefined ? (/end of JSON input/.test(message) ? text.length : undefined) : Number(offset);
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    if (position === undefined) throw new ConsoleError('CONFIG_INVALID', `${file}: not valid JSON (${reason}).`, { target: file });
    const { line, column } = lineAndColumn(text, position);
    throw new ConsoleError('CONFIG_INVALID', `${file} line ${line}, column ${column}: not valid JSON (${reason}).`, {
      target: file,
      details: { line, column },
    });
  }
}
