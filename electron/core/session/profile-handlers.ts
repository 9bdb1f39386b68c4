import { createHash } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ProfileForm, profileMethods } from '../../../shared/contract.ts';
import type { ConnectionEntry, ProfileFile } from '../config/profile-schema.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { consoleSessionInfo } from '../cluster/session-info.ts';
import { checkProfileFile } from '../config/check-profile-file.ts';
import type { Environment } from '../config/expand-variables.ts';
import { railsDatabasesOf } from '../config/load-profile.ts';
import { parseJson } from '../config/parse-json.ts';
import { importRailsDatabaseYml, railsEnvironmentNames } from '../config/rails-database-yml.ts';
import { sealSecret } from '../config/secret-binding.ts';
import type { SecretStore } from '../config/secret-store.ts';
import { writeProfile } from '../config/write-profile.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import type { ConsoleSession } from './console-session.ts';
import { QUERY_ROLE_KEY, checkProfileForm, profileFileOf, profileFormOf, railsRowOf, secretNameFor, type RailsBase } from './profile-form.ts';
import { assertKeptSecretsFit, passwordServers } from './secret-servers.ts';
import { testConnection } from './test-connection.ts';

const SECRET_NOTES = {
  keychain: 'Passwords typed here are kept by the OS keychain; the profile file names them with passwordSecret.',
  none: 'This console keeps no secret (browser mode, or no OS keychain): give each password as an environment variable reference, ${VARIABLE}, set where Shard Console starts.',
} as const;

/** Where the app saves profiles unless told otherwise. */
export const profilesDirOf = (session: ConsoleSession) => join(session.options.dataDir, 'profiles');

async function savedProfiles(dir: string): Promise<Array<{ path: string; name: string }>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = await Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .map(async (n) => {
        const path = join(dir, n);
        try {
          const parsed = parseJson(await readFile(path, 'utf8'), path) as { name?: unknown };
          return { path, name: typeof parsed.name === 'string' ? parsed.name : basename(n, '.json') };
        } catch {
          return { path, name: basename(n, '.json') };
        }
      }),
  );
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether an entry leaves a field for its database.yml to give (it names no host or no database, itself or in a URL). */
function isPartial(entry: ConnectionEntry): boolean {
  return entry.url === undefined && (entry.host === undefined || entry.database === undefined);
}

/**
 * The database.yml databases a Rails profile's rows are shown with, when any entry needs them. Not read
 * when none does (a database.yml that moved must not keep the form from fixing the profile); a failure
 * keeps its code and says what the form needed it for.
 */
async function railsBaseOf(file: ProfileFile, profilePath: string, env: Environment): Promise<RailsBase | undefined> {
  const entries = [...(file.primary ? [file.primary] : []), ...Object.values(file.shards ?? {})];
  if (!file.rails || entries.length === 0) return undefined;
  try {
    const databases = await railsDatabasesOf(file.rails, profilePath, env);
    return new Map(databases.map((t) => [t.name, t]));
  } catch (error) {
    if (!(error instanceof ConsoleError)) throw error;
    // Every entry complete: the form needs nothing of the database.yml.
    if (!entries.some(isPartial)) return undefined;
    throw new ConsoleError(
      error.code,
      `${error.message} The profile ${profilePath} overrides single fields of that database.yml's databases, and the form shows them with the database.yml's values: fix the database.yml or its variables, or edit the profile file itself.`,
      { target: error.target ?? profilePath, ...(error.details ? { details: error.details } : {}) },
    );
  }
}

/** The profile file at `path`, checked as the loader checks it. */
async function readProfileFile(absolute: string): Promise<ProfileFile> {
  const text = await readFile(absolute, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConsoleError(
      error.code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
      `Cannot read the profile ${absolute}: ${error.code === 'ENOENT' ? 'there is no such file' : error.message}. Check the path.`,
      { target: absolute },
    );
  });
  return checkProfileFile(parseJson(text, absolute), absolute);
}

async function readProfileForm(path: string, env: Environment): Promise<{ path: string; form: ProfileForm; revision: string }> {
  const absolute = resolve(path);
  const revision = await revisionOf(absolute);
  const file = await readProfileFile(absolute);
  return { path: absolute, form: profileFormOf(file, absolute, basename(absolute, '.json'), await railsBaseOf(file, absolute, env)), revision };
}

