import { createHash } from 'node:crypto';
import type { DatabaseForm, PasswordField, ProfileForm } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { PRIMARY_SHARD_NAME } from '../config/build-database-target.ts';
import { BARE_REFERENCE } from '../config/expand-variables.ts';
import { parsePostgresUrl } from '../config/postgres-url.ts';
import { DEFAULT_GLOBAL_TABLES, DEFAULT_TENANT_KEYS, type ConnectionEntry, type DatabaseTarget, type ProfileFile } from '../config/profile-schema.ts';
import { locateUrlPassword, urlQuerySecrets } from '../config/url-password.ts';

/*
 * The profile form <-> the profile file. The form names every database by its fields; the file may use
 * a URL (read into fields), `${VAR}` references (kept) and `passwordSecret` (kept by name). A typed
 * password never reaches the file: the caller stores it and passes the secret name that replaces it.
 * With `rails`, an entry overrides only the fields it names of its database.yml database (`RailsBase`):
 * the form shows the database.yml's values for the rest, each row carrying what it showed so
 * (`fromRails`), and writes back the fields the entry named and those changed from what the row showed,
 * nothing of the database.yml's own (even when the database.yml changed between reading and saving).
 */

/** The databases of a profile's database.yml, by shard name: what its entries override. */
export type RailsBase = ReadonlyMap<string, DatabaseTarget>;

const sslModeOf = (ssl: DatabaseTarget['ssl'] | 'disable'): DatabaseForm['ssl'] => (ssl === false ? 'disable' : ssl === true ? 'require' : ssl);

/** The shard-like key a typed query-role password is stored under (never a shard name: those are identifiers). */
export const QUERY_ROLE_KEY = 'query-role';

/**
 * The keychain entry a typed password of this profile's database (or its query role) is stored under:
 * the profile's name for a person to read, and a hash of its file's path, so two profiles of the same
 * name (eu/prod.json and us/prod.json are both "prod") never overwrite each other's passwords.
 */
export function secretNameFor(profileName: string, shard: string, profilePath: string): string {
  return `shard-console/${profileName}@${createHash('sha256').update(profilePath).digest('hex').slice(0, 8)}/${shard}`;
}

function passwordEntry(password: PasswordField, storedAs: string | undefined): Pick<ConnectionEntry, 'password' | 'passwordSecret'> {
  switch (password.kind) {
    case 'none':
      return {};
    case 'env':
      return { password: `\${${password.variable}}` };
    case 'secret':
      return { passwordSecret: password.name };
    case 'typed':
      if (storedAs === undefined) throw new Error('a typed password must be stored before the profile is written');
      return { passwordSecret: storedAs };
  }
}

function connectionEntryOf(db: DatabaseForm, storedAs: string | undefined, overYml: boolean): ConnectionEntry {
  if (overYml && db.fromRails) return overrideOf(db, storedAs, db.fromRails);
  return {
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    ...passwordEntry(db.password, storedAs),
    // Unsaid means off, except over a database.yml, whose sslmode would then win.
    ...(db.ssl === 'disable' && !overYml ? {} : { ssl: db.ssl }),
    ...(db.sslRootCert ? { sslRootCert: db.sslRootCert } : {}),
  };
}

/**
 * An entry over a database.yml database: the password, and each field the row did not show from the
 * database.yml or changed since (so the app's file stays the source of the rest; 'disable' is written
 * when it turns TLS off there).
 */
function overrideOf(db: DatabaseForm, storedAs: string | undefined, fromRails: FromRails): ConnectionEntry {
  const keep = (field: OverrideField) => fromRails[field] === undefined || db[field] !== fromRails[field];
  return {
    ...(keep('host') ? { host: db.host } : {}),
    ...(keep('port') ? { port: db.port } : {}),
    ...(keep('database') ? { database: db.database } : {}),
    ...(keep('user') ? { user: db.user } : {}),
    ...passwordEntry(db.password, storedAs),
    ...(keep('ssl') ? { ssl: db.ssl } : {}),
    ...(db.sslRootCert && keep('sslRootCert') ? { sslRootCert: db.sslRootCert } : {}),
  };
}

type FromRails = NonNullable<DatabaseForm['fromRails']>;
type OverrideField = keyof FromRails;
const OVERRIDE_FIELDS = ['host', 'port', 'database', 'user', 'ssl', 'sslRootCert'] as const satisfies readonly OverrideField[];

/** The fields an entry names itself, directly or in its URL. */
function namedFields(entry: ConnectionEntry, fromUrl: Partial<Record<OverrideField, unknown>> | undefined): Set<OverrideField> {
  return new Set(OVERRIDE_FIELDS.filter((field) => entry[field] !== undefined || fromUrl?.[field] !== undefined));
}

