import type pg from 'pg';
import type { MoveStep, ViewRefresh } from '../../../shared/methods/move-methods.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseHandle } from '../pools/cluster-pools.ts';
import type { CopyProgress } from './copy-tenant.ts';
import { getJob, type StoredJob } from './move-job-store.ts';
import { TargetViewRefresh } from './target-view-refresh.ts';
import { scopedTables, type ScopedTable } from './tenant-scope.ts';

export interface MoveListener {
  (event: { jobId: string; step: MoveStep; progress?: CopyProgress; message?: string }): void;
}

/**
 * What every step of one run of a move job works with, read once when the run starts: the job, its two
 * databases with their catalogs and tenant tables, the session holding the job's lock (every write to
 * the job goes through it), the step timings it records, and the target's view refresh that spans steps.
 */
export interface MoveRun {
  readonly ctx: ConsoleContext;
  readonly lock: pg.PoolClient;
  /** The job as the run found it: its website, databases and plan do not change while it runs. */
  readonly job: StoredJob;
  readonly listener: MoveListener;
  readonly source: DatabaseHandle;
  readonly target: DatabaseHandle;
  readonly sourceCatalog: DatabaseCatalog;
  readonly targetCatalog: DatabaseCatalog;
  /** The source's tenant tables, in copy order. */
  readonly tables: readonly ScopedTable[];
  readonly targetTables: readonly ScopedTable[];
  readonly viewRefresh: ViewRefresh;
  /** Milliseconds per step (and per part of a step), saved on the job after every step. */
  readonly timings: Record<string, number>;
  readonly targetViews: TargetViewRefresh;
}

/** What a run starts from; the rest of `MoveRun` is read from the databases. */
export type MoveRunSetup = Pick<MoveRun, 'ctx' | 'lock' | 'job' | 'listener' | 'source' | 'target' | 'timings'>;

/** Reads both catalogs afresh (a resumed job may find either database changed) and sets the run up. */
export async function openMoveRun(setup: MoveRunSetup): Promise<MoveRun> {
  const { ctx, job } = setup;
  const [sourceCatalog, targetCatalog] = await Promise.all([ctx.catalog.get(job.source, { refresh: true }), ctx.catalog.get(job.target, { refresh: true })]);
  const viewRefresh = job.plan?.viewRefresh ?? 'concurrently';
  return {
    ...setup,
    sourceCatalog,
    targetCatalog,
    tables: scopedTables(sourceCatalog),
    targetTables: scopedTables(targetCatalog),
    viewRefresh,
    targetViews: new TargetViewRefresh(setup.target, targetCatalog, viewRefresh, setup.timings),
  };
}

/** The job as recorded now: what earlier steps, of this run or an earlier one, wrote on it. */
export function currentJob(run: MoveRun): Promise<StoredJob> {
  return getJob(run.ctx.pools.primary(), run.job.id);
}
