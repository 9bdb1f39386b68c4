/**
 * How far a job of steps is, 0 to 1, when one of its steps is counted in a unit of its own (a move's
 * rows copied, a restore's rows loaded) and the others as steps: one measure for the job's bar, which
 * then never runs back (a bar at 100% of the rows used to drop to "4 of 9 steps" when the copy ended).
 * Each step weighs `weights[step]` (1 when unsaid) and the step under way counts by `within` (0 to 1).
 */
export function overallProgress<S extends string>(steps: readonly S[], at: S, within: number, weights: Partial<Record<S, number>> = {}): number {
  const weight = (step: S) => weights[step] ?? 1;
  const total = steps.reduce((sum, step) => sum + weight(step), 0);
  const index = steps.indexOf(at);
  if (total <= 0 || index < 0) return 0;
  const before = steps.slice(0, index).reduce((sum, step) => sum + weight(step), 0);
  const share = Math.min(1, Math.max(0, Number.isFinite(within) ? within : 0));
  return Math.min(1, (before + weight(at) * share) / total);
}
