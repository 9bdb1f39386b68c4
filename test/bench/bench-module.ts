/**
 * One benchmark of `npm run bench`: a module `test/bench/<name>-bench.ts` exporting `bench`. The runner
 * finds them by file name, so a new bench is a new file, never an edit of the runner.
 */
export interface BenchModule {
  readonly name: string;
  readonly summary: string;
  /** Arguments after the bench's name; resolves to the exit code (0: every target met). */
  run(args: readonly string[], log: (line: string) => void): Promise<number>;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
