import type { JobProgressEvent } from '../../shared/contract.ts';
import { formatDuration, formatProgressAmount, formatRate, progressFraction } from '../../shared/format.ts';
import { terminalSafe } from './cli-output.ts';

/** Where progress goes: stderr, so `--json` keeps stdout to the final result. */
export interface ProgressSink {
  readonly isTTY: boolean;
  readonly columns: number;
  write(text: string): void;
}

export const stderrSink: ProgressSink = {
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  get columns() {
    return process.stderr.columns ?? 100;
  },
  write: (text) => void process.stderr.write(text),
};

/** What one progress line says: how far, how fast, how long still, and what it is doing. */
export function progressLine(event: JobProgressEvent, rate: number | null, width: number | null): string {
  const parts: string[] = [];
  const fraction = progressFraction(event);
  if (width !== null && fraction !== null) {
    const filled = Math.round(fraction * width);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`);
  }
  parts.push(formatProgressAmount(event.done, event.total, event.unit, '/'));
  if (rate !== null && rate > 0) {
    parts.push(formatRate(rate, event.unit));
    if (event.total !== null && event.total > event.done) parts.push(`ETA ${formatDuration(((event.total - event.done) / rate) * 1000)}`);
  }
  parts.push(event.message ?? event.phase);
  return parts.join(' · ');
}

/**
 * Prints a job's progress for a person: on a terminal, one line redrawn in place with a bar, the rate
 * and the time left; elsewhere (a log, a pipe), a plain line when the phase changes and at most every
 * few seconds otherwise. The rate is measured per phase over the last ten seconds or so.
 */
export function progressPrinter(sink: ProgressSink = stderrSink, now: () => number = Date.now) {
  // What a rate is measured over: one phase counted in one unit (a move's "copy" step, then its rows).
  let phase: string | null = null;
  let samples: Array<{ at: number; done: number }> = [];
  let lastPlain = 0;
  let drawn = false;
  const rateOf = (event: JobProgressEvent) => {
    const t = now();
    const key = `${event.phase} ${event.unit}`;
    if (key !== phase) {
      phase = key;
      samples = [];
    }
    samples.push({ at: t, done: event.done });
    samples = samples.filter((s) => t - s.at <= 10_000);
    const first = samples[0]!;
    return t > first.at ? ((event.done - first.done) * 1000) / (t - first.at) : null;
  };
  return {
    print(event: JobProgressEvent) {
      const changed = `${event.phase} ${event.unit}` !== phase;
      const rate = rateOf(event);
      if (sink.isTTY) {
        const line = progressLine(event, rate, 24).slice(0, Math.max(20, sink.columns - 1));
        sink.write(`\r\x1b[2K${terminalSafe(line)}`);
        drawn = true;
      } else if (changed || now() - lastPlain >= 5_000) {
        lastPlain = now();
        sink.write(`${progressLine(event, rate, null)}\n`);
      }
    },
    /** Ends the redrawn line, so what follows starts on a line of its own. */
    end() {
      if (drawn) sink.write('\n');
      drawn = false;
    },
  };
}
