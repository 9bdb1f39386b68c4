import { assertDatabaseSet } from './assert-database-set.ts';
import { deepFreeze } from './deep-freeze.ts';
import { DEFAULT_GLOBAL_TABLES, DEFAULT_TENANT_KEYS, type DatabaseTarget, type ProfileFile, type ResolvedProfile } from './profile-schema.ts';

export const DEFAULT_POOL = Object.freeze({ max: 5, connectTimeoutMs: 5000, statementTimeoutMs: 30000 });

/** Checks the database set, fills the defaults and freezes: the last step of every way to load a profile. */
export function buildResolvedProfile(input: {
  name: string;
  source: string;
  databases: readonly DatabaseTarget[];
  tenantKeys?: readonly string[] | undefined;
  globalTables?: readonly string[] | undefined;
  migrationsDir?: string | undefined;
  backupDir?: string | undefined;
  pgDumpPaths?: Readonly<Record<string, string>> | undefined;
  queryRole?: ResolvedProfile['queryRole'] | undefined;
  readOnly?: boolean | undefined;
  pool?: ProfileFile['pool'];
}): ResolvedProfile {
  assertDatabaseSet(input.databases, input.source);
  // The primary first: it holds pwb_websites, so everything that lists databases starts there.
  const databases = [...input.databases].sort((a, b) => Number(b.role === 'primary') - Number(a.role === 'primary'));
  return deepFreeze({
    name: input.name,
    source: input.source,
    databases: databases.map(({ readOnly: _inherited, ...target }) => (input.readOnly ? { ...target, readOnly: true as const } : target)),
    tenantKeys: [...(input.tenantKeys ?? DEFAULT_TENANT_KEYS)],
    globalTables: [...(input.globalTables ?? DEFAULT_GLOBAL_TABLES)],
    ...(input.migrationsDir === undefined ? {} : { migrationsDir: input.migrationsDir }),
    ...(input.backupDir === undefined ? {} : { backupDir: input.backupDir }),
    ...(input.pgDumpPaths === undefined ? {} : { pgDumpPaths: { ...input.pgDumpPaths } }),
    ...(input.queryRole === undefined ? {} : { queryRole: { ...input.queryRole } }),
    readOnly: input.readOnly ?? false,
    pool: {
      max: input.pool?.max ?? DEFAULT_POOL.max,
      connectTimeoutMs: input.pool?.connectTimeoutMs ?? DEFAULT_POOL.connectTimeoutMs,
      statementTimeoutMs: input.pool?.statementTimeoutMs ?? DEFAULT_POOL.statementTimeoutMs,
    },
  });
}
