import type { MovePlan, OverviewResult, PreflightResult } from '../../../shared/contract.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';

/* Pure view logic of the move wizard: where a website can go, what the move would copy, and the typed confirmation. */

export interface TargetOption {
  name: string;
  role: 'primary' | 'shard';
  sizeLabel: string;
  websitesLabel: string;
  reachable: boolean;
  /** Why it cannot be picked, when it cannot. */
  problem: string | null;
}

/** Every configured database except the one holding the website; unreachable ones are shown but not offered. */
export function targetOptions(overview: Pick<OverviewResult, 'databases'> | undefined, currentDatabase: string): TargetOption[] {
  return (overview?.databases ?? [])
    .filter((d) => d.name !== currentDatabase)
    .map((d) => ({
      name: d.name,
      role: d.role,
      sizeLabel: formatBytes(d.sizeBytes),
      websitesLabel: d.websites === null ? '—' : `${formatCount(d.websites)} website${d.websites === 1 ? '' : 's'}`,
      reachable: d.reachable,
      problem: d.reachable ? null : (d.error?.message ?? `${d.name} does not answer.`),
    }));
}

/** The first target that can be picked, so the wizard opens with a sensible choice. */
export function defaultTarget(options: readonly TargetOption[]): string | null {
  return options.find((o) => o.reachable)?.name ?? null;
}

export interface PlanRowView {
  table: string;
  level: number;
  rows: number;
  bytes: number;
  rowsLabel: string;
  bytesLabel: string;
}

export interface PlanView {
  rows: PlanRowView[];
  totalRowsLabel: string;
  totalBytesLabel: string;
  /** FK levels: a table's level is above every tenant table it references, which copy before it. */
  levels: number;
  materializedViews: string[];
}

export function planView(plan: MovePlan): PlanView {
  const rows = [...plan.tables]
    .sort((a, b) => a.level - b.level || a.table.localeCompare(b.table))
    .map((t) => ({ table: t.table, level: t.level, rows: t.rows, bytes: t.bytes, rowsLabel: formatCount(t.rows), bytesLabel: formatBytes(t.bytes) }));
  return {
    rows,
    totalRowsLabel: formatCount(plan.totalRows),
    totalBytesLabel: formatBytes(plan.totalBytes),
    levels: new Set(plan.tables.map((t) => t.level)).size,
    materializedViews: [...plan.materializedViews],
  };
}

export type PreflightOutcome = { kind: 'plan'; plan: MovePlan } | { kind: 'refused'; refusals: PreflightResult['refusals'] };

/** A preflight either allows the move with a plan or refuses it; an "ok" without a plan is a refusal too. */
export function preflightOutcome(result: PreflightResult): PreflightOutcome {
  if (result.ok && result.plan !== null && result.refusals.length === 0) return { kind: 'plan', plan: result.plan };
  const refusals =
    result.refusals.length > 0
      ? result.refusals
      : [{ code: 'NO_PLAN', message: 'The preflight found no reason to refuse, but returned no plan either. Try again.' }];
  return { kind: 'refused', refusals };
}

/** What the operator must type: the subdomain when the website has one, else its id. */
export function confirmationWord(website: { id: number; subdomain: string | null }): string {
  return website.subdomain !== null && website.subdomain.trim() !== '' ? website.subdomain.trim() : String(website.id);
}

/** The subdomain or the id, exactly (surrounding spaces ignored). */
export function confirmationMatches(typed: string, website: { id: number; subdomain: string | null }): boolean {
  const value = typed.trim();
  if (value === '') return false;
  return value === String(website.id) || (website.subdomain !== null && value === website.subdomain.trim());
}

export const WIZARD_STEPS = ['Target', 'Plan', 'Confirm'] as const;
export type WizardStep = 0 | 1 | 2;
