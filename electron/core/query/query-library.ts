import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConsoleError } from '../../../shared/errors.ts';
import { defaultDemoDir, type DemoDirContext } from '../demo/default-demo-dir.ts';
import { writeFileAtomic } from './atomic-file.ts';

/*
 * History and saved queries, per profile, in the user's data folder: never on the cluster (a read-only
 * console must not write there, and one operator's drafts are not another's). One JSON file per profile,
 * rewritten whole and atomically (temp + rename, mode 0600, folder 0700) on every change, so a crash
 * leaves the old file or the new one. Changes in one process are queued per file, and every change
 * (read, change, write) holds a lock file beside it, so two processes writing at once (the desktop app
 * and a CLI loop) each keep the other's change: a query saved in one is never lost to the other's write.
 */

/** How many runs the history keeps, newest first. */
export const HISTORY_LIMIT = 200;
/**
 * The history's statements together, at most (the newest is kept whatever its size): a few hundred
 * generated 500 kB statements would otherwise make every run rewrite a file of a hundred megabytes.
 */
export const HISTORY_BYTES = 4 * 1024 * 1024;
/** A lock older than this was left by a process that died mid-change: it is taken over. */
const STALE_LOCK_MS = 10_000;
/** Longer than a lock takes to go stale: a change right after a crash waits for the takeover, never LOCKED. */
const LOCK_WAIT_MS = 15_000;

const targetSchema = z.union([
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('shards') }),
  z.object({ kind: z.literal('databases'), names: z.array(z.string()) }),
  z.object({ kind: z.literal('website'), id: z.number() }),
]);
const historyEntrySchema = z.object({ sql: z.string(), target: targetSchema.optional(), at: z.string() });
const savedQuerySchema = z.object({ name: z.string(), sql: z.string(), target: targetSchema.optional(), savedAt: z.string() });
const libraryFileSchema = z.object({
  version: z.literal(1),
  profile: z.string(),
  history: z.array(historyEntrySchema),
  saved: z.array(savedQuerySchema),
});

export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type SavedQuery = z.infer<typeof savedQuerySchema>;
type LibraryFile = z.infer<typeof libraryFileSchema>;

/** `<per-user app data>/shard-console/queries`, beside the demo's folder (same per-OS convention). */
export function defaultQueryLibraryDir(context: Partial<DemoDirContext> = {}): string {
  const demo = defaultDemoDir(context);
  const join = demo.includes('\\') ? path.win32.join : path.posix.join;
  return join(demo.slice(0, demo.length - 'demo'.length), 'queries');
}

/**
 * Whose queries a file holds: a profile's name and where it was loaded from, so two profiles of one
 * name (two folders' "prod", two Rails apps' `rails:production`) keep their own history and saved queries.
 */
export function libraryKey(profile: { readonly name: string; readonly source: string }): string {
  // Absolute, as the loader read it: the CLI's `--profile prod.json` and the desktop app's full path are one file.
  return `${profile.name}\n${path.resolve(profile.source)}`;
}

