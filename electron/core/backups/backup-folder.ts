import { open, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { backupManifestSchema, type BackupManifest } from '../../../shared/methods/backup-methods.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { bytesWritten } from './backup-checksums.ts';

/*
 * A backup on disk: a folder with manifest.json and one archive per database. Any single archive (a
 * custom file, a directory dump, a plain .sql) can be opened too; it is then its own one-archive "backup".
 */

export const MANIFEST = 'manifest.json';
/** Written by `backup verify` beside the manifest: when it last checked, and what it found. */
export const VERIFIED = 'verified.json';

/** An archive to read, with the database the manifest says it holds (null for a lone archive). */
export interface ArchiveRef {
  readonly database: string | null;
  /** Absolute path to the archive file or directory dump. */
  readonly path: string;
  /** As the result shows it: relative to the backup folder, or the path given. */
  readonly file: string;
}

export async function readManifest(folder: string): Promise<BackupManifest | null> {
  const text = await readFile(path.join(folder, MANIFEST), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConsoleError(
      'ARCHIVE_UNREADABLE',
      `${path.join(folder, MANIFEST)} is not valid JSON: the backup's manifest is damaged. Its archives can still be opened one by one.`,
      { target: folder },
    );
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConsoleError(
      'ARCHIVE_UNREADABLE',
      `${path.join(folder, MANIFEST)} is not a Shard Console backup manifest (${parsed.error.issues[0]?.message}). Open its archives one by one instead.`,
      { target: folder },
    );
  }
  return parsed.data;
}

/** The archives a path stands for: a backup folder's (through its manifest), or the one archive it is. */
export async function archivesAt(target: string): Promise<{ manifest: BackupManifest | null; folder: string | null; archives: ArchiveRef[] }> {
  const absolute = path.resolve(target);
  const info = await stat(absolute).catch(() => null);
  if (info === null)
    throw new ConsoleError('CONFIG_NOT_FOUND', `${absolute} does not exist. Give a backup folder (with manifest.json) or an archive file.`, {
      target: absolute,
    });
  const manifest = info.isDirectory() ? await readManifest(absolute) : null;
  if (!manifest) return { manifest: null, folder: null, archives: [{ database: null, path: absolute, file: target }] };
  const archives = manifest.databases.map((d) => ({ database: d.name, path: path.join(absolute, d.file.replace(/\/$/, '')), file: d.file }));
  return { manifest, folder: absolute, archives };
}

export interface BackupSummary {
  readonly path: string;
  readonly profile: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  readonly databases: string[];
  readonly bytes: number;
  readonly verified: { at: string; ok: boolean } | null;
  readonly problem: string | null;
}

/** The last verification's outcome; `damaged`: the databases whose archive failed its check (absent in older records). */
export async function readVerified(folder: string): Promise<{ at: string; ok: boolean; damaged?: string[]; unreadable?: boolean } | null> {
  const file = path.join(folder, VERIFIED);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : ''));
  if (text === null) return null;
  try {
    const json = JSON.parse(text) as { at?: unknown; ok?: unknown; damaged?: unknown };
    if (typeof json.at === 'string' && typeof json.ok === 'boolean') {
      const damaged = Array.isArray(json.damaged) && json.damaged.every((d) => typeof d === 'string') ? { damaged: json.damaged as string[] } : {};
      return { at: json.at, ok: json.ok, ...damaged };
    }
  } catch {
    // Below: a record that does not read is no verification that passed.
  }
  // There, but not readable (cut short by a crash, edited by hand): what it said is unknown, so it may
  // have been a failure; a restore takes it as one until the backup is verified again.
  const at = await stat(file).then(
    (s) => s.mtime.toISOString(),
    () => new Date(0).toISOString(),
  );
  return { at, ok: false, unreadable: true };
}

/** `damaged`: the databases whose archive is there but failed its check (a missing one is not damaged). */
export async function recordVerified(folder: string, ok: boolean, damaged: readonly string[] = []): Promise<void> {
  await writeFileDurably(path.join(folder, VERIFIED), `${JSON.stringify({ at: new Date().toISOString(), ok, damaged })}\n`);
}

