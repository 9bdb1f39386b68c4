import type pg from 'pg';
import { copyTenant, type CopyProgress } from './copy-tenant.ts';
import { deleteWebsiteRows } from './delete-website-rows.ts';
import { updateJob, type CopiedTable, type JobFields, type StoredJob } from './move-job-store.ts';
import type { MoveRun } from './move-run.ts';
import { materializedViewSources, viewSourceGate } from './refresh-views.ts';
import { assertRoutedTo } from './website-switch.ts';

/**
 * The copy step: clears whatever an earlier attempt left on the target (a rerun after a crash mid-copy:
 * it is this job's), then streams every tenant table, recording on the job each target transaction and
 * table copied (verification's proof of what the move wrote) and the progress.
 */
export async function copyStep(run: MoveRun): Promise<void> {
  const websiteId = run.job.website_id;
  await assertRoutedTo(run.ctx, websiteId, run.job.source);
  await deleteWebsiteRows(run.target, run.targetCatalog, run.targetTables, websiteId);
  const record = new CopyRecord(run.lock, run.job);
  await record.begin();
  const views = await viewSourceTables(run);
  await copyTenant(run.source, run.target, {
    // Leave a connection of each pool free: the job lock and the snapshot holder use two, and a
    // console polling the job (or serving other pages) needs one. A larger pool.max copies wider.
    parallel: Math.min(4, Math.max(1, run.ctx.profile.pool.max - 3)),
    websiteId,
    tables: run.tables,
    sourceCatalog: run.sourceCatalog,
    targetCatalog: run.targetCatalog,
    plannedRows: new Map((run.job.plan?.tables ?? []).map((t) => [t.table, t])),
    onTargetXid: (xid) => record.targetXid(xid),
    first: views.first,
    onTableCopied: async (table, copied) => {
      await record.tableCopied(table, copied);
      views.copied(table);
    },
    onProgress: (progress) => {
      record.progress(progress);
      run.listener({ jobId: run.job.id, step: 'copy', progress });
    },
  });
  await record.end();
}

/**
 * The tables the target's materialized views read: they copy first once ready, and when all of them are
 * in, the views' refresh starts while the other tables copy (the cleanup waits for it).
 */
async function viewSourceTables(run: MoveRun): Promise<{ first: ReadonlySet<string>; copied: (table: string) => void }> {
  const sources = await materializedViewSources(run.target);
  const tables = run.targetTables.map((t) => ({ name: t.name, schema: t.table.schema, table: t.table.table }));
  const gate = viewSourceGate(sources, tables, () => run.targetViews.start());
  // Views that may read any table (through a function) refresh once every table is in: none goes first.
  return { first: sources.complete ? gate.read : new Set(), copied: gate.written };
}

/**
 * What the copy writes on the job as it goes. One session (the job lock's) records for tables copying
 * in parallel, so the writes queue behind each other; progress is saved at most once a second per
 * table, and whenever a table is done.
 */
class CopyRecord {
  readonly #lock: pg.PoolClient;
  readonly #jobId: string;
  readonly #xids: string[] = [];
  readonly #copied: Record<string, CopiedTable> = {};
  readonly #progress: Map<string, CopyProgress>;
  #saving: Promise<void> = Promise.resolve();
  #lastSaved = 0;

  constructor(lock: pg.PoolClient, job: StoredJob) {
    this.#lock = lock;
    this.#jobId = job.id;
    const planned = job.plan?.tables ?? [];
    this.#progress = new Map(planned.map((t) => [t.table, { table: t.table, copiedRows: 0, totalRows: t.rows, done: false }]));
  }

  /** Forgets what an earlier attempt recorded: its rows on the target are gone. */
  async begin(): Promise<void> {
    await updateJob(this.#lock, this.#jobId, { copy_xids: [], copied: {}, progress: [...this.#progress.values()] });
  }

  /** Saved before the transaction commits: the proof of what the move wrote. */
  async targetXid(xid: string): Promise<void> {
    this.#xids.push(xid);
    await this.#save({ copy_xids: [...this.#xids] });
  }

  async tableCopied(table: string, copied: CopiedTable): Promise<void> {
    this.#copied[table] = copied;
    await this.#save({ copied: { ...this.#copied } });
  }

  progress(progress: CopyProgress): void {
    this.#progress.set(progress.table, progress);
    const now = Date.now();
    if (progress.done || now - this.#lastSaved > 1000) {
      this.#lastSaved = now;
      void this.#save({ progress: [...this.#progress.values()] }).catch(() => {});
    }
  }

  /** After the last table: the writes still queued, then the final progress. */
  async end(): Promise<void> {
    await this.#saving.catch(() => {});
    await updateJob(this.#lock, this.#jobId, { progress: [...this.#progress.values()] });
  }

  #save(fields: JobFields): Promise<void> {
    this.#saving = this.#saving.catch(() => {}).then(() => updateJob(this.#lock, this.#jobId, fields));
    return this.#saving;
  }
}
