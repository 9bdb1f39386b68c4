import type { Job, JobProgressEvent } from '../../shared/contract.ts';
import type { ConsoleContext } from '../core/console-context.ts';
import { callMethod } from './call-method.ts';
import { progressPrinter } from './cli-progress.ts';
import type { CliIo } from './cli-output.ts';

/** Exit code of work stopped with Ctrl-C: the shell's for SIGINT. */
export const STOPPED_EXIT = 130;

/**
 * Runs `work` with Ctrl-C meaning "stop": the first press calls `stop` (the work ends at a safe point,
 * resumable) and says so; a second press quits at once. The handler is removed afterwards.
 */
export async function withInterrupt<T>(io: CliIo, stop: () => void, work: () => Promise<T>): Promise<T> {
  let presses = 0;
  const onSigint = () => {
    presses += 1;
    if (presses === 1) {
      io.err('\nStopping at the next safe point (its statements are cancelled on every database); press Ctrl-C again to quit at once.');
      stop();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Follows a job this console runs until it ends, printing its progress on stderr; Ctrl-C stops it (it
 * is left resumable). Resolves with the job as it ended.
 */
export async function followJob(ctx: ConsoleContext, io: CliIo, jobId: string): Promise<Job> {
  const printer = progressPrinter();
  try {
    return await withInterrupt(
      io,
      () => void callMethod(ctx, 'jobs.stop', { jobId }).catch(() => {}),
      () => callMethod(ctx, 'jobs.watch', { jobId }, { onEvent: (e) => printer.print(e) }),
    );
  } finally {
    printer.end();
  }
}

/** A call whose work lasts as long as the call (a size scan, a backup): progress on stderr, Ctrl-C aborts the call. */
export async function callWithProgress<T>(
  io: CliIo,
  run: (options: { signal: AbortSignal; onEvent: (e: JobProgressEvent) => void }) => Promise<T>,
): Promise<T> {
  const printer = progressPrinter();
  const controller = new AbortController();
  try {
    return await withInterrupt(
      io,
      () => controller.abort(),
      () => run({ signal: controller.signal, onEvent: (e) => printer.print(e) }),
    );
  } finally {
    printer.end();
  }
}
