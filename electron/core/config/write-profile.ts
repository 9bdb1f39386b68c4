import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkProfileFile } from './check-profile-file.ts';
import type { ProfileFile } from './profile-schema.ts';

/**
 * Writes a profile the loader will accept, readable by its owner only (it names servers and users), and
 * atomically: a crash mid-write leaves the old profile, never half a file.
 */
export async function writeProfile(path: string, profile: ProfileFile): Promise<void> {
  const checked = checkProfileFile(profile, path);
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600, flag: 'wx', flush: true });
    // The mode given to writeFile is filtered by the umask; set it outright.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
