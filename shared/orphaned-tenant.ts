import type { TenantSize } from './contract.ts';

/**
 * Whether a tenant of the largest-tenants list has rows no website carries (orphaned): only known when the
 * primary named the tenants (`websitesError` null). Without the names, a nameless tenant is not one.
 */
export function isOrphanedTenant(tenant: Pick<TenantSize, 'shard'>, namesKnown: boolean): boolean {
  return namesKnown && tenant.shard === null;
}
