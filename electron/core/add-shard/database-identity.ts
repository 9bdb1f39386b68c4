import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { ClusterPools } from '../pools/cluster-pools.ts';
import { databaseError } from '../pools/database-error.ts';
import { clientFor } from './ensure-shard-database.ts';

/*
 * "The same database" decided by asking the servers, not by comparing how they are spelled: `127.1`,
 * `0.0.0.0`, `2130706433`, a DNS alias or a pooler's port all reach one server, and a shard registered
 * twice has its live rows called misplaced on the alias (and its sequences moved under it).
 */

/** What a server says about itself; each part is null where the role may not read it. */
export interface DatabaseIdentity {
  /** pg_control_system(): fixed when the cluster was initialised (a clone shares it, so it is not enough alone). */
  readonly systemIdentifier: string | null;
  /** pg_postmaster_start_time() in microseconds since 1970 (no time zone to differ): one per running server. */
  readonly startedAt: string;
  /** Superusers and pg_read_all_settings only. */
  readonly dataDirectory: string | null;
  /** inet_server_port(): the port the server itself listens on, whatever a proxy or alias in front says; null over a socket. */
  readonly serverPort: number | null;
  readonly database: string;
}

// Two statements: EXECUTE on a function is checked when the statement starts, even in a CASE branch never taken.
const CAN_READ_IDENTIFIER_SQL = `SELECT pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') AS readable`;
const SYSTEM_IDENTIFIER_SQL = `SELECT system_identifier::text AS system_identifier FROM pg_catalog.pg_control_system()`;
const IDENTITY_SQL = `SELECT
  (extract(epoch FROM pg_catalog.pg_postmaster_start_time()) * 1000000)::int8::text AS started_at,
  (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'data_directory') AS data_directory,
  pg_catalog.inet_server_port() AS server_port,
  pg_catalog.current_database() AS database`;

interface IdentityRow {
  started_at: string;
  data_directory: string | null;
  server_port: number | null;
  database: string;
}

interface Queryable {
  query<R extends object>(text: string): Promise<{ rows: R[] }>;
}

/** What the server says about itself, over any connection to the database. */
export async function readIdentity(db: Queryable): Promise<DatabaseIdentity> {
  const row = (await db.query<IdentityRow>(IDENTITY_SQL)).rows[0]!;
  const readable = (await db.query<{ readable: boolean }>(CAN_READ_IDENTIFIER_SQL)).rows[0]?.readable === true;
  const systemIdentifier = readable ? ((await db.query<{ system_identifier: string }>(SYSTEM_IDENTIFIER_SQL)).rows[0]?.system_identifier ?? null) : null;
  return { ...toIdentity(row), systemIdentifier };
}

function toIdentity(row: IdentityRow): Omit<DatabaseIdentity, 'systemIdentifier'> {
  return {
    startedAt: row.started_at,
    dataDirectory: row.data_directory,
    serverPort: row.server_port,
    database: row.database,
  };
}

/** One server: the same running postmaster, and nothing readable on both sides says otherwise. */
export function sameServer(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  if (a.systemIdentifier !== null && b.systemIdentifier !== null && a.systemIdentifier !== b.systemIdentifier) return false;
  if (a.startedAt !== b.startedAt) return false;
  if (a.dataDirectory !== null && b.dataDirectory !== null) return a.dataDirectory === b.dataDirectory;
  if (a.serverPort !== null && b.serverPort !== null) return a.serverPort === b.serverPort;
  return true;
}

export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  return a.database === b.database && sameServer(a, b);
}

/** The new shard's database as its server describes it; null when it does not exist yet (so it is none of the registered ones). */
async function newDatabaseIdentity(target: DatabaseTarget): Promise<DatabaseIdentity | null> {
  const client = clientFor(target, target.database);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    if ((error as { code?: string }).code === '3D000') return null;
    throw databaseError(target, error);
  }
  try {
    return await readIdentity(client);
  } catch (error) {
    throw databaseError(target, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function registeredIdentity(pools: ClusterPools, target: DatabaseTarget): Promise<DatabaseIdentity> {
  try {
    return await readIdentity(pools.get(target.name));
  } catch (error) {
    const cause = databaseError(target, error);
    throw new ConsoleError(
      cause.code,
      `${cause.message} Adding a shard needs every database of the profile to answer: without ${target.name} the console cannot tell that the new shard is not that database under another address. Bring it back, then add the shard again.`,
      { target: target.name, cause: error },
    );
  }
}

/**
 * Refuses, before anything changes, a new shard whose database is one the profile already has, however
 * its URL spells the server. Every registered database must answer.
 */
export async function assertNewDatabase(target: DatabaseTarget, pools: ClusterPools): Promise<void> {
  const [fresh, registered] = await Promise.all([
    newDatabaseIdentity(target),
    Promise.all(pools.targets.map(async (t) => ({ target: t, identity: await registeredIdentity(pools, t) }))),
  ]);
  if (fresh === null) return;
  const same = registered.find((r) => sameDatabase(r.identity, fresh));
  if (same === undefined) return;
  const how = fresh.systemIdentifier !== null ? `system identifier ${fresh.systemIdentifier}, ` : '';
  throw new ConsoleError(
    'SHARD_EXISTS',
    `${target.host}:${target.port}/${target.database} is ${same.target.name} (${same.target.host}:${same.target.port}/${same.target.database}) reached by another address: the same server (${how}started ${new Date(Number(BigInt(fresh.startedAt) / 1000n)).toISOString()}) and the same database. A shard needs a database of its own. Give the URL of another database (a new name is created on that server).`,
    { target: target.name, details: { registeredAs: same.target.name } },
  );
}
