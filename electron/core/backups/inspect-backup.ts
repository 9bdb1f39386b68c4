import type { ArchiveInspectionResult } from '../../../shared/methods/backup-methods.ts';
import type { z } from 'zod';
import type { websiteInBackupSchema } from '../../../shared/methods/backup-methods.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { inspectArchive, type ArchiveInspection } from './archive/inspect-archive.ts';
import { openArchive } from './archive/open-archive.ts';
import type { PgDumpArchive } from './archive/pg-dump-archive.ts';
import { websiteRows } from './archive/website-rows.ts';
import { archivesAt, type ArchiveRef } from './backup-folder.ts';

/** Which tables are tenant data and which are the control plane: the profile's, or PWB's defaults offline. */
export interface TableRules {
  readonly tenantKeys: readonly string[];
  readonly globalTables: readonly string[];
}

function progressTo(job: RunningJob, phase: string) {
  return (p: { done: number; total: number | null; unit: 'bytes' | 'rows' }) => job.progress({ phase, done: p.done, total: p.total, unit: p.unit });
}

function tableNote(t: ArchiveInspection['tables'][number], notRead: ArchiveInspection['notRead']): string | null {
  if (t.status === 'partial') return 'read partly: the archive is damaged inside this table';
  if (t.status === 'not reached') return 'not read: the archive is damaged before this table';
  return notRead.find((n) => n.table === t.table)?.reason ?? null;
}

function inspectionResult(ref: ArchiveRef, archive: PgDumpArchive, inspection: ArchiveInspection): ArchiveInspectionResult {
  const counted = inspection.tables.map((t) => ({ table: t.table, rows: t.rows, tenant: t.tenant, note: tableNote(t, inspection.notRead) }));
  const notRead = inspection.notRead
    .filter((n) => !counted.some((c) => c.table === n.table))
    .map((n) => ({ table: n.table ?? `${n.desc} ${n.tag}`, rows: 0, tenant: false, note: n.reason }));
  return {
    database: ref.database ?? archive.info.database,
    file: ref.file,
    format: archive.info.compression === 'none' ? archive.info.format : `${archive.info.format} (${archive.info.compression})`,
    archiveVersion: archive.info.archiveVersion,
    serverVersion: archive.info.serverVersion,
    pgDumpVersion: archive.info.pgDumpVersion,
    dumpedAt: archive.info.dumpedAtLocal,
    tables: [...counted, ...notRead],
    websites: inspection.websites.map((w) => ({ id: Number(w.websiteId), rows: w.rows })).filter((w) => Number.isSafeInteger(w.id)),
    error: inspection.error ?? archive.damage?.toInfo() ?? null,
  };
}

/** An archive that would not open: its entry says why, and the backup's other archives are still read. */
function unopened(ref: ArchiveRef, error: unknown): { database: string | null; file: string; error: ErrorInfo } {
  const info: ErrorInfo =
    error instanceof ConsoleError
      ? error.toInfo()
      : {
          code: 'ARCHIVE_UNREADABLE',
          message: `${ref.file} could not be opened: ${(error as Error)?.message ?? String(error)}. Check the file is there and readable.`,
        };
  return { database: ref.database ?? null, file: ref.file, error: info };
}

/** Opens each archive of the backup in turn; one that will not open is reported, not fatal. A stop still ends the call. */
async function eachArchive<T>(
  target: string,
  job: RunningJob,
  read: (ref: ArchiveRef, archive: PgDumpArchive) => Promise<T>,
  failed: (ref: ArchiveRef, error: unknown) => T,
): Promise<T[]> {
  const { archives, manifest, folder } = await archivesAt(target);
  const out: T[] = [];
  for (const ref of archives) {
    let archive: PgDumpArchive;
    try {
      archive = await openArchive(ref.path, { signal: job.signal, onProgress: progressTo(job, `opening ${ref.file}`) });
    } catch (error) {
      if (job.signal.aborted) throw error;
      out.push(failed(ref, error));
      continue;
    }
    try {
      out.push(await read(ref, archive));
    } finally {
      await archive.close().catch(() => {});
    }
  }
  // A database whose dump did not finish is named too: its websites' rows are not in this backup.
  for (const missing of manifest?.incomplete ?? []) {
    const error = new ConsoleError(
      'BACKUP_FAILED',
      `The dump of ${missing.name} did not finish (${missing.error.message}): its websites' rows are not in this backup. Take a new backup of it (shard-console backup create --database ${missing.name}).`,
      { target: missing.name },
    );
    out.push(failed({ database: missing.name, path: folder ?? target, file: '(not in this backup)' }, error));
  }
  return out;
}

/** Exact rows per table and per website in every archive of a backup (or the one archive given), read offline. */
export async function inspectBackup(target: string, rules: TableRules, job: RunningJob): Promise<{ archives: ArchiveInspectionResult[] }> {
  const archives = await eachArchive(
    target,
    job,
    async (ref, archive) => {
      const inspection = await inspectArchive(archive, { ...rules, signal: job.signal, onProgress: progressTo(job, ref.database ?? ref.file) });
      return inspectionResult(ref, archive, inspection);
    },
    (ref, error) => ({
      ...unopened(ref, error),
      format: 'unknown',
      archiveVersion: null,
      serverVersion: null,
      pgDumpVersion: null,
      dumpedAt: null,
      tables: [],
      websites: [],
    }),
  );
  return { archives };
}

type WebsiteInBackup = z.infer<typeof websiteInBackupSchema>;

/** One website in every archive of a backup: rows per table, and with `sampleRows` its first rows as stored. */
export async function websiteInBackup(target: string, websiteId: number, sampleRows: number, rules: TableRules, job: RunningJob): Promise<WebsiteInBackup> {
  const archives = await eachArchive<WebsiteInBackup['archives'][number]>(
    target,
    job,
    async (ref, archive) => {
      const found = await websiteRows(archive, String(websiteId), {
        ...rules,
        sampleRows,
        signal: job.signal,
        onProgress: progressTo(job, ref.database ?? ref.file),
      });
      return {
        database: ref.database ?? archive.info.database,
        file: ref.file,
        tables: found.tables.map((t) => ({
          table: t.table,
          rows: t.rows,
          ...(sampleRows > 0 ? { columns: [...t.columns], sample: t.sample.map((r) => [...r]), note: t.sampleNote } : {}),
        })),
        error: found.error ?? archive.damage?.toInfo() ?? null,
      };
    },
    (ref, error) => ({ ...unopened(ref, error), tables: [] }),
  );
  return { id: websiteId, archives };
}
