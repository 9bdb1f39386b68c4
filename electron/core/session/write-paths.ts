import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConsoleError } from '../../../shared/errors.ts';

/*
 * Where the desktop window may have the console write a file. A page names a path as a string; were
 * that enough, a compromised page could have an export's rows (text it chose with a SELECT of literals)
 * or a profile (JSON with a name it chose) written over ~/.bashrc. So the window's calls may write only
 * into the console's own folder for that kind of file, or to a path the operator picked in the shell's
 * native save dialog (which grants it here). Other callers (the CLI, `serve`'s token-holding browser)
 * name their paths themselves, as a shell user does.
 */

export type WritePurpose = 'export' | 'profile';

/** The methods that write where the caller says, and how each one's params are checked (see WritePaths). */
export const WRITING_METHODS: Readonly<Record<string, (paths: WritePaths, params: never, caller: string) => Promise<void>>> = {
  'query.export': (paths, params: { file: string }, caller) => paths.check(params.file, 'export', caller),
  'profiles.save': (paths, params: { path: string }, caller) => paths.check(params.path, 'profile', caller),
  'backup.create': async (paths, params: { dir?: string }, caller) => paths.checkBackupFolder(params.dir, caller),
};

const WHAT: Record<WritePurpose, string> = { export: 'an export', profile: 'a profile' };

export class WritePaths {
  readonly #caller: string;
  readonly #folders: Readonly<Record<WritePurpose, string>>;
  readonly #granted = new Set<string>();

  /** `caller`: the window's (`ui`); `folders`: the console's own folder per kind of file. */
  constructor(caller: string, folders: Readonly<Record<WritePurpose, string>>) {
    this.#caller = caller;
    this.#folders = { export: resolve(folders.export), profile: resolve(folders.profile) };
  }

  /** The console's own folder for files of this kind. */
  folder(purpose: WritePurpose): string {
    return this.#folders[purpose];
  }

  /** A path the operator chose in the save dialog: the window may write it from now on. */
  grant(path: string): string {
    const absolute = resolve(path);
    this.#granted.add(absolute);
    return absolute;
  }

  /**
   * A folder the window names for the console to write a backup into: refused (the window backs up into
   * the profile's backup folder), or a page could have pg_dump's files made under any folder the user
   * may write. Other callers pass.
   */
  checkBackupFolder(dir: string | undefined, caller: string): void {
    if (caller !== this.#caller || dir === undefined) return;
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `The console's window backs up only into the profile's backup folder, not ${resolve(dir)}. To back up elsewhere, set "backupDir" in the profile, or run shard-console backup create --dir DIR. Nothing was written.`,
      { target: resolve(dir) },
    );
  }

  /**
   * Refuses a window's write outside the console's folder for it and not chosen in the dialog; creates
   * the console's folder when the file goes there. Other callers pass.
   */
  async check(path: string, purpose: WritePurpose, caller: string): Promise<void> {
    if (caller !== this.#caller) return;
    const absolute = resolve(path);
    if (this.#granted.has(absolute)) return;
    const folder = this.#folders[purpose];
    // Directly in the folder: `folder/../x` resolves elsewhere, and subfolders are not the console's.
    if (dirname(absolute) === folder) {
      await mkdir(folder, { recursive: true });
      return;
    }
    throw new ConsoleError(
      'ACTION_NOT_ALLOWED',
      `The console's window may write ${WHAT[purpose]} only into ${folder} or to a file chosen with "Choose…" (the save dialog), and ${absolute} is neither. Click Choose… and pick the file. Nothing was written.`,
      { target: absolute, details: { folder } },
    );
  }
}
