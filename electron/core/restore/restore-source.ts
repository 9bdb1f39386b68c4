import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { restoreSourceSchema } from '../../../shared/methods/restore-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { openArchive } from '../backups/archive/open-archive.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import { websiteRows } from '../backups/archive/website-rows.ts';
import { archivesAt, readManifest, readVerified, type ArchiveRef } from '../backups/backup-folder.ts';
import { DUMP_FILE } from '../backups/backup-checksums.ts';
import type { ClassifyOptions } from '../catalog/tenant-tables.ts';
import type { Refusal } from './restore-tables.ts';

export type RestoreSource = z.infer<typeof restoreSourceSchema>;

/** What the archive file was when the restore was planned: a resumed job refuses a file that changed. */
export interface ArchiveFingerprint {
  readonly bytes: number;
  readonly modifiedMs: number;
  /** A directory dump's: how many files it holds (bytes and time then cover them all). Absent in jobs planned from its toc.dat alone. */
  readonly files?: number;
  /**
   * Each file's name, size and time, hashed: a file swapped for another of the same size with an older
   * time (cp -p, rsync -t) changes neither the total nor the newest time, but its own time. (Not its
   * inode: FAT, exFAT and some CIFS mounts number files anew on each mount, and a resume after a reboot
   * must find the same backup disk the same.) Absent in jobs planned before it was taken (they compare as
   * they were fingerprinted).
   */
  readonly listing?: string;
}

export interface ChosenArchive {
  readonly source: RestoreSource;
  readonly archive: PgDumpArchive;
  readonly fingerprint: ArchiveFingerprint;
}

/**
 * The archive that holds the website: the one named (`archive`, a database of the backup's manifest);
 * else the database the manifest's routing says the website lived on; else, when the manifest does not
 * know the website, the only archive that holds rows of it (found by reading each). A lone archive is
 * its own answer. Returns a refusal when none or several fit.
 */
export async function chooseArchive(
  where: string,
  websiteId: number,
  named: string | undefined,
  rules: ClassifyOptions,
  signal?: AbortSignal,
): Promise<ChosenArchive | Refusal> {
  const { manifest, folder, archives } = await archivesAt(where);
  const chosen = await pickArchive(where, websiteId, named, rules, manifest, archives, signal);
  if ('code' in chosen) return chosen;
  // An archive whose last check found it damaged (its bytes not those recorded when it was made, or a
  // block that does not read) is never restored from unseen, nor when given by its own file's path. A
  // verification that passes lifts this; an archive the check found sound is restored even if another
  // database's failed.
  const home = folder === null ? await backupHolding(where) : { folder, database: chosen.source.database };
  const verified = home === null ? null : await readVerified(home.folder);
  if (verified?.ok !== false || (verified.damaged && !verified.damaged.includes(home?.database ?? ''))) return chosen;
  await chosen.archive.close();
  const which = home?.database ? `the archive of ${home.database}` : 'an archive';
  const found = verified.unreadable
    ? `has a verification record (verified.json, ${verified.at}) that cannot be read, so its last verification may have failed`
    : `failed its last verification (${verified.at}) on ${which}`;
  return {
    code: 'BACKUP_FAILED_VERIFICATION',
    message: `The backup at ${where} ${found}: its rows may not be what was backed up. Verify it again (Backups page, or backup verify PATH); if it fails again, restore from another backup.`,
  };
}

/** The backup folder a lone archive path lies in, and which database's archive its manifest says it is. */
async function backupHolding(file: string): Promise<{ folder: string; database: string | null } | null> {
  const folder = path.dirname(path.resolve(file));
  const manifest = await readManifest(folder).catch(() => null);
  if (!manifest) return null;
  const entry = manifest.databases.find((d) => d.file.replace(/\/$/, '') === path.basename(path.resolve(file)));
  return entry ? { folder, database: entry.name } : null;
}

async function pickArchive(
  where: string,
  websiteId: number,
  named: string | undefined,
  rules: ClassifyOptions,
  manifest: Awaited<ReturnType<typeof archivesAt>>['manifest'],
  archives: readonly ArchiveRef[],
  signal: AbortSignal | undefined,
): Promise<ChosenArchive | Refusal> {
  if (!manifest) return open(where, archives[0]!, 'only');
  const listed = archives.map((a) => a.database).join(', ');
  if (named !== undefined) {
    const ref = archives.find((a) => a.database === named);
    if (!ref)
      return {
        code: 'ARCHIVE_NOT_FOUND',
        message: `The backup at ${where} has no archive of a database named "${named}" (it has: ${listed}). Name one of those.`,
      };
    return open(where, ref, 'named');
  }
  const routed = manifest.routing[String(websiteId)];
  const unfinished = unfinishedRefusal(where, websiteId, manifest, routed);
  if (unfinished) return unfinished;
  if (routed !== undefined && !archives.some((a) => a.database === routed))
    return {
      code: 'ARCHIVE_NOT_FOUND',
      message: `The backup at ${where} has no archive of ${routed}, where website ${websiteId} lived when it ran (it backed up ${listed}): rows of it in another archive would be a half-done move's fragment, not the website. Restore from a backup of ${routed}; name another of its archives (--archive) only if you know it holds the website whole.`,
    };
  if (archives.length === 1) return open(where, archives[0]!, 'only');
  const ref = archives.find((a) => a.database === routed);
  if (ref) return open(where, ref, 'routing');
  const holding: ArchiveRef[] = [];
  for (const candidate of archives) {
    const archive = await openArchive(candidate.path, signal ? { signal } : {});
    try {
      const found = await websiteRows(archive, String(websiteId), { ...rules, ...(signal ? { signal } : {}) });
      if (found.rows > 0) holding.push(candidate);
    } finally {
      await archive.close();
    }
  }
  if (holding.length === 1) return open(where, holding[0]!, 'reading');
  if (holding.length === 0)
    return {
      code: 'NOT_IN_BACKUP',
      message: `No archive of the backup at ${where} holds rows of website ${websiteId} (read: ${listed}). Pick a backup from when it had rows.`,
    };
  return {
    code: 'ARCHIVE_AMBIGUOUS',
    message: `Rows of website ${websiteId} are in several archives of the backup at ${where} (${holding.map((a) => a.database).join(', ')}): a move was half done when it ran. Name the one to restore with --archive.`,
  };
}

