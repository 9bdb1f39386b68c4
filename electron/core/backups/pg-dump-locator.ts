import { execFile } from 'node:child_process';
import { access, readdir, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConsoleError } from '../../../shared/errors.ts';

const run = promisify(execFile);

/** A pg_dump found on this machine, with the version it reports. */
export interface PgDumpBinary {
  readonly path: string;
  readonly major: number;
  /** `15.18`, as `pg_dump --version` prints it. */
  readonly version: string;
}

export interface LocateOptions {
  /** From the profile or the app's settings: major version -> pg_dump (the file, or its bin folder). */
  readonly configured?: Readonly<Record<string, string>>;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
}

const EXE = (platform: NodeJS.Platform) => (platform === 'win32' ? 'pg_dump.exe' : 'pg_dump');

/**
 * Folders whose names carry a version, as installers lay them out: `[parent, pattern]` where `*` is the
 * version (Debian/Ubuntu, RHEL's PGDG, Homebrew's versioned formulae, Postgres.app, the EDB installer).
 */
function versionedFolders(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Array<[string, RegExp, string]> {
  if (platform === 'win32') {
    const programFiles = [env.ProgramFiles ?? 'C:\\Program Files', env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)'];
    return programFiles.map((p) => [path.win32.join(p, 'PostgreSQL'), /^\d+(\.\d+)?$/, 'bin']);
  }
  const unix: Array<[string, RegExp, string]> = [
    ['/usr/lib/postgresql', /^\d+$/, 'bin'],
    ['/usr', /^pgsql-\d+$/, 'bin'],
  ];
  if (platform === 'darwin') {
    unix.push(
      ['/opt/homebrew/opt', /^postgresql@\d+$/, 'bin'],
      ['/usr/local/opt', /^postgresql@\d+$/, 'bin'],
      ['/Applications/Postgres.app/Contents/Versions', /^\d+(\.\d+)?$/, 'bin'],
    );
  }
  return unix;
}

/** A configured path: the pg_dump file itself, or the bin folder it is in. */
function configuredFile(given: string, platform: NodeJS.Platform): string {
  if (path.basename(given).toLowerCase().startsWith('pg_dump')) return given;
  return (platform === 'win32' ? path.win32 : path.posix).join(given, EXE(platform));
}

/** Every place to look, most specific first: configured paths, then PATH, then the usual install folders. */
async function candidatePaths(options: LocateOptions): Promise<string[]> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const exe = EXE(platform);
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  const candidates = Object.values(options.configured ?? {}).map((p) => configuredFile(p, platform));
  for (const dir of (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean)) candidates.push(join(dir, exe));
  for (const [parent, pattern, bin] of versionedFolders(platform, env)) {
    const names = await readdir(parent).catch(() => [] as string[]);
    for (const name of names.filter((n) => pattern.test(n))) candidates.push(join(parent, name, bin, exe));
  }
  if (platform !== 'win32') candidates.push('/usr/local/pgsql/bin/pg_dump', '/opt/homebrew/bin/pg_dump', '/usr/local/bin/pg_dump');
  return candidates;
}

/** `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` -> 15, `15.18`. */
export function parsePgDumpVersion(output: string): { major: number; version: string } | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  return { major: Number(match[1]), version: match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}` };
}

async function probe(file: string): Promise<PgDumpBinary | null> {
  try {
    await access(file, constants.X_OK);
    const { stdout } = await run(file, ['--version'], { timeout: 10_000 });
    const parsed = parsePgDumpVersion(stdout);
    return parsed ? { path: file, ...parsed } : null;
  } catch {
    return null;
  }
}

/**
 * The profile's own pg_dump paths, each checked: one that is not there, cannot run or is another major
 * than it is set for is refused, naming it, rather than passed over for whatever pg_dump PATH has (an
 * archive of a newer format than the pg_restore the operator meant to use).
 */
export async function assertConfiguredPgDumps(configured: Readonly<Record<string, string>>, platform: NodeJS.Platform = process.platform): Promise<void> {
  const problems: string[] = [];
  for (const [major, given] of Object.entries(configured)) {
    const file = configuredFile(given, platform);
    const binary = await probe(file);
    if (binary === null) problems.push(`${major}: ${file} is not a pg_dump that runs (missing, not executable, or printing no version)`);
    else if (String(binary.major) !== major) problems.push(`${major}: ${file} is pg_dump ${binary.version}, not ${major}`);
  }
  if (problems.length === 0) return;
  throw new ConsoleError(
    'CONFIG_INVALID',
    `Nothing was backed up: the profile's "pgDump" paths are wrong: ${problems.join('; ')}. Correct the paths (a pg_dump file or its bin folder, under the major version it reports), or remove them to use the pg_dump found on this machine.`,
    { details: { problems } },
  );
}

/** Every working pg_dump on this machine, one per real file, newest major first. */
export async function findPgDumpBinaries(options: LocateOptions = {}): Promise<PgDumpBinary[]> {
  const seen = new Set<string>();
  const found: PgDumpBinary[] = [];
  for (const candidate of await candidatePaths(options)) {
    const real = await realpath(candidate).catch(() => null);
    if (real === null || seen.has(real)) continue;
    seen.add(real);
    const binary = await probe(candidate);
    if (binary) found.push(binary);
  }
  return found.sort((a, b) => b.major - a.major);
}

/**
 * The pg_dump for a server of `serverMajor`: its own major when there is one (what pgAdmin picks, and
 * its archives open in the matching pg_restore), else the oldest newer one (pg_dump reads every older
 * server); never an older one, which refuses a newer server.
 */
export function choosePgDump(binaries: readonly PgDumpBinary[], serverMajor: number): PgDumpBinary | null {
  const exact = binaries.find((b) => b.major === serverMajor);
  if (exact) return exact;
  const newer = binaries.filter((b) => b.major > serverMajor).sort((a, b) => a.major - b.major);
  return newer[0] ?? null;
}

/** What to install (or configure) for a server of this major, per platform. */
export function installHint(serverMajor: number, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin')
    return `brew install postgresql@${serverMajor} (or Postgres.app), or set its pg_dump path for ${serverMajor} in the profile's "pgDump" paths`;
  if (platform === 'win32')
    return `the PostgreSQL ${serverMajor} command-line tools from the EDB installer, or set its pg_dump path for ${serverMajor} in the profile's "pgDump" paths`;
  return `postgresql-client-${serverMajor} (Debian/Ubuntu, from apt.postgresql.org) or postgresql${serverMajor} (RHEL, from the PGDG repository), or set its pg_dump path for ${serverMajor} in the profile's "pgDump" paths`;
}