/**
 * Writes `file` whole or not at all, even across a power loss: a temporary file beside it, on disk
 * before it takes the name, then the folder's entries on disk too (where folders can be opened to sync:
 * not on Windows, where the rename stands alone).
 */
export async function writeFileDurably(file: string, text: string): Promise<void> {
  const handle = await open(`${file}.tmp`, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(`${file}.tmp`, file);
  const folder = await open(path.dirname(file), 'r').catch(() => null);
  if (folder === null) return;
  try {
    await folder.sync().catch(() => {});
  } finally {
    await folder.close();
  }
}

/**
 * A folder inside the backup folder that is not a readable backup but was one, or is becoming one: its
 * manifest is damaged (ARCHIVE_UNREADABLE from readManifest), or it has none and holds what a backup
 * writes (`*.partial` while pg_dump runs, `*.dump` or a folder with a toc.dat once it has finished, the
 * manifest's temporary file).
 * Listed so that nobody loses sight of a backup (its archives can be opened one by one) or of the disk an
 * abandoned one takes. Null for anything else: a folder that was never a backup, or one this user may
 * not read (`lost+found` at the root of a backup disk).
 */
async function notABackup(folder: string, problem: unknown): Promise<BackupSummary | null> {
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) return null;
  const names = await readdir(folder).catch(() => [] as string[]);
  const partial = names.filter((n) => n.endsWith('.partial'));
  // A custom-format dump is NAME.dump; a directory-format one, a folder NAME/ holding pg_dump's toc.dat.
  const isDirectoryDump = (n: string) =>
    stat(path.join(folder, n, 'toc.dat')).then(
      (s) => s.isFile(),
      () => false,
    );
  const directories = await Promise.all(names.map(isDirectoryDump));
  const finished = names.filter((n, i) => n.endsWith('.dump') || directories[i]);
  let message: string;
  if (problem instanceof ConsoleError && problem.code === 'ARCHIVE_UNREADABLE') message = problem.message;
  else if (partial.length > 0 || finished.length > 0 || names.includes(`${MANIFEST}.tmp`)) {
    const what = partial.length > 0 ? `${partial.join(', ')} not finished` : 'its dumps finished, its manifest never written';
    message = `No manifest: a backup still running, or one whose console stopped before it finished (${what}). Once no backup is running, remove the folder; a finished dump in it can still be opened on its own.`;
  } else return null;
  const sizes = await Promise.all(names.map((n) => bytesWritten(path.join(folder, n))));
  const at = info.mtime.toISOString();
  return {
    path: folder,
    profile: '',
    startedAt: at,
    finishedAt: at,
    complete: false,
    databases: [],
    bytes: sizes.reduce((a, b) => a + b, 0),
    verified: null,
    problem: message,
  };
}

/** The backups directly inside `dir`, newest first, with the folders that should be and are not (see notABackup). */
export async function listBackups(dir: string, options: { named?: boolean } = {}): Promise<BackupSummary[]> {
  // The default folder before the first backup is simply empty; a folder the operator named must be there.
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (!options.named) return [] as string[];
    throw new ConsoleError(
      'INVALID_PARAMS',
      error.code === 'ENOTDIR'
        ? `${dir} is a file, not a folder of backups. Give the folder that holds the backup folders (each with its manifest.json).`
        : `Cannot read the folder ${dir} (${error.code ?? error.message}). Check the path: it should hold the backup folders (each with its manifest.json).`,
      { target: dir },
    );
  });
  const found: BackupSummary[] = [];
  for (const name of names) {
    const folder = path.join(dir, name);
    let problem: unknown = null;
    const manifest = await readManifest(folder).catch((error: unknown) => {
      problem = error;
      return null;
    });
    if (!manifest) {
      const listed = await notABackup(folder, problem);
      if (listed) found.push(listed);
      continue;
    }
    found.push({
      path: folder,
      profile: manifest.profile,
      startedAt: manifest.startedAt,
      finishedAt: manifest.finishedAt,
      complete: manifest.complete,
      databases: manifest.databases.map((d) => d.name),
      bytes: manifest.databases.reduce((n, d) => n + d.bytes, 0),
      verified: await readVerified(folder).then((v) => v && { at: v.at, ok: v.ok }),
      problem: null,
    });
  }
  return found.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
