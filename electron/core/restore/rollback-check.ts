import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { ConsoleContext } from '../console-context.ts';
import { installFence, liftFence } from '../moves/write-fence.ts';
import { scopedTables } from '../moves/tenant-scope.ts';
import { rowHashOf, type RestoreDetail } from './restore-job-store.ts';
import { tableRules } from './restore-preflight.ts';
import { reopenArchive } from './restore-source.ts';
import { restoreTables } from './restore-tables.ts';
import { targetDigest } from './verify-restore.ts';

/*
 * Rolling back a replace that finished puts back the rows held before it, and so removes whatever the
 * website's rows are now. Once the restore lifted its fence the application wrote again: those writes
 * would go with the restored rows, without a word. So before such a rollback starts, the website is
 * fenced again and its rows are read back and compared with what the restore verified (same hash, same
 * read-back); any table that changed refuses the rollback, the fence comes off, and nothing else has
 * changed. The operator may say the changes go (`discardChanges`), having copied out what matters.
 */

/** Whether a rollback would undo a replace that finished (its fence lifted, the website written again since, maybe). */
export function rollsBackFinishedReplace(detail: Pick<RestoreDetail, 'request' | 'step' | 'rollbackFrom'>): boolean {
  return detail.request.mode === 'replace' && detail.step === 'done' && detail.rollbackFrom === null;
}

/** The tables whose website rows differ now from what the restore verified, each as `table (rows then -> now)`. */
async function changedTables(ctx: ConsoleContext, detail: RestoreDetail, catalog: DatabaseCatalog): Promise<string[]> {
  const { plan } = detail;
  const archive = await reopenArchive(plan.source, detail.fingerprint);
  try {
    // The catalog leaves side-by-side schemas out already (introspect-database.ts).
    const found = restoreTables(catalog, archive, tableRules(ctx), new Set());
    if (found.refusals.length) return found.refusals.map((r) => r.message);
    const options = {
      handle: ctx.pools.get(plan.target),
      catalog,
      websiteId: plan.websiteId,
      into: (t: (typeof found.tables)[number]) => ({ schema: t.scoped.table.schema, table: t.scoped.table.table, side: false }),
      encoding: archive.info.encoding,
      serverVersion: archive.info.serverVersion,
      rowHash: rowHashOf(detail),
    };
    const changed: string[] = [];
    for (const t of found.tables) {
      const then = detail.verification.find((v) => v.table === t.name);
      const now = await targetDigest(options, t);
      if (then === undefined || then.targetRows !== now.rows || then.targetHash !== now.hash)
        changed.push(`${t.name} (${then?.targetRows ?? 0} rows restored, ${now.rows} now)`);
    }
    return changed;
  } finally {
    await archive.close();
  }
}

/**
 * Fences the website (the rollback's own first step does the same, so it is kept for it) and refuses the
 * rollback, fence lifted, when the website's rows changed since the restore. A backup that cannot be
 * read any more leaves nothing to compare with: refused as well, unless the changes may go.
 */
export async function assertUnchangedSinceRestore(ctx: ConsoleContext, jobId: string, detail: RestoreDetail): Promise<void> {
  const { plan } = detail;
  const handle = ctx.pools.get(plan.target);
  const catalog = await ctx.catalog.get(plan.target, { refresh: true });
  await installFence(handle, catalog, scopedTables(catalog), plan.websiteId, jobId);
  let changed: string[];
  try {
    changed = await changedTables(ctx, detail, catalog);
  } catch (error) {
    await liftFence(handle, plan.websiteId);
    const why = error instanceof ConsoleError ? error.message : String(error);
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Restore job ${jobId} cannot check whether website ${plan.websiteId} changed since it was restored (${why}), and rolling back would remove any such change. Pass --discard-changes (the API's discardChanges) to roll back anyway.`,
      { target: jobId },
    );
  }
  if (changed.length === 0) return;
  await liftFence(handle, plan.websiteId);
  throw new ConsoleError(
    'ACTION_NOT_ALLOWED',
    `Website ${plan.websiteId} changed on ${plan.target} since restore job ${jobId} finished: ${changed.join(', ')}. Rolling back would put back the rows held before the restore and lose those changes. Copy out what should stay, then roll back with --discard-changes (the API's discardChanges); or keep the restored rows and discard what the job held.`,
    { target: jobId, details: { changed } },
  );
}
