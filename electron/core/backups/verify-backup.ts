import path from 'node:path';
import type { BackupManifest, VerifyResult } from '../../../shared/methods/backup-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { inspectArchive } from './archive/inspect-archive.ts';
import { openArchive } from './archive/open-archive.ts';
import { checksumDump } from './backup-checksums.ts';
import { readManifest, recordVerified } from './backup-folder.ts';

type FileCheck = VerifyResult['files'][number];

/** The first place a directory dump differs from its manifest: a file missing, added or changed. */
function directoryDifference(
  recorded: NonNullable<BackupManifest['databases'][number]['files']>,
  now: NonNullable<Awaited<ReturnType<typeof checksumDump>>['files']>,
): string {
  const byName = new Map(now.map((f) => [f.name, f]));
  for (const f of recorded) {
    const current = byName.get(f.name);
    if (!current) return `${f.name} is missing`;
    if (current.sha256 !== f.sha256) return `${f.name} changed (sha256 ${current.sha256}, recorded ${f.sha256})`;
  }
  const extra = now.find((f) => !recorded.some((r) => r.name === f.name));
  return extra ? `${extra.name} was added` : 'its file listing changed';
}

async function verifyDatabase(folder: string, entry: BackupManifest['databases'][number], job: RunningJob): Promise<FileCheck> {
  const file = path.join(folder, entry.file.replace(/\/$/, ''));
  const result = (ok: boolean, message: string): FileCheck => ({ name: entry.name, file: entry.file, ok, message });
  const checksum = await checksumDump(file, job.signal).catch((error: Error) => error);
  if (checksum instanceof Error) return result(false, `cannot be read: ${checksum.message}`);
  if (checksum.sha256 !== entry.sha256) {
    const where =
      entry.files && checksum.files
        ? directoryDifference(entry.files, checksum.files)
        : `sha256 is ${checksum.sha256}, the manifest recorded ${entry.sha256} (${checksum.bytes} bytes, recorded ${entry.bytes})`;
    return result(false, `checksum mismatch: ${where}`);
  }
  // The archive's structure: its header and TOC, and every data block read to the end.
  const archive = await openArchive(file, { signal: job.signal }).catch((error: unknown) => error as Error);
  if (archive instanceof Error) return result(false, archive.message);
  const inspection = await inspectArchive(archive, {
    signal: job.signal,
    onProgress: (p) => job.progress({ phase: entry.name, done: p.done, total: p.total, unit: p.unit }),
  });
  if (inspection.error) return result(false, inspection.error.message);
  const rows = inspection.tables.reduce((n, t) => n + t.rows, 0);
  // Data the reader does not parse (large objects; INSERT statements, which the console's own backups
  // never hold) is vouched for by the checksum alone: said, not passed over.
  // (BLOBS holds large objects' data; BLOB, or BLOB METADATA from PostgreSQL 17, only their owners and grants.)
  const unread = inspection.notRead.filter((e) => e.desc === 'BLOBS' || e.desc === 'TABLE DATA');
  const kinds = [...new Set(unread.map((e) => (e.desc === 'TABLE DATA' ? 'table data as INSERT statements' : 'large objects')))];
  const note = unread.length
    ? `; ${unread.length} data ${unread.length === 1 ? 'entry' : 'entries'} not read (${kinds.join(', ')}): checked by the checksum only`
    : '';
  return result(true, `checksum matches; ${inspection.tables.length} tables, ${rows} rows read${note}`);
}

/**
 * Re-reads every file of a backup: its checksum against the manifest's, then the archive itself, every
 * data block to the end (a damaged one names the file, the table and the byte offset). Records the
 * outcome beside the manifest for the Backups page.
 */
export async function verifyBackup(folder: string, job: RunningJob): Promise<VerifyResult> {
  const absolute = path.resolve(folder);
  const manifest = await readManifest(absolute);
  if (!manifest)
    throw new ConsoleError(
      'CONFIG_NOT_FOUND',
      `${absolute} has no manifest.json: verify checks a backup folder made by \`shard-console backup create\`. Open a lone archive with \`backup inspect\`.`,
      { target: absolute },
    );
  const files: FileCheck[] = [];
  for (const entry of manifest.databases) {
    files.push(await verifyDatabase(absolute, entry, job));
    // A stop reads as a file that "cannot be read" above: it must end the verify, not record a failure.
    job.signal.throwIfAborted();
  }
  for (const missing of manifest.incomplete) files.push({ name: missing.name, file: '', ok: false, message: `not in this backup: ${missing.error.message}` });
  const ok = files.every((f) => f.ok);
  const damaged = files.filter((f) => !f.ok && f.file !== '').map((f) => f.name);
  await recordVerified(absolute, ok, damaged).catch((error: Error) => {
    // The record before this one would go on speaking for the backup (a restore from it trusts an "ok").
    const outcome = ok ? 'passed' : `FAILED (${damaged.join(', ') || files.find((f) => !f.ok)?.name})`;
    throw new ConsoleError(
      'BACKUP_FAILED',
      `The verification of ${absolute} ${outcome}, but its outcome could not be written to verified.json (${error.message}): the Backups page and restores still go by the record before it. Make the folder writable (or move aside what is in the way) and verify again.`,
      { target: absolute },
    );
  });
  return { ok, files };
}
