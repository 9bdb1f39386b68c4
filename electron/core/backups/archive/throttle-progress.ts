import type { ArchiveProgress, ArchiveProgressHandler } from './pg-dump-archive.ts';

const INTERVAL_MS = 250;

/**
 * Passes progress on at most about four times a second: the reading loop reports per piece, thousands of
 * times a second, and every report crosses IPC to the window. A change of phase always goes through.
 */
export function throttleProgress(handler: ArchiveProgressHandler, intervalMs = INTERVAL_MS): ArchiveProgressHandler & { flush(): void } {
  let last = 0;
  let phase: string | null = null;
  let pending: ArchiveProgress | null = null;
  const report = (progress: ArchiveProgress) => {
    const now = Date.now();
    if (progress.phase !== phase || now - last >= intervalMs) {
      phase = progress.phase;
      last = now;
      pending = null;
      handler(progress);
      return;
    }
    pending = progress;
  };
  return Object.assign(report, {
    flush() {
      if (pending) handler(pending);
      pending = null;
    },
  });
}