/** Refuses a form the loader would refuse later: no primary, a shard named twice. Nothing is written. */
export function checkProfileForm(form: ProfileForm): void {
  const names = form.databases.map((d) => d.shard);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new ConsoleError('CONFIG_INVALID', `The profile names the database "${twice}" twice. Give each database its own shard name.`, {
      details: { shard: twice },
    });
  }
  if (form.rails === null && !names.includes(PRIMARY_SHARD_NAME)) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `The profile has no primary database. Name one database "${PRIMARY_SHARD_NAME}" (it holds pwb_websites), or import the databases from a database.yml.`,
    );
  }
}

/** The file to write for a checked form; `storedSecrets` maps a shard to the secret its typed password went to. */
export function profileFileOf(form: ProfileForm, storedSecrets: ReadonlyMap<string, string>): ProfileFile {
  checkProfileForm(form);
  const connectionOf = (db: DatabaseForm) => connectionEntryOf(db, storedSecrets.get(db.shard), form.rails !== null);
  const primary = form.databases.find((d) => d.shard === PRIMARY_SHARD_NAME);
  const shards = form.databases.filter((d) => d.shard !== PRIMARY_SHARD_NAME);
  return {
    name: form.name,
    ...(primary ? { primary: connectionOf(primary) } : {}),
    ...(shards.length > 0 ? { shards: Object.fromEntries(shards.map((d) => [d.shard, connectionOf(d)])) } : {}),
    ...(form.rails ? { rails: railsEntryOf(form.rails) } : {}),
    tenantKeys: [...form.tenantKeys],
    globalTables: [...form.globalTables],
    // Trimmed here, as saved: the form keeps what is typed (a space typed inside a path stays).
    ...(form.migrationsDir?.trim() ? { migrationsDir: form.migrationsDir.trim() } : {}),
    ...(form.backupDir?.trim() ? { backupDir: form.backupDir.trim() } : {}),
    ...(Object.keys(form.pgDump).length > 0 ? { pgDump: { ...form.pgDump } } : {}),
    ...(form.readOnly ? { readOnly: true } : {}),
    ...(form.queryRole ? { queryRole: { user: form.queryRole.user, ...passwordEntry(form.queryRole.password, storedSecrets.get(QUERY_ROLE_KEY)) } } : {}),
    ...(Object.keys(form.pool).length > 0 ? { pool: { ...form.pool } } : {}),
  };
}

function railsEntryOf(rails: NonNullable<ProfileForm['rails']>): NonNullable<ProfileFile['rails']> {
  const shardNames = rails.shardNames ?? {};
  return { file: rails.file, environment: rails.environment, ...(Object.keys(shardNames).length > 0 ? { shardNames: { ...shardNames } } : {}) };
}

/** `${VAR}` -> a token no URL parser touches, and back. */
const TOKEN = /__SCVAR_([A-Za-z_][A-Za-z0-9_]*)__/g;
const hideVariables = (text: string) => text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '__SCVAR_$1__');
const showVariables = (text: string) => text.replace(TOKEN, '${$1}');

/**
 * A URL's parts for the form's fields. One the loader opens but the form cannot split (the whole URL a
 * `${VAR}`, a variable for its port or sslmode) is told as that, never as a URL written wrong.
 */
