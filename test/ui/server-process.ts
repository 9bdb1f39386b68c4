import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/* Starting and stopping `shard-console serve` processes for the UI specs. */

const SERVER_START_TIMEOUT_MS = 60_000;

/** The server prints one JSON line when it listens; anything on stderr is kept for the error message. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      if (process.env.SC_UI_SERVER_LOG === '1') process.stderr.write(chunk);
    });
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => fail(new Error(`shard-console serve printed nothing within ${SERVER_START_TIMEOUT_MS / 1000} s.\n${stderr}`)),
      SERVER_START_TIMEOUT_MS,
    );
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`shard-console serve exited (${code ?? signal}) before it listened.\n${stderr}`));
    function fail(error: Error) {
      clearTimeout(timer);
      lines.close();
      child.off('exit', onExit);
      reject(error);
    }
    child.once('exit', onExit);
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      // Keep draining stdout so the server never blocks on a full pipe.
      lines.on('line', () => {});
      resolveLine(line);
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