export class QueryLibrary {
  readonly dir: string;
  readonly #historyLimit: number;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(dir: string, options: { historyLimit?: number } = {}) {
    this.dir = dir;
    this.#historyLimit = options.historyLimit ?? HISTORY_LIMIT;
  }

  /** The file holding a profile's queries (`profile`: a `libraryKey`): a readable name plus a hash, so two keys never share one. */
  fileFor(profile: string): string {
    const name = profile.split('\n')[0]!;
    const slug = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'profile';
    return path.join(this.dir, `${slug}-${createHash('sha256').update(profile).digest('hex').slice(0, 8)}.json`);
  }

  /** Newest first. */
  async history(profile: string): Promise<HistoryEntry[]> {
    return (await this.#read(profile)).history;
  }

  /** Records a run; the same statement and target as the newest entry only moves its time. */
  record(profile: string, entry: { sql: string; target?: HistoryEntry['target'] }, at = new Date()): Promise<void> {
    return this.#change(profile, (file) => {
      const newest = file.history[0];
      const same = newest && newest.sql === entry.sql && JSON.stringify(newest.target) === JSON.stringify(entry.target);
      const added: HistoryEntry = { sql: entry.sql, ...(entry.target ? { target: entry.target } : {}), at: at.toISOString() };
      file.history = withinBytes([added, ...file.history.slice(same ? 1 : 0)].slice(0, this.#historyLimit));
    });
  }

  clearHistory(profile: string): Promise<void> {
    return this.#change(profile, (file) => {
      file.history = [];
    });
  }

  /** By name. */
  async saved(profile: string): Promise<SavedQuery[]> {
    return (await this.#read(profile)).saved;
  }

  /** Saves a named query, replacing one of the same name. */
  async save(profile: string, query: { name: string; sql: string; target?: SavedQuery['target'] }, at = new Date()): Promise<void> {
    const name = checkedName(query.name);
    return this.#change(profile, (file) => {
      const saved: SavedQuery = { name, sql: query.sql, ...(query.target ? { target: query.target } : {}), savedAt: at.toISOString() };
      file.saved = [...file.saved.filter((q) => q.name !== name), saved].sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  async rename(profile: string, from: string, to: string): Promise<void> {
    const name = checkedName(to);
    return this.#change(profile, (file) => {
      const query = findSaved(file, from);
      if (name !== from && file.saved.some((q) => q.name === name)) {
        throw new ConsoleError('INVALID_PARAMS', `A saved query named "${name}" exists already. Pick another name, or delete that one first.`, {
          target: name,
        });
      }
      file.saved = [...file.saved.filter((q) => q !== query), { ...query, name }].sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  delete(profile: string, name: string): Promise<void> {
    return this.#change(profile, (file) => {
      const query = findSaved(file, name);
      file.saved = file.saved.filter((q) => q !== query);
    });
  }

  async #read(profile: string): Promise<LibraryFile> {
    const file = this.fileFor(profile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // A console before libraryKey kept a profile's queries under its name alone: they start this file.
      // One it cannot read starts nothing: this file is new, and that one stays as it is.
      const name = profile.split('\n')[0]!;
      const empty: LibraryFile = { version: 1, profile, history: [], saved: [] };
      if (name === profile) return empty;
      return this.#read(name).then(
        (legacy) => ({ ...legacy, profile }),
        () => empty,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const checked = libraryFileSchema.safeParse(parsed);
    if (!checked.success) {
      throw new ConsoleError(
        'CONFIG_INVALID',
        `${file} is not a query history file Shard Console can read. Move it aside (it is kept as it is) and the console starts a new one.`,
        {
          target: file,
        },
      );
    }
    return checked.data;
  }

  /** Read, change and write one profile's file, one change at a time per file. */
  #change(profile: string, change: (file: LibraryFile) => void): Promise<void> {
    const path = this.fileFor(profile);
    const previous = this.#queues.get(path) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await withFileLock(`${path}.lock`, async () => {
          const file = await this.#read(profile);
          change(file);
          await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
        });
      });
    this.#queues.set(path, next);
    return next;
  }
}

/** The newest entries whose statements fit in HISTORY_BYTES together; the newest always. */
function withinBytes(history: HistoryEntry[]): HistoryEntry[] {
  let bytes = 0;
  const kept = history.findIndex((e, i) => {
    bytes += Buffer.byteLength(e.sql);
    return i > 0 && bytes > HISTORY_BYTES;
  });
  return kept === -1 ? history : history.slice(0, kept);
}

/**
 * Moves a stale lock aside by a rename, which one waiter alone can make. One that renamed a fresh lock
 * instead (taken since it looked: another waiter's takeover) puts it back, unless a lock is there again.
 */
async function takeOverStale(lock: string): Promise<void> {
  const aside = `${lock}.${randomUUID()}.stale`;
  if (
    !(await rename(lock, aside).then(
      () => true,
      () => false,
    ))
  )
    return;
  const age = await stat(aside).then(
    (s) => Date.now() - s.mtimeMs,
    () => Number.POSITIVE_INFINITY,
  );
  if (age <= STALE_LOCK_MS) await link(aside, lock).catch(() => {});
  await rm(aside, { force: true });
}

/**
 * Runs `work` holding `lock` (created exclusively, removed after): another process's change waits its
 * turn. A lock left by a process that died is taken over once stale; one held too long is an error.
 */
async function withFileLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  // Ours alone: the lock is removed at the end only while it still holds this token.
  const token = `${process.pid} ${randomUUID()}`;
  for (;;) {
    try {
      await writeFile(lock, token, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await takeOverStale(lock);
      else if (Date.now() - started > LOCK_WAIT_MS) {
        throw new ConsoleError('LOCKED', `${lock} is held by another Shard Console writing its query history. Try again; remove the file if no console runs.`, {
          target: lock,
        });
      } else await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }
  try {
    return await work();
  } finally {
    if ((await readFile(lock, 'utf8').catch(() => null)) === token) await rm(lock, { force: true });
  }
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new ConsoleError('INVALID_PARAMS', 'A saved query needs a name of 1 to 200 characters, without control characters.');
  }
  return trimmed;
}

function findSaved(file: LibraryFile, name: string): SavedQuery {
  const query = file.saved.find((q) => q.name === name);
  if (!query) {
    const names = file.saved.map((q) => `"${q.name}"`).join(', ') || 'none';
    throw new ConsoleError('INVALID_PARAMS', `No saved query named "${name}" for profile ${file.profile}. Saved: ${names}.`, { target: name });
  }
  return query;
}
