import { describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../shared/contract.ts';
import { lineWriter, terminalSafe } from '../../electron/cli/cli-output.ts';
import { progressLine, progressPrinter, type ProgressSink } from '../../electron/cli/cli-progress.ts';

const event = (done: number, total: number | null, phase = 'copy', unit: JobProgressEvent['unit'] = 'rows', message?: string): JobProgressEvent => ({
  type: 'progress',
  jobId: 'j',
  kind: 'move',
  phase,
  done,
  total,
  unit,
  ...(message ? { message } : {}),
});

function sink(isTTY: boolean): ProgressSink & { text: string } {
  return {
    isTTY,
    columns: 120,
    text: '',
    write(t) {
      this.text += t;
    },
  };
}

describe('the CLI progress line', () => {
  it('draws a bar with the percentage, the amount, the rate and the time left', () => {
    expect(progressLine(event(500, 1000, 'copy', 'rows', 'copy pwb_pages: 500/1000 rows'), 100, 10)).toBe(
      '[#####.....]  50% · 500/1,000 rows · 100 rows/s · ETA 5.0 s · copy pwb_pages: 500/1000 rows',
    );
    expect(progressLine(event(2048, null, 'shard_1', 'bytes'), null, 10)).toBe('2.00 kB · shard_1');
    // A job's own share across its phases, when given, fills the bar.
    expect(progressLine({ ...event(4, 9, 'verify', 'steps'), overall: 0.7 }, null, 10)).toBe('[#######...]  70% · 4/9 steps · verify');
  });

  it('redraws one line in place on a terminal, and ends it', () => {
    let t = 0;
    const out = sink(true);
    const printer = progressPrinter(out, () => t);
    printer.print(event(0, 100));
    t = 1000;
    printer.print(event(50, 100));
    printer.end();
    expect(out.text.split('\r\x1b[2K')).toHaveLength(3);
    expect(out.text).toContain('50/100 rows · 50 rows/s · ETA 1.0 s');
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('writes plain lines elsewhere: on each new phase and at most every few seconds', () => {
    let t = 0;
    const out = sink(false);
    const printer = progressPrinter(out, () => t);
    printer.print(event(1, 9, 'fence', 'steps'));
    for (let i = 0; i < 20; i++) {
      t += 100;
      printer.print(event(i, 100, 'copy'));
    }
    t += 6000;
    printer.print(event(90, 100, 'copy'));
    printer.print(event(3, 9, 'verify', 'steps'));
    expect(out.text.trim().split('\n')).toHaveLength(4);
    expect(out.text).not.toContain('\r');
  });
});

describe('what the CLI writes to a terminal', () => {
  const stream = (isTTY: boolean) => ({
    isTTY,
    text: '',
    write(t: string) {
      this.text += t;
      return true;
    },
  });

  it('shows the control characters of database text instead of obeying them; a pipe gets the text as it is', () => {
    // A website named with a colour sequence, a carriage return and a C1 CSI, as a query would print it.
    const name = 'evil\u001b[2J\u001b]0;pwned\u0007\rsite\u009b31m\u007f\tcol';
    expect(terminalSafe(name)).toBe('evil\\u001b[2J\\u001b]0;pwned\\u0007\\u000dsite\\u009b31m\\u007f\tcol');
    const tty = stream(true);
    lineWriter(tty)(`website: ${name}`);
    expect(tty.text).toBe(`website: ${terminalSafe(name)}\n`);
    expect(tty.text).not.toMatch(/[\u001b\u0007\r\u009b\u007f]/);
    const pipe = stream(false);
    lineWriter(pipe)(`website: ${name}`);
    expect(pipe.text).toBe(`website: ${name}\n`);
    // JSON to a terminal stays JSON with the same values.
    const json = JSON.stringify({ name });
    const shown = stream(true);
    lineWriter(shown)(json);
    expect(JSON.parse(shown.text)).toEqual({ name });
  });

  it('draws a progress line whose message came from a database without its escape sequences', () => {
    const out = sink(true);
    progressPrinter(out, () => 0).print(event(1, 2, 'copy', 'rows', 'copy pwb_\u001b[31mpages'));
    expect(out.text.startsWith('\r\u001b[2K')).toBe(true);
    expect(out.text.slice(4)).not.toContain('\u001b');
    expect(out.text).toContain('copy pwb_\\u001b[31mpages');
  });
});
