/** Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

let streamsGuarded = false;

/**
 * A reader that went away (`| head`, a closed stderr) ends the output, not the process with an EPIPE
 * stack trace. Called before the first write of any kind (progress goes to stderr straight).
 */
export function guardStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

/**
 * Characters a terminal acts on rather than shows: C0 controls but tab and newline (ESC starts colour,
 * cursor and title sequences; a carriage return overwrites the line), DEL and the C1 controls (U+009B
 * is a one-character CSI on some terminals).
 */
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text as a terminal should show it: each control character it would obey written as `\uXXXX`. What
 * the CLI prints comes largely from the databases (website names, table names, error messages, query
 * results), and a value holding an escape sequence must be shown, not run. In JSON these characters
 * occur only inside strings (JSON.stringify escapes C0 itself), where `\uXXXX` is the same character.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes lines to a stream; to a terminal, control characters shown (terminalSafe), to a pipe or file, the text as it is. */
export function lineWriter(stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>): (text: string) => void {
  return (text) => {
    guardStreams();
    const line = text.endsWith('\n') ? text : `${text}\n`;
    stream.write(stream.isTTY ? terminalSafe(line) : line);
  };
}

export const processIo: CliIo = {
  out: lineWriter(process.stdout),
  err: lineWriter(process.stderr),
};

/** Resolves once everything written to the stream so far has reached the OS (or the reader has gone). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    // A write's callback runs after every earlier write has been handed over: an empty one marks the end.
    stream.write('', () => resolve());
  });
}

/**
 * Waits for stdout and stderr to be flushed. `process.exit()` drops what a pipe has not taken yet
 * (`shard-console doctor --json | jq` got 64 KiB of a larger document), so the CLI calls this first.
 * A reader that went away (`| head`) is not an error: the output is simply no longer wanted.
 */
export async function flushProcessOutput(): Promise<void> {
  guardStreams();
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
}
