import type pg from 'pg';
import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { databaseError } from '../pools/database-error.ts';
import { clientClassFor } from '../pools/prefer-tls.ts';
import { sslOption } from '../pools/ssl-option.ts';

/** A one-off client for the new shard (its database, or the server's `postgres` maintenance database). */
export function clientFor(target: DatabaseTarget, database: string): pg.Client {
  const Client = clientClassFor({ ...target, database }, 10_000);
  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database,
    ssl: sslOption(target),
    connectionTimeoutMillis: 10_000,
    application_name: 'shard-console',
  });
  client.on('error', () => undefined);
  return client;
}

/**
 * Connects to the new shard's database, creating it first through the server's `postgres` maintenance
 * database when it does not exist. Returns whether it was created.
 */
export async function ensureShardDatabase(target: DatabaseTarget): Promise<boolean> {
  const probe = clientFor(target, target.database);
  try {
    await probe.connect();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw databaseError(target, error);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const admin = clientFor(target, 'postgres');
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(target.database)}`);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501') {
      throw new ConsoleError(
        'DATABASE_ERROR',
        `User "${target.user}" may not create databases on ${target.host}:${target.port}. Create "${target.database}" there (CREATE DATABASE ...) or grant CREATEDB, then add the shard again.`,
        { target: target.name, cause: error },
      );
    }
    if (code === '3D000') {
      throw new ConsoleError(
        'DATABASE_ERROR',
        `Database "${target.database}" does not exist on ${target.host}:${target.port}, and the server has no "postgres" database to create it from. Create it yourself, then add the shard again.`,
        { target: target.name, cause: error },
      );
    }
    throw databaseError(target, error);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
