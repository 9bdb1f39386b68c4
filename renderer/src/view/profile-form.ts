import type { DatabaseForm, PasswordField, ProfileForm, ProfileSource } from '../../../shared/contract.ts';
import { formatDuration } from '../../../shared/format.ts';

/* The start screen's and profile form's view logic: labels, blank rows, list fields, client-side checks. */

export const DEFAULT_TENANT_KEYS = ['website_id', 'pwb_website_id'];
export const DEFAULT_GLOBAL_TABLES = ['pwb_websites', 'pwb_users', 'pwb_user_memberships', 'pwb_subscriptions', 'pwb_agencies', 'pwb_addresses'];

export function blankDatabase(shard: string): DatabaseForm {
  return { shard, host: 'localhost', port: 5432, database: '', user: 'postgres', password: { kind: 'none' }, ssl: 'prefer' };
}

export function blankProfile(): ProfileForm {
  return {
    name: '',
    databases: [blankDatabase('default')],
    rails: null,
    tenantKeys: [...DEFAULT_TENANT_KEYS],
    globalTables: [...DEFAULT_GLOBAL_TABLES],
    readOnly: false,
    backupDir: null,
    migrationsDir: null,
    pgDump: {},
    queryRole: null,
    pool: {},
  };
}

/** The next free `shard_N` for an added row; `alsoTaken`: names it must not take either (the database.yml's databases). */
export function nextShardName(databases: readonly DatabaseForm[], alsoTaken: readonly string[] = []): string {
  const taken = new Set([...databases.map((d) => d.shard), ...alsoTaken]);
  let n = 1;
  while (taken.has(`shard_${n}`)) n += 1;
  return `shard_${n}`;
}

/** `website_id, pwb_website_id` or one per line -> the list; blanks and repeats dropped. */
export function parseList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}

export const formatList = (items: readonly string[]) => items.join(', ');

/** A profile file's path for a name, in the app's folder: `Prod EU` -> `<dir>/prod-eu.json`. */
export function defaultProfilePath(dir: string, name: string): string {
  const slug =
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'profile';
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return `${dir.replace(/[\\/]+$/, '')}${sep}${slug}.json`;
}

/** What the form would refuse before it is sent: one sentence per problem, naming the field. */
export function formProblems(form: ProfileForm, secretStorage: 'keychain' | 'none'): string[] {
  const problems: string[] = [];
  if (form.name.trim() === '') problems.push('Give the profile a name.');
  const shards = form.databases.map((d) => d.shard);
  if (form.rails === null && !shards.includes('default')) problems.push('Name one database "default": the primary, which holds pwb_websites.');
  const twice = shards.find((s, i) => shards.indexOf(s) !== i);
  if (twice !== undefined) problems.push(`The shard name "${twice}" is used twice.`);
  for (const d of form.databases) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.shard)) problems.push(`"${d.shard}" is not a shard name: letters, digits and _.`);
    if (d.database.trim() === '') problems.push(`${d.shard}: give the database name.`);
    if (d.password.kind === 'typed' && secretStorage === 'none')
      problems.push(`${d.shard}: this console keeps no typed password; give it as an environment variable reference.`);
    if (d.password.kind === 'env' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(d.password.variable))
      problems.push(`${d.shard}: "${d.password.variable}" is not an environment variable name.`);
  }
  if (form.rails !== null && (form.rails.file.trim() === '' || form.rails.environment.trim() === ''))
    problems.push('Give the database.yml file and its environment, or remove the database.yml import.');
  if (form.queryRole?.password.kind === 'typed' && secretStorage === 'none')
    problems.push('Query role: this console keeps no typed password; give it as an environment variable reference.');
  if (form.tenantKeys.length === 0) problems.push('Give at least one tenant key column (website_id).');
  return problems;
}

/** How a password source reads in the form's list: never the value. */
export function passwordLabel(password: PasswordField): string {
  switch (password.kind) {
    case 'none':
      return 'none (trust, .pgpass or peer)';
    case 'env':
      return `$\{${password.variable}}`;
    case 'secret':
      return `keychain: ${password.name}`;
    case 'typed':
      return 'typed (stored in the keychain on save)';
  }
}

