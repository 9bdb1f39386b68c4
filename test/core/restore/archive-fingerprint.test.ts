import { mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintOf, reopenArchive, type RestoreSource } from '../../../electron/core/restore/restore-source.ts';

/*
 * A restore planned from an archive loads from that same archive when it resumes. A directory dump's
 * rows are in its data files, not its toc.dat: a data file swapped after the plan must be noticed too.
 */

const folders: string[] = [];
afterAll(async () => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));

async function directoryDump(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sc-fingerprint-'));
  folders.push(dir);
  await writeFile(path.join(dir, 'toc.dat'), 'toc');
  await writeFile(path.join(dir, '3001.dat.gz'), 'rows of the backup');
  return dir;
}

describe("a restore's archive fingerprint", () => {
  it("covers a directory dump's data files, and a resumed job refuses one swapped since its plan", async () => {
    const dir = await directoryDump();
    const planned = await fingerprintOf(dir);
    expect(planned).toMatchObject({ files: 2, bytes: 'toc'.length + 'rows of the backup'.length });
    // Another backup's data file copied in, its time kept (cp -p): the toc.dat is untouched.
    const data = path.join(dir, '3001.dat.gz');
    const when = new Date(planned.modifiedMs - 60_000);
    await writeFile(data, 'rows of another backup');
    await utimes(data, when, when);
    expect(await fingerprintOf(dir)).not.toEqual(planned);
    const source = { file: dir } as RestoreSource;
    await expect(reopenArchive(source, planned)).rejects.toMatchObject({
      code: 'RESTORE_FAILED',
      message: expect.stringContaining('not the file the restore was planned from'),
    });
  });

  it('notices a data file swapped for one of the same size with an older time; a file renamed over it with the same size and time is the same file', async () => {
    const dir = await directoryDump();
    const data = path.join(dir, '3001.dat.gz');
    const was = await stat(data);
    // The toc.dat is the newest file: a data file with an older time leaves the newest time as it was.
    const later = new Date(was.mtimeMs + 60_000);
    await utimes(path.join(dir, 'toc.dat'), later, later);
    const planned = await fingerprintOf(dir);
    const source = { file: dir } as RestoreSource;
    // cp -p of another backup's file of the same size: same total, same newest time, its own older time.
    await writeFile(data, 'ROWS OF THE BACKUP');
    await utimes(data, new Date(was.mtimeMs - 5_000), new Date(was.mtimeMs - 5_000));
    await expect(reopenArchive(source, planned)).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    // Renamed over by one of the very same size and time (rsync -t): its inode is new, but an inode is no
    // mark of a file on every disk (FAT and exFAT number files anew on each mount), so it passes.
    await writeFile(data, 'rows of the backup');
    await utimes(data, was.atime, was.mtime);
    const again = await fingerprintOf(dir);
    const swapped = path.join(dir, 'swap.tmp');
    await writeFile(swapped, 'rows of the backup');
    await utimes(swapped, was.atime, was.mtime);
    await rename(swapped, data);
    expect(await fingerprintOf(dir)).toEqual(again);
  });

  it("counts pg_dump's files only: what a file browser leaves in the folder changes nothing", async () => {
    const dir = await directoryDump();
    const planned = await fingerprintOf(dir);
    await writeFile(path.join(dir, '.DS_Store'), 'finder');
    await writeFile(path.join(dir, 'Thumbs.db'), 'explorer');
    expect(await fingerprintOf(dir)).toEqual(planned);
  });

  it('compares a job planned from the toc.dat alone as it was fingerprinted', async () => {
    const dir = await directoryDump();
    const legacy = await fingerprintOf(dir, true);
    expect(legacy.files).toBeUndefined();
    await writeFile(path.join(dir, 'toc.dat'), 'toc, changed');
    await expect(reopenArchive({ file: dir } as RestoreSource, legacy)).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
  });
});