function urlForForm(url: string, shard: string, where: string): ReturnType<typeof parsePostgresUrl> {
  try {
    return parsePostgresUrl(hideVariables(url), { file: where, entry: `${shard}.url` });
  } catch (error) {
    if (!fromVariables(url, error)) throw error;
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${where}: ${shard}.url is built from environment variables the form cannot show field by field (the profile itself opens). Edit that entry in the file itself.`,
      { target: where, details: { entry: `${shard}.url` } },
    );
  }
}

/**
 * Whether a URL fails to parse only for its variables: the whole URL one, a value the error names by
 * the variable's stand-in, or one that parses once its variables read as a number (a port's).
 */
function fromVariables(url: string, error: unknown): boolean {
  const variable = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;
  if (!variable.test(url)) return false;
  if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(url.trim()) || String((error as Error)?.message).includes('__SCVAR_')) return true;
  try {
    parsePostgresUrl(url.replace(variable, '5432'), { file: '', entry: '' });
    return true;
  } catch {
    return false;
  }
}

function passwordField(entry: ConnectionEntry, urlPassword: string | undefined): PasswordField {
  if (entry.passwordSecret !== undefined) return { kind: 'secret', name: entry.passwordSecret };
  const reference = entry.password ?? urlPassword;
  if (reference === undefined) return { kind: 'none' };
  const variable = BARE_REFERENCE.test(reference) ? reference.slice(2, -1) : undefined;
  // The loader refuses a password in clear, so a readable profile only holds references.
  if (variable === undefined)
    throw new ConsoleError(
      'CONFIG_INVALID',
      'The profile holds a password that is not a ${VAR} reference. Replace it with one (or a passwordSecret) and open the form again.',
    );
  return { kind: 'env', variable };
}

/**
 * A profile entry as a row of the form. Over a database.yml (`overYml`), the row also carries the fields
 * the entry does not name, with the values shown for them: the database.yml's (`base`), or the defaults
 * where it could not be read; saving writes those only when changed.
 */
function databaseFormOf(shard: string, entry: ConnectionEntry, where: string, base: DatabaseTarget | undefined, overYml: boolean): DatabaseForm {
  const fromUrl = entry.url === undefined ? undefined : urlForForm(entry.url, shard, where);
  // In the user info, or as `?password=${VAR}`, as the loader reads it.
  const urlPassword =
    entry.url === undefined
      ? undefined
      : (locateUrlPassword(entry.url)?.text ?? urlQuerySecrets(entry.url).find((q) => q.name.toLowerCase() === 'password' && BARE_REFERENCE.test(q.raw))?.raw);
  const port = entry.port ?? fromUrl?.port ?? base?.port ?? 5432;
  if (typeof port === 'string' && !/^\d+$/.test(port)) {
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${where}: ${shard}.port is "${port}", which the form cannot show as a number. Edit that entry in the file itself.`,
      { target: where },
    );
  }
  // A URL without sslmode means libpq's default, as the loader reads it, unless it overrides a database.yml's database.
  const ssl = entry.ssl ?? fromUrl?.ssl ?? (base ? base.ssl : entry.url === undefined ? false : 'prefer');
  const sslRootCert = entry.sslRootCert ?? (fromUrl?.sslRootCert === undefined ? base?.sslRootCert : showVariables(fromUrl.sslRootCert));
  const row: DatabaseForm = {
    shard,
    host: showVariables(entry.host ?? fromUrl?.host ?? base?.host ?? 'localhost'),
    port: Number(port),
    database: showVariables(entry.database ?? fromUrl?.database ?? base?.database ?? ''),
    user: showVariables(entry.user ?? fromUrl?.user ?? base?.user ?? 'postgres'),
    password: passwordField(entry, urlPassword),
    ssl: sslModeOf(ssl),
    ...(sslRootCert ? { sslRootCert } : {}),
  };
  if (!overYml) return row;
  const named = namedFields(entry, fromUrl);
  return { ...row, fromRails: Object.fromEntries(OVERRIDE_FIELDS.filter((f) => !named.has(f) && row[f] !== undefined).map((f) => [f, row[f]])) };
}

/** A database.yml database as a new row of a Rails profile's form: every field shown from it, so saving the row unchanged writes only its password. */
export function railsRowOf(target: DatabaseTarget, where: string): DatabaseForm {
  return databaseFormOf(target.name, {}, where, target, true);
}

/** A profile file as the form shows it. */
export function profileFormOf(file: ProfileFile, path: string, fallbackName: string, railsBase?: RailsBase): ProfileForm {
  // A row over a database.yml carries what it showed from it; a shard the database.yml (read) does not
  // name has nothing there to show or fall back to, and is written whole. Unread (gone, or not needed),
  // the row keeps to the fields its entry named, so the form's defaults are not written over it.
  const overYml = (shard: string) => file.rails !== undefined && (railsBase === undefined || railsBase.has(shard));
  const rowOf = (shard: string, entry: ConnectionEntry) => databaseFormOf(shard, entry, path, file.rails ? railsBase?.get(shard) : undefined, overYml(shard));
  const databases = [
    ...(file.primary ? [rowOf(PRIMARY_SHARD_NAME, file.primary)] : []),
    ...Object.entries(file.shards ?? {}).map(([shard, entry]) => rowOf(shard, entry)),
  ];
  return {
    name: file.name ?? fallbackName,
    databases,
    rails: file.rails ? { file: file.rails.file, environment: file.rails.environment, shardNames: { ...(file.rails.shardNames ?? {}) } } : null,
    tenantKeys: [...(file.tenantKeys ?? DEFAULT_TENANT_KEYS)],
    globalTables: [...(file.globalTables ?? DEFAULT_GLOBAL_TABLES)],
    readOnly: file.readOnly ?? false,
    backupDir: file.backupDir ?? null,
    migrationsDir: file.migrationsDir ?? null,
    pgDump: { ...(file.pgDump ?? {}) },
    queryRole: file.queryRole ? { user: file.queryRole.user, password: passwordField(file.queryRole, undefined) } : null,
    pool: { ...(file.pool ?? {}) },
  };
}