/** A source as one line: the file, the environment, or the demo. */
export function sourceLabel(source: ProfileSource): string {
  if (source.kind === 'profile') return source.path;
  if (source.kind === 'rails') return `${source.file} (${source.environment})`;
  return 'embedded demo cluster';
}

/** `a minute ago`, `3 days ago`: when a recent profile was last opened. */
export function openedAgo(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return 'just now';
  const steps: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** What the profile sets that the form has no field for (Rails shard names, pool settings), as phrases. */
export function keptSettingsText(form: ProfileForm): string[] {
  const kept: string[] = [];
  const names = Object.entries(form.rails?.shardNames ?? {});
  if (names.length > 0) kept.push(`Rails shard names ${names.map(([config, shard]) => `${config} \u2192 ${shard}`).join(', ')}`);
  const { max, connectTimeoutMs, statementTimeoutMs } = form.pool;
  if (max !== undefined) kept.push(`at most ${max} connections per database`);
  if (connectTimeoutMs !== undefined) kept.push(`connect timeout ${formatDuration(connectTimeoutMs)}`);
  if (statementTimeoutMs !== undefined) kept.push(`statement timeout ${formatDuration(statementTimeoutMs)}`);
  return kept;
}

/** The form's database.yml import, when it names a file and an environment (one being typed names neither yet). */
export function completeRailsImport(rails: ProfileForm['rails']): NonNullable<ProfileForm['rails']> | null {
  return rails !== null && rails.file.trim() !== '' && rails.environment.trim() !== '' ? rails : null;
}

type FromRails = NonNullable<DatabaseForm['fromRails']>;
const SHOWN_FIELDS = ['host', 'port', 'database', 'user', 'ssl', 'sslRootCert'] as const satisfies ReadonlyArray<keyof FromRails>;

/** One field of a row, set or (an optional one given no value) removed. */
function withField<R extends DatabaseForm | FromRails>(row: R, field: keyof FromRails, value: unknown): R {
  const next = { ...row } as Record<string, unknown>;
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next as R;
}

/**
 * The rows shown again over the database.yml as it reads now (another environment, another file): each
 * field a row showed from the database.yml and still shows unchanged takes the new value, and what it
 * shows from it is the new one, so the form shows what the saved profile will connect to. Fields the row
 * overrides stay. A row whose database the database.yml does not name is left as it is.
 */
export function rebaseRows(rows: readonly DatabaseForm[], yml: readonly DatabaseForm[]): DatabaseForm[] {
  return rows.map((row) => {
    const from = row.fromRails;
    const now = yml.find((y) => y.shard === row.shard);
    // The database.yml (this environment) does not name its database: left as it is, for switching back;
    // saved so, it is written whole (the save drops what it showed from a database.yml that lacks it).
    if (from === undefined || now === undefined) return row;
    let next: DatabaseForm = row;
    let shown: FromRails = {};
    for (const field of SHOWN_FIELDS) {
      // Shown from the database.yml: in what the row showed, or a CA it had none of (the entry names none).
      const fromYml = from[field] !== undefined || (field === 'sslRootCert' && row.sslRootCert === undefined);
      if (!fromYml) continue;
      if (row[field] === from[field]) next = withField(next, field, now[field]);
      shown = withField(shown, field, now[field]);
    }
    return { ...next, fromRails: shown };
  });
}

/**
 * A row renamed: it now stands for another database. Over one the database.yml names it is shown from
 * that one (what equals it is not written); otherwise it is written whole.
 */
export function renameRow(row: DatabaseForm, shard: string, yml: readonly DatabaseForm[] | null): DatabaseForm {
  if (shard === row.shard) return row;
  const { fromRails: _shownForAnother, ...rest } = row;
  const now = yml?.find((y) => y.shard === shard);
  return now?.fromRails === undefined ? { ...rest, shard } : { ...rest, shard, fromRails: now.fromRails };
}
