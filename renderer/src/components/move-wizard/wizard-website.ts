import type { PreflightResult, TenantDetailResult } from '../../../../shared/contract.ts';

/** What the wizard knows of the website it moves. */
export type WizardWebsite = Pick<TenantDetailResult, 'id' | 'subdomain' | 'database' | 'shard'>;

/** The preflight call's state: running, answered, or failed. */
export type Preflight = { status: 'loading' } | { status: 'done'; result: PreflightResult } | { status: 'error'; error: unknown };
