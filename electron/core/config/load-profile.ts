import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { ConsoleError } from '../../../shared/errors.ts';
import { PRIMARY_SHARD_NAME, buildDatabaseTarget } from './build-database-target.ts';
import { buildResolvedProfile } from './build-resolved-profile.ts';
import { checkProfileFile } from './check-profile-file.ts';
import { expandVariables, type Environment } from './expand-variables.ts';
import { parseJson } from './parse-json.ts';
import type { ConnectionParts } from './postgres-url.ts';
import type { ConnectionEntry, DatabaseTarget, ProfileFile, ResolvedProfile } from './profile-schema.ts';
import { importRailsDatabaseYml } from './rails-database-yml.ts';
import { resolveConnectionEntry, withUrlSslDefault } from './resolve-connection-entry.ts';
import { envSecretReader, type SecretReader } from './secret-store.ts';

export interface LoadProfileOptions {
  readonly env: Environment;
  /** Where `passwordSecret` names are looked up; without one, `SHARD_CONSOLE_SECRET_<NAME>` variables. */
  readonly secrets?: SecretReader | undefined;
}

/** The message for every "there is no such file" a person can hit when starting the console. */
export function profileNotFound(file: string): ConsoleError {
  return new ConsoleError(
    'CONFIG_NOT_FOUND',
    `No profile at ${file}. Run \`shard-console demo\` to create one, or pass --profile FILE / --rails-config FILE --env NAME.`,
    { target: file },
  );
}

async function readProfileText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw profileNotFound(file);
    throw new ConsoleError('CONFIG_INVALID', `Cannot read ${file}: ${(error as Error).message}. Pass the path of a profile file with --profile FILE.`, {
      target: file,
      cause: error,
    });
  }
}

function partsOf(target: DatabaseTarget): ConnectionParts {
  const { host, port, database, user, password, ssl, sslRootCert } = target;
  return { host, port, database, user, ssl, ...(password === undefined ? {} : { password }), ...(sslRootCert === undefined ? {} : { sslRootCert }) };
}

/** `${VAR}` expansion of one entry of the profile file, the entry named in the error. */
type Expand = (value: string, entry: string) => string;

/** A profile must name its primary, directly or through a database.yml, and never as a shard. */
function assertPrimaryNamed(profile: ProfileFile, path: string): void {
  if (profile.primary === undefined && profile.rails === undefined) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${path} lists no primary database. Give "primary" (and "shards"), or "rails": {"file": "config/database.yml", "environment": "production"}.`,
      { target: path },
    );
  }
  if (profile.shards?.[PRIMARY_SHARD_NAME] !== undefined) {
    throw new ConsoleError('CONFIG_INVALID', `${path}: shards.${PRIMARY_SHARD_NAME} is the primary's shard name. Put that database under "primary".`, {
      target: path,
      details: { entry: `shards.${PRIMARY_SHARD_NAME}` },
    });
  }
}

/**
 * The databases a profile's `rails` names, its variables expanded as the loader expands them: what the
 * profile's `primary`/`shards` entries override (the profile form shows and saves those entries against them).
 */
export function railsDatabasesOf(rails: NonNullable<ProfileFile['rails']>, profilePath: string, env: Environment): Promise<readonly DatabaseTarget[]> {
  return railsDatabases(rails, profilePath, env, (value, entry) => expandVariables(value, env, { file: profilePath, entry }));
}

/** The databases the profile's `rails` database.yml lists, its path taken from the profile's folder. */
async function railsDatabases(rails: NonNullable<ProfileFile['rails']>, path: string, env: Environment, expand: Expand): Promise<readonly DatabaseTarget[]> {
  const shardNames = Object.fromEntries(Object.entries(rails.shardNames ?? {}).map(([config, shard]) => [config, expand(shard, `rails.shardNames.${config}`)]));
  const railsFile = resolve(dirname(path), expand(rails.file, 'rails.file'));
  const imported = await importRailsDatabaseYml(railsFile, expand(rails.environment, 'rails.environment'), { env, shardNames });
  return imported.databases;
}

