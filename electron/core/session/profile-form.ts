import { createHash } from 'node:crypto';
import type { DatabaseForm, PasswordField, ProfileForm } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { PRIMARY_SHARD_NAME } from '../config/build-database-target.ts';
import { BARE_REFERENCE } from '../config/expand-variables.ts';
import { parsePostgresUrl } from '../config/postgres-url.ts';
import { DEFAULT_GLOBAL_TABLES, DEFAULT_TENANT_KEYS, type ConnectionEntry, type DatabaseTarget, type ProfileFile } from '../config/profile-schema.ts';
import { locateUrlPassword } from '../config/url-password.ts';

/*
 * The profile form <-> the profile file. The form names every database by its fields; the file may use
 * a URL (read into fields), `${VAR}` references (kept) and `passwordSecret` (kept by name). A typed
 * password never reaches the file: the caller stores it and passes the secret name that replaces it.
 * With `rails`, an entry overrides only the fields it names of its database.yml database (`RailsBase`):
 * the form shows the database.yml's values for the rest, and writes back the fields the entry named and
 * those changed from what the form showed (`OpenedProfile`), nothing of the database.yml's own.
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

function connectionEntryOf(db: DatabaseForm, storedAs: string | undefined, opened: OpenedRow | undefined, overYml: boolean): ConnectionEntry {
  if (opened) return overrideOf(db, storedAs, opened);
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
 * An entry over a database.yml database, as the form opened it: the password, the fields the entry
 * named, and those changed since (so the app's file stays the source of the rest; 'disable' is written
 * when it turns TLS off there).
 */
function overrideOf(db: DatabaseForm, storedAs: string | undefined, opened: OpenedRow): ConnectionEntry {
  // Named by the entry (or its URL), or changed since the form showed it.
  const keep = (field: OverrideField) => opened.named.has(field) || db[field] !== opened.shown[field];
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

type OverrideField = 'host' | 'port' | 'database' | 'user' | 'ssl' | 'sslRootCert';

/** A row of a Rails profile as the form opened it: what its entry named, and what the form showed. */
interface OpenedRow {
  readonly named: ReadonlySet<OverrideField>;
  readonly shown: DatabaseForm;
}

/** The profile file the form was opened from, with the database.yml's databases it showed (see `openedRowsOf`). */
export interface OpenedProfile {
  readonly file: ProfileFile;
  readonly path: string;
  readonly railsBase: RailsBase | undefined;
}

/** The fields an entry names itself, directly or in its URL. */
function namedFields(entry: ConnectionEntry, where: string, shard: string): Set<OverrideField> {
  const fromUrl = entry.url === undefined ? undefined : parsePostgresUrl(hideVariables(entry.url), { file: where, entry: `${shard}.url` });
  const named = new Set<OverrideField>();
  for (const field of ['host', 'port', 'database', 'user', 'ssl', 'sslRootCert'] as const) {
    if (entry[field] !== undefined || fromUrl?.[field] !== undefined) named.add(field);
  }
  return named;
}

/** The rows of a Rails profile's entries as the form opened them, by shard; none for a profile without `rails`. */
function openedRowsOf(opened: OpenedProfile | undefined): ReadonlyMap<string, OpenedRow> {
  if (!opened?.file.rails) return new Map();
  const entries: Array<[string, ConnectionEntry]> = [
    ...(opened.file.primary ? [[PRIMARY_SHARD_NAME, opened.file.primary] as [string, ConnectionEntry]] : []),
    ...Object.entries(opened.file.shards ?? {}),
  ];
  return new Map(
    entries.map(([shard, entry]) => [
      shard,
      { named: namedFields(entry, opened.path, shard), shown: databaseFormOf(shard, entry, opened.path, opened.railsBase?.get(shard)) },
    ]),
  );
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
export function profileFileOf(form: ProfileForm, storedSecrets: ReadonlyMap<string, string>, opened?: OpenedProfile): ProfileFile {
  checkProfileForm(form);
  const rows = form.rails ? openedRowsOf(opened) : new Map<string, OpenedRow>();
  const connectionOf = (db: DatabaseForm) => connectionEntryOf(db, storedSecrets.get(db.shard), rows.get(db.shard), form.rails !== null);
  const primary = form.databases.find((d) => d.shard === PRIMARY_SHARD_NAME);
  const shards = form.databases.filter((d) => d.shard !== PRIMARY_SHARD_NAME);
  return {
    name: form.name,
    ...(primary ? { primary: connectionOf(primary) } : {}),
    ...(shards.length > 0 ? { shards: Object.fromEntries(shards.map((d) => [d.shard, connectionOf(d)])) } : {}),
    ...(form.rails ? { rails: railsEntryOf(form.rails) } : {}),
    tenantKeys: [...form.tenantKeys],
    globalTables: [...form.globalTables],
    ...(form.migrationsDir ? { migrationsDir: form.migrationsDir } : {}),
    ...(form.backupDir ? { backupDir: form.backupDir } : {}),
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

function databaseFormOf(shard: string, entry: ConnectionEntry, where: string, base?: DatabaseTarget): DatabaseForm {
  const fromUrl = entry.url === undefined ? undefined : parsePostgresUrl(hideVariables(entry.url), { file: where, entry: `${shard}.url` });
  const urlPassword = entry.url === undefined ? undefined : locateUrlPassword(entry.url)?.text;
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
  return {
    shard,
    host: showVariables(entry.host ?? fromUrl?.host ?? base?.host ?? 'localhost'),
    port: Number(port),
    database: showVariables(entry.database ?? fromUrl?.database ?? base?.database ?? ''),
    user: showVariables(entry.user ?? fromUrl?.user ?? base?.user ?? 'postgres'),
    password: passwordField(entry, urlPassword),
    ssl: sslModeOf(ssl),
    ...(sslRootCert ? { sslRootCert } : {}),
  };
}

/** A profile file as the form shows it. */
export function profileFormOf(file: ProfileFile, path: string, fallbackName: string, railsBase?: RailsBase): ProfileForm {
  const base = (shard: string) => (file.rails ? railsBase?.get(shard) : undefined);
  const databases = [
    ...(file.primary ? [databaseFormOf(PRIMARY_SHARD_NAME, file.primary, path, base(PRIMARY_SHARD_NAME))] : []),
    ...Object.entries(file.shards ?? {}).map(([shard, entry]) => databaseFormOf(shard, entry, path, base(shard))),
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
