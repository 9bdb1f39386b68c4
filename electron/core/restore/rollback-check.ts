import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseCatalog } from '../catalog/database-catalog.ts';
import type { ConsoleContext } from '../console-context.ts';
import { rowHashOf, type RestoreDetail } from './restore-job-store.ts';
import { tableRules } from './restore-preflight.ts';
import { reopenArchive } from './restore-source.ts';
import { restoreTables, withEveryLiveColumn } from './restore-tables.ts';
import { targetDigest } from './verify-restore.ts';

/*
 * Rolling back a replace that finished puts back the rows held before it, and so removes whatever the
 * website's rows are now. Once the restore lifted its fence the application wrote again: those writes
 * would go with the restored rows, without a word. So such a rollback fences the website again (its
 * first step) and then, as a step of its own, reads the website's rows back and compares them with
 * what the restore verified (same hash, same read-back); any table that changed refuses the rollback:
 * the fence comes off, the job is as it was, and nothing else has changed. Both are steps of the job,
 * recorded before they run: a process killed between them leaves the job interrupted, and running the
 * rollback again checks again. The operator may say the changes go (`discardChanges`), having copied
 * out what matters: then there is no check step.
 */

/** A rollback refused by its check: the job was put back as it was (fence lifted, still succeeded) before this was thrown. */
export class RollbackRefused extends Error {
  override readonly name = 'RollbackRefused';
  constructor(readonly refusal: ConsoleError) {
    super(refusal.message);
  }
}

/** The backup the restore read could not be opened again (moved, deleted, changed): nothing to compare with. */
class BackupGone extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Whether a rollback would undo a replace whose fence came off (the website written again since, maybe):
 * one that finished, or one stopped or killed during its unfence step, which may have lifted the fence.
 */
export function rollsBackFinishedReplace(detail: Pick<RestoreDetail, 'request' | 'step' | 'rollbackFrom'>): boolean {
  return detail.request.mode === 'replace' && (detail.step === 'done' || detail.step === 'unfence') && detail.rollbackFrom === null;
}

/** The tables whose website rows differ now from what the restore verified, each as `table (rows then -> now)`. */
async function changedTables(ctx: ConsoleContext, detail: RestoreDetail, catalog: DatabaseCatalog): Promise<string[]> {
  const { plan } = detail;
  const archive = await reopenArchive(plan.source, detail.fingerprint).catch((error: unknown) => {
    throw new BackupGone(error);
  });
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
      // Over every live column where the restore recorded that (a write to a column the backup lacked counts).
      const wide = withEveryLiveColumn(t);
      const stored = detail.liveDigests?.[t.name];
      // (Jobs recorded before digests over every live column were kept have none at all: compared as before.)
      if (wide && !stored && detail.liveDigests !== undefined) {
        // Columns added since the restore verified (a later migration): nothing says what they held then,
        // so a write to them cannot be told from none. Counted as a change: the operator decides.
        const added = wide.columns.filter((c) => !t.columns.includes(c)).join(', ');
        changed.push(`${t.name} (column(s) ${added} added since the restore: whether the website wrote to them cannot be checked)`);
        continue;
      }
      const verified = detail.verification.find((v) => v.table === t.name);
      const then = wide && stored ? stored : verified && { rows: verified.targetRows, hash: verified.targetHash };
      const now = await targetDigest(options, wide && stored ? wide : t);
      if (!then || then.rows !== now.rows || then.hash !== now.hash) changed.push(`${t.name} (${then?.rows ?? 0} rows restored, ${now.rows} now)`);
    }
    return changed;
  } finally {
    await archive.close();
  }
}

/**
 * Why the website's rows may not be rolled back, if they may not: the tables that changed since the
 * restore, or a backup that cannot be read any more (nothing to compare with). Null when none changed.
 */
export async function changedSinceRestore(ctx: ConsoleContext, jobId: string, detail: RestoreDetail, catalog: DatabaseCatalog): Promise<ConsoleError | null> {
  const { plan } = detail;
  let changed: string[];
  try {
    changed = await changedTables(ctx, detail, catalog);
  } catch (error) {
    if (!(error instanceof BackupGone)) {
      // Reading the website's rows failed (a timeout, a dropped connection): refused as it stands, a retry checks again.
      const why = error instanceof ConsoleError ? error.message : String(error);
      return new ConsoleError(
        'ACTION_NOT_ALLOWED',
        `Restore job ${jobId} could not read website ${plan.websiteId}'s rows on ${plan.target} to check them against the restore (${why}). Nothing was rolled back; roll back again once ${plan.target} answers.`,
        { target: jobId },
      );
    }
    const why = error.message;
    return new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `Restore job ${jobId} cannot check whether website ${plan.websiteId} changed since it was restored (${why}), and rolling back would remove any such change. Put the backup back where it was to have it checked, or pass --discard-changes --yes (the API's discardChanges; "Roll back anyway" in the app) to roll back without the check.`,
      { target: jobId, details: { unchecked: why } },
    );
  }
  if (changed.length === 0) return null;
  return new ConsoleError(
    'ACTION_NOT_ALLOWED',
    `Website ${plan.websiteId} changed on ${plan.target} since restore job ${jobId} finished: ${changed.join(', ')}. Rolling back would put back the rows held before the restore and lose those changes. Copy out what should stay, then roll back with --discard-changes --yes (the API's discardChanges); or keep the restored rows and discard what the job held.`,
    { target: jobId, details: { changed } },
  );
}