/** Adds the `primary` and `shards` entries to `databases`, each overriding the fields it names of an imported one of its name. */
async function addExplicitEntries(
  databases: Map<string, DatabaseTarget>,
  profile: ProfileFile,
  path: string,
  env: Environment,
  secrets: SecretReader,
): Promise<void> {
  const explicit: Array<[name: string, entry: string, connection: ConnectionEntry]> = [];
  if (profile.primary !== undefined) explicit.push([PRIMARY_SHARD_NAME, 'primary', profile.primary]);
  for (const [name, connection] of Object.entries(profile.shards ?? {})) explicit.push([name, `shards.${name}`, connection]);
  for (const [name, entry, connection] of explicit) databases.set(name, await entryTarget(name, entry, connection, databases.get(name), path, env, secrets));
}

/**
 * One `primary`/`shards` entry of a profile as the database it connects to: over `imported` (its
 * database.yml database of the same name) it overrides the fields it names, password included.
 */
export async function entryTarget(
  name: string,
  entry: string,
  connection: ConnectionEntry,
  imported: DatabaseTarget | undefined,
  path: string,
  env: Environment,
  secrets: SecretReader,
): Promise<DatabaseTarget> {
  const parts = await resolveConnectionEntry(connection, { file: path, entry, env, secrets });
  const merged = imported === undefined ? withUrlSslDefault(parts, connection) : { ...partsOf(imported), ...parts };
  return buildDatabaseTarget(merged, { name, origin: `${basename(path)}: ${entry}`, file: path, entry }, env);
}

/** The query console's own role, its password resolved like a database's. */
async function resolveQueryRole(
  queryRole: ProfileFile['queryRole'],
  path: string,
  env: Environment,
  secrets: SecretReader,
): Promise<ResolvedProfile['queryRole']> {
  if (queryRole === undefined) return undefined;
  const { user, ...password } = queryRole;
  const parts = await resolveConnectionEntry({ user, ...password }, { file: path, entry: 'queryRole', env, secrets });
  return { user: parts.user ?? user, password: parts.password, ...(parts.passwordFrom ? { passwordFrom: parts.passwordFrom } : {}) };
}

/**
 * Reads a cluster profile and resolves it into the databases to connect to. With `rails`, database.yml
 * lists the databases and `primary`/`shards` entries of the same name override single fields of them
 * (a tunnel's host and port, a keychain password), so the app's file stays the one source of truth.
 */
export async function loadProfile(path: string, options: LoadProfileOptions): Promise<ResolvedProfile> {
  const profile = checkProfileFile(parseJson(await readProfileText(path), path), path);
  const expand: Expand = (value, entry) => expandVariables(value, options.env, { file: path, entry });
  assertPrimaryNamed(profile, path);

  const databases = new Map<string, DatabaseTarget>();
  if (profile.rails !== undefined) {
    for (const target of await railsDatabases(profile.rails, path, options.env, expand)) databases.set(target.name, target);
  }
  const secrets = options.secrets ?? envSecretReader(options.env);
  await addExplicitEntries(databases, profile, path, options.env, secrets);
  const queryRole = await resolveQueryRole(profile.queryRole, path, options.env, secrets);

  return buildResolvedProfile({
    queryRole,
    name: profile.name === undefined ? basename(path, extname(path)) : expand(profile.name, 'name'),
    source: path,
    databases: [...databases.values()],
    tenantKeys: profile.tenantKeys?.map((key, index) => expand(key, `tenantKeys[${index}]`)),
    globalTables: profile.globalTables?.map((table, index) => expand(table, `globalTables[${index}]`)),
    readOnly: profile.readOnly,
    migrationsDir: profile.migrationsDir === undefined ? undefined : resolve(dirname(path), expand(profile.migrationsDir, 'migrationsDir')),
    backupDir: profile.backupDir === undefined ? undefined : resolve(dirname(path), expand(profile.backupDir, 'backupDir')),
    pgDumpPaths:
      profile.pgDump === undefined
        ? undefined
        : Object.fromEntries(Object.entries(profile.pgDump).map(([major, file]) => [major, resolve(dirname(path), expand(file, `pgDump.${major}`))])),
    pool: profile.pool,
  });
}