/**
 * A backup some of whose dumps did not finish cannot say, unasked, which archive holds the website:
 * the one its routing names may be the missing one, and another archive's rows of it (a move half
 * done when the backup ran) are then a fragment, which a replace would put in place of the whole.
 */
function unfinishedRefusal(
  where: string,
  websiteId: number,
  manifest: NonNullable<Awaited<ReturnType<typeof archivesAt>>['manifest']>,
  routed: string | undefined,
): Refusal | null {
  if (manifest.incomplete.length === 0) return null;
  const missing = manifest.incomplete.find((i) => i.name === routed);
  if (missing)
    return {
      code: 'ARCHIVE_NOT_FOUND',
      message: `The backup at ${where} has no archive of ${missing.name}, where website ${websiteId} lived when it ran: that dump did not finish (${missing.error.message}). Restore from another backup; name another of its archives (--archive) only if you know it holds the website whole.`,
    };
  if (routed !== undefined) return null;
  const names = manifest.incomplete.map((i) => i.name).join(', ');
  return {
    code: 'ARCHIVE_NOT_FOUND',
    message: `The backup at ${where} does not say where website ${websiteId} lived, and the dumps of ${names} did not finish: its rows may have been there. Restore from another backup, or name the archive that holds it whole (--archive).`,
  };
}

async function open(where: string, ref: ArchiveRef, chosenBy: RestoreSource['chosenBy']): Promise<ChosenArchive> {
  const archive = await openArchive(ref.path);
  return {
    archive,
    fingerprint: await fingerprintOf(ref.path),
    source: {
      path: path.resolve(where),
      file: ref.path,
      database: ref.database,
      format: archive.info.compression === 'none' ? archive.info.format : `${archive.info.format} (${archive.info.compression})`,
      dumpedAt: archive.info.dumpedAtLocal,
      chosenBy,
    },
  };
}

/** The files pg_dump writes into a directory dump: toc.dat, a data file per table, large objects' tables of contents. */

/**
 * Size and modification time of an archive file; of a directory dump, of every file in it (its data
 * files are read by the load, not only its toc.dat: one swapped after the plan would load other rows).
 * `tocOnly`: as jobs planned before that were fingerprinted.
 */
export async function fingerprintOf(file: string, tocOnly = false): Promise<ArchiveFingerprint> {
  const info = await stat(file);
  if (!info.isDirectory()) return { bytes: info.size, modifiedMs: Math.round(info.mtimeMs), listing: listingOf([['', info]]) };
  if (tocOnly) {
    const toc = await stat(path.join(file, 'toc.dat'));
    return { bytes: toc.size, modifiedMs: Math.round(toc.mtimeMs) };
  }
  // pg_dump's own files only: a .DS_Store or Thumbs.db a file browser left there is no change of the dump.
  // Large objects' files are left out as they always were here (a restore reads none of them, and a job
  // planned before would find its fingerprint changed).
  const names = (await readdir(file)).filter((name) => DUMP_FILE.test(name) && !name.startsWith('blob_')).sort();
  const files = await Promise.all(names.map((name) => stat(path.join(file, name))));
  return {
    bytes: files.reduce((sum, f) => sum + f.size, 0),
    modifiedMs: Math.round(Math.max(...files.map((f) => f.mtimeMs))),
    files: files.length,
    listing: listingOf(names.map((name, i) => [name, files[i]!])),
  };
}

function listingOf(files: ReadonlyArray<readonly [string, Stats]>): string {
  const hash = createHash('sha256');
  for (const [name, f] of files) hash.update(`${name}\u0000${f.size}\u0000${Math.round(f.mtimeMs)}\n`);
  return hash.digest('hex');
}

/** The fingerprint taken now equals the planned one, in what the planned one recorded. */
function sameFingerprint(now: ArchiveFingerprint, planned: ArchiveFingerprint): boolean {
  const listed = planned.listing === undefined || now.listing === planned.listing;
  return now.bytes === planned.bytes && now.modifiedMs === planned.modifiedMs && now.files === planned.files && listed;
}

/** Opens the archive a job was planned from again, refusing one that changed since. */
export async function reopenArchive(source: RestoreSource, planned: ArchiveFingerprint): Promise<PgDumpArchive> {
  const now = await fingerprintOf(source.file, planned.files === undefined).catch(() => null);
  if (now === null || !sameFingerprint(now, planned)) {
    throw new ConsoleError(
      'RESTORE_FAILED',
      `The archive ${source.file} is ${now === null ? 'gone' : 'not the file the restore was planned from (its size or time changed)'}. Put the original back to resume, or roll the job back.`,
      {
        target: source.file,
      },
    );
  }
  return openArchive(source.file);
}
