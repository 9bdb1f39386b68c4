import path from 'node:path';
import type pg from 'pg';
import type { ConnectionTestResult, DatabaseForm, ProfileForm } from '../../../shared/contract.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import { PRIMARY_SHARD_NAME, buildDatabaseTarget } from '../config/build-database-target.ts';
import type { Environment } from '../config/expand-variables.ts';
import { entryTarget, railsDatabasesOf } from '../config/load-profile.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { resolveConnectionEntry } from '../config/resolve-connection-entry.ts';
import type { SecretReader } from '../config/secret-store.ts';
import { databaseError } from '../pools/database-error.ts';
import { profileFileOf } from './profile-form.ts';
import { clientClassFor } from '../pools/prefer-tls.ts';
import { sslOption } from '../pools/ssl-option.ts';

const CONNECT_TIMEOUT_MS = 5_000;

/** Where the form's row is tested from: the file being edited and its database.yml import, when it has them. */
export interface TestedFrom {
  readonly profilePath?: string;
  readonly rails?: RailsImport;
}

type RailsImport = NonNullable<ProfileForm['rails']>;

/** The form's database as the loader would resolve it; a typed password is used as it is, once. */
async function targetOf(db: DatabaseForm, env: Environment, secrets: SecretReader, from: TestedFrom): Promise<DatabaseTarget> {
  const { profilePath, rails } = from;
  const typed = db.password.kind === 'typed' ? db.password.value : undefined;
  const row = { ...db, password: typed === undefined ? db.password : ({ kind: 'none' } as const) };
  // The row as the form would save it: over a database.yml, only what it overrides.
  const file = profileFileOf(
    {
      name: 'test',
      databases: [rails === undefined ? { ...row, shard: PRIMARY_SHARD_NAME } : row],
      rails: rails ?? null,
      tenantKeys: ['website_id'],
      globalTables: [],
      readOnly: true,
      backupDir: null,
      migrationsDir: null,
      pgDump: {},
      queryRole: null,
      pool: {},
    },
    new Map(),
  );
  // The file being edited, when there is one: what is relative in the entry (its CA) is read from its folder.
  const where = { file: profilePath === undefined ? 'the profile form' : path.resolve(profilePath), entry: db.shard };
  if (rails !== undefined) {
    // Over the database.yml as it reads now, as the loader will merge it: the fields the row does not
    // override (its password among them) are the database.yml's, whatever the row showed before.
    const entry = db.shard === PRIMARY_SHARD_NAME ? file.primary! : file.shards![db.shard]!;
    const imported = (await railsDatabasesOf(rails, path.resolve(profilePath ?? 'profile.json'), env)).find((t) => t.name === db.shard);
    const target = await entryTarget(db.shard, db.shard, entry, imported, where.file, env, secrets);
    return typed === undefined ? target : Object.freeze({ ...target, password: typed });
  }
  const parts = await resolveConnectionEntry(file.primary!, { ...where, env, secrets });
  return buildDatabaseTarget(
    typed === undefined ? parts : { ...parts, password: typed },
    { name: db.shard, origin: `the profile form: ${db.shard}`, ...where },
    env,
  );
}

/**
 * The failure told with the form's own text where it named a ${VAR}: the caller typed the reference, and
 * the value it stands for (an environment variable of this machine) is not the caller's to read back.
 */
function asTyped(info: ErrorInfo, target: DatabaseTarget, db: DatabaseForm): ErrorInfo {
  let message = info.message;
  for (const [expanded, typed] of [
    [target.host, db.host],
    [String(target.port), String(db.port)],
    [target.database, db.database],
    [target.user, db.user],
  ] as const) {
    if (expanded !== typed && expanded.length > 0) message = message.split(expanded).join(typed);
  }
  return { ...info, message };
}

/**
 * Connects to one database of the form, as the console would, and says what it found: server version,
 * round trip, and how many websites its pwb_websites lists (when it has one). Nothing is written.
 */
export async function testConnection(db: DatabaseForm, env: Environment, secrets: SecretReader, from: TestedFrom = {}): Promise<ConnectionTestResult> {
  let target: DatabaseTarget;
  let ssl: pg.ClientConfig['ssl'];
  try {
    target = await targetOf(db, env, secrets, from);
    // A CA file that cannot be read is the test's answer, as any other reason it cannot connect.
    ssl = sslOption(target);
  } catch (error) {
    if (error instanceof ConsoleError) return { ok: false, serverVersion: null, latencyMs: null, websites: null, error: error.toInfo() };
    throw error;
  }
  const Client = clientClassFor(target, CONNECT_TIMEOUT_MS);
  const client = new Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'shard-console (connection test)',
  });
  client.on('error', () => {});
  const started = performance.now();
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; has: boolean }>(
      "SELECT current_setting('server_version') AS version, to_regclass('public.pwb_websites') IS NOT NULL AS has",
    );
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const websites = rows[0]?.has ? Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM public.pwb_websites')).rows[0]?.n ?? 0) : null;
    return { ok: true, serverVersion: rows[0]?.version ?? null, latencyMs, websites, error: null };
  } catch (error) {
    return { ok: false, serverVersion: null, latencyMs: null, websites: null, error: asTyped(databaseError(target, error).toInfo(), target, db) };
  } finally {
    await client.end().catch(() => {});
  }
}
