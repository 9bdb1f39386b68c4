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

/** A reader that went away (`| head`) ends the output, not the process with an EPIPE stack trace. */
function guardStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

export const processIo: CliIo = {
  out: (text) => {
    guardStreams();
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  err: (text) => {
    guardStreams();
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  },
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
