import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { redactSecrets } from './redact-secrets.ts';

export interface ConsoleLogOptions {
  /** The folder the log lives in (the user's data folder's `logs/`). */
  readonly dir: string;
  /** `console.log` by default; rotated copies are `console.1.log` … */
  readonly name?: string;
  /** Rotate when the file reaches this size (5 MB). */
  readonly maxBytes?: number;
  /** Rotated files kept (5). */
  readonly keep?: number;
  /** Values never to write (the bridge token, passwords the profile resolved): replaced wherever they appear. */
  readonly secrets?: () => readonly string[];
}

export interface ConsoleLog {
  readonly file: string;
  info(message: string): void;
  warn(message: string): void;
  /** Writes an unexpected failure with a fresh incident id, and says where to find it. */
  incident(what: string, error: unknown): string;
}

/**
 * The log of the desktop app and `serve`: one line per event, appended synchronously (a crash right
 * after still has its line), rotated by size, every line passed through the redactor so no secret or
 * token is ever written.
 */
export function openConsoleLog(options: ConsoleLogOptions): ConsoleLog {
  const file = path.join(options.dir, options.name ?? 'console.log');
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const keep = options.keep ?? 5;
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const rotate = () => {
    const size = (() => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    })();
    if (size < maxBytes) return;
    const rotated = (n: number) => file.replace(/\.log$/, `.${n}.log`);
    rmSync(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      try {
        renameSync(rotated(n), rotated(n + 1));
      } catch {
        // not there yet
      }
    }
    renameSync(file, rotated(1));
  };
  let complained = false;
  // Never the caller's failure: a full disk, a logs folder removed or another process rotating the same
  // file must not fail the profile switch or the call that logs (nor leave it half done).
  const write = (level: string, message: string) => {
    const line = `${new Date().toISOString()} ${level} ${redactSecrets(message, options.secrets?.() ?? [])}`.replace(/\r?\n/g, '\n    ');
    try {
      rotate();
      appendFileSync(file, `${line}\n`, { mode: 0o600 });
    } catch {
      try {
        mkdirSync(options.dir, { recursive: true, mode: 0o700 });
        appendFileSync(file, `${line}\n`, { mode: 0o600 });
      } catch (error) {
        if (!complained) process.stderr.write(`shard-console: cannot write the log ${file}: ${(error as Error).message}\n`);
        complained = true;
      }
    }
  };
  return {
    file,
    info: (message) => write('INFO ', message),
    warn: (message) => write('WARN ', message),
    incident(what, error) {
      const id = randomBytes(4).toString('hex');
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      write('ERROR', `[incident ${id}] ${what}: ${detail}`);
      return `the log ${file}, the line with [incident ${id}]`;
    },
  };
}