/** The file's content as a short digest ('' when there is none): what a form read from it saves over. */
async function revisionOf(absolute: string): Promise<string> {
  const bytes = await readFile(absolute).catch(() => null);
  return bytes === null ? '' : createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/**
 * A form read from one file and saved to another folder: its relative paths (the database.yml, the
 * backup and migrations folders, pg_dump, a CA file) are read from the new file's folder by the loader,
 * so they are written absolute, naming the same files. One starting with a `${VAR}` is left as written.
 */
function rebasedForm(form: ProfileForm, from: string | undefined, to: string): ProfileForm {
  if (from === undefined || dirname(resolve(from)) === dirname(to)) return form;
  const base = dirname(resolve(from));
  const rebase = <T extends string | null | undefined>(value: T): T =>
    (value === null || value === undefined || value === 'system' || value.startsWith('${') || isAbsolute(value) ? value : resolve(base, value)) as T;
  return {
    ...form,
    rails: form.rails === null ? null : { ...form.rails, file: rebase(form.rails.file) },
    backupDir: rebase(form.backupDir),
    migrationsDir: rebase(form.migrationsDir),
    pgDump: Object.fromEntries(Object.entries(form.pgDump).map(([major, file]) => [major, rebase(file)])),
    databases: form.databases.map((d) => (d.sslRootCert === undefined ? d : { ...d, sslRootCert: rebase(d.sslRootCert) })),
  };
}

/**
 * A form read from the file saves over it only as it was read: another window, or `shard add` (which
 * writes the new shard into the profile), may have changed it since, and the form would put back what
 * it showed (a shard added meanwhile gone).
 */
async function assertUnchangedSince(absolute: string, revision: string | undefined): Promise<void> {
  if (revision === undefined || (await revisionOf(absolute)) === revision) return;
  throw new ConsoleError(
    'ACTION_NOT_ALLOWED',
    `${absolute} changed since this form read it (another window, or shard add, wrote it). Nothing was saved: open the profile's form again and make the change there.`,
    { target: absolute },
  );
}

/** A database.yml environment's databases as new rows of a Rails profile's form (see `railsRowOf`). */
async function railsRows(rails: NonNullable<ProfileForm['rails']>, profilePath: string, env: Environment) {
  const absolute = resolve(profilePath);
  const databases = await railsDatabasesOf(rails, absolute, env);
  return { databases: databases.map((t) => railsRowOf(t, absolute)) };
}

/**
 * The form with each row the database.yml does not name (another environment picked since the row was
 * shown) written whole: an override of a database it lacks would leave the loader nothing to fall back
 * to. A database.yml that cannot be read is the loader's to report: the rows stay as they are.
 */
async function wholeWhereYmlLacks(form: ProfileForm, profilePath: string, env: Environment): Promise<ProfileForm> {
  if (form.rails === null || !form.databases.some((d) => d.fromRails !== undefined)) return form;
  const named = await railsDatabasesOf(form.rails, profilePath, env).then(
    (databases) => new Set(databases.map((t) => t.name)),
    () => null,
  );
  if (named === null) return form;
  const whole = ({ fromRails: _shownFromAnother, ...row }: ProfileForm['databases'][number]) => row;
  return { ...form, databases: form.databases.map((d) => (d.fromRails !== undefined && !named.has(d.shard) ? whole(d) : d)) };
}

/**
 * Saves the form: every check first (the form, then the file the loader will read), then the typed
 * passwords into the keychain, then the file. A refused form stores no secret and writes nothing.
 */
async function saveProfile(
  session: ConsoleSession,
  path: string,
  given: ProfileForm,
  options: { overwrite: boolean; revision?: string | undefined; from?: string | undefined },
) {
  const absolute = resolve(path);
  const { overwrite } = options;
  checkProfileForm(given);
  // Rebased first: the database.yml a row is judged against is the one the saved file will name.
  const form = await wholeWhereYmlLacks(rebasedForm(given, options.from, absolute), absolute, session.options.env);
  const typed = [...form.databases, ...(form.queryRole ? [{ shard: QUERY_ROLE_KEY, password: form.queryRole.password }] : [])].filter(
    (d) => d.password.kind === 'typed',
  );
  const names = new Map(typed.map((d) => [d.shard, secretNameFor(form.name, d.shard, absolute)]));
  checkProfileFile(profileFileOf(form, names), absolute);
  const store = session.options.secrets as Partial<SecretStore>;
  if (typed.length > 0 && (session.options.secretStorage !== 'keychain' || store.set === undefined)) {
    throw new ConsoleError('CONFIG_INVALID', `${typed.map((d) => d.shard).join(', ')}: ${SECRET_NOTES.none} Nothing was saved.`, { target: absolute });
  }
  const servers = await passwordServers(form, absolute, session.options.env);
  await assertKeptSecretsFit(servers, session.options.secrets);
  if (
    !overwrite &&
    (await access(absolute).then(
      () => true,
      () => false,
    ))
  ) {
    throw new ConsoleError('ACTION_NOT_ALLOWED', `A file exists at ${absolute}. Save with "Replace it" ticked, or choose another path. Nothing was saved.`, {
      target: absolute,
    });
  }
  await assertUnchangedSince(absolute, options.revision);
  const putBack = await storeTyped(store as SecretStore, servers, names);
  try {
    // Again, just before writing: the keychain may have waited on the OS asking the user meanwhile.
    await assertUnchangedSince(absolute, options.revision);
    await writeProfile(absolute, profileFileOf(form, names));
  } catch (error) {
    // Refused or not written: the file on disk still names these secrets, as they were.
    await putBack();
    throw error;
  }
  return { path: absolute, storedSecrets: [...names.values()] };
}

/**
 * Stores each typed password bound to the servers it was typed for, and their TLS (config/secret-binding.ts);
 * returns what puts back the entries as they were (a save refused after storing them changes no secret).
 */
async function storeTyped(
  store: SecretStore,
  servers: Awaited<ReturnType<typeof passwordServers>>,
  names: ReadonlyMap<string, string>,
): Promise<() => Promise<void>> {
  const before = new Map<string, string | null>();
  for (const { key, password, servers: to, tls } of servers) {
    if (password.kind !== 'typed') continue;
    const name = names.get(key)!;
    if (!before.has(name)) before.set(name, (await store.get(name)) ?? null);
    await store.set(name, sealSecret(password.value, to, tls));
  }
  return async () => {
    for (const [name, value] of before) await (value === null ? store.delete(name) : store.set(name, value)).catch(() => {});
  };
}

async function railsEnvironments(session: ConsoleSession, file: string) {
  const absolute = resolve(file);
  const env = session.options.env;
  const names = await railsEnvironmentNames(absolute, { env });
  const environments = await Promise.all(
    names.map(async (name) => {
      try {
        const { databases } = await importRailsDatabaseYml(absolute, name, { env });
        return { name, databases: databases.map((d) => ({ shard: d.name, host: d.host, port: d.port, database: d.database })), error: null };
      } catch (error) {
        if (error instanceof ConsoleError) return { name, databases: [], error: error.toInfo() };
        throw error;
      }
    }),
  );
  return { file: absolute, environments };
}

/** The profile methods and `session.info`, answered by the session whether or not a profile is open. */
export function profileHandlers(session: ConsoleSession): HandlersFor<keyof typeof profileMethods | 'session.info'> {
  const { secretStorage } = session.options;
  return {
    'session.info': async () => consoleSessionInfo(session.current, secretStorage, session.openId),
    'profiles.list': async () => ({
      current: session.currentProfile,
      recent: await session.recent.list(),
      saved: await savedProfiles(profilesDirOf(session)),
      profilesDir: profilesDirOf(session),
      secretStorage,
      secretStorageNote: SECRET_NOTES[secretStorage],
      demo: {
        available: session.options.startDemo !== undefined,
        running: session.demoRunning,
        note: session.options.startDemo === undefined ? 'The embedded demo is not part of this build.' : null,
      },
    }),
    'profiles.open': async (params) => session.open(params.source),
    'profiles.forget': async (params) => ({ forgotten: await session.recent.forget(params.source) }),
    'profiles.read': async (params) => readProfileForm(params.path, session.options.env),
    'profiles.save': async (params) =>
      saveProfile(session, params.path, params.form, { overwrite: params.overwrite, revision: params.revision, from: params.from }),
    'profiles.testConnection': async (params) =>
      testConnection(params.database, session.options.env, session.options.secrets, { profilePath: params.profilePath, rails: params.rails }),
    'profiles.railsEnvironments': async (params) => railsEnvironments(session, params.file),
    'profiles.railsDatabases': async (params) => railsRows(params.rails, params.profilePath, session.options.env),
  };
}
