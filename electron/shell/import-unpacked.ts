import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/*
 * Packages that carry executables (the embedded PostgreSQL server) are unpacked next to app.asar
 * (electron-builder's asarUnpack), because a program cannot be started from inside the archive:
 * Electron reads unpacked files through their archive path, but child_process.spawn does not, and
 * fs.stat on an archive path reports no execute bits. Loading such a package from its unpacked copy
 * makes every path it computes from its own location a real one.
 */

const ARCHIVE_SEGMENT = `${sep}app.asar${sep}`;
const UNPACKED_SEGMENT = `${sep}app.asar.unpacked${sep}`;

/** The real, unpacked location of a file inside app.asar; any other path unchanged. */
export function asarUnpackedPath(path: string): string {
  const at = path.lastIndexOf(ARCHIVE_SEGMENT);
  return at === -1 ? path : path.slice(0, at) + UNPACKED_SEGMENT + path.slice(at + ARCHIVE_SEGMENT.length);
}

/** Imports a package, resolved as `parentUrl` would, from its unpacked copy when it sits in app.asar. */
export async function importUnpacked<T = Record<string, unknown>>(specifier: string, parentUrl: string): Promise<T> {
  const entry = createRequire(parentUrl).resolve(specifier);
  return (await import(pathToFileURL(asarUnpackedPath(entry)).href)) as T;
}
