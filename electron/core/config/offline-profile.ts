import { deepFreeze } from './deep-freeze.ts';
import { DEFAULT_POOL } from './build-resolved-profile.ts';
import { DEFAULT_GLOBAL_TABLES, DEFAULT_TENANT_KEYS, type ResolvedProfile } from './profile-schema.ts';

/**
 * A console without a cluster, for reading backups offline: no database, PWB's default tenant keys
 * and global tables, read-only. Methods that need a database answer that they need a profile.
 */
export function offlineProfile(): ResolvedProfile {
  return deepFreeze({
    name: 'offline',
    source: '(no profile: offline)',
    databases: [],
    tenantKeys: [...DEFAULT_TENANT_KEYS],
    globalTables: [...DEFAULT_GLOBAL_TABLES],
    readOnly: true,
    pool: { ...DEFAULT_POOL },
  });
}
