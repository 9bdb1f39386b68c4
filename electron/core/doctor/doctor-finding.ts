import type { Finding, FindingKind, FixLink, Severity } from '../../../shared/contract.ts';

/** A finding with every "where" field explicit, so none is forgotten by accident. */
export function finding(
  kind: FindingKind,
  severity: Severity,
  where: { database: string | null; table?: string | null; website?: number | null; rows?: number | null },
  message: string,
  fix: string,
  link: FixLink | null = null,
): Finding {
  return {
    kind,
    severity,
    database: where.database,
    table: where.table ?? null,
    website: where.website ?? null,
    rows: where.rows ?? null,
    message,
    fix,
    link,
  };
}

/** Links from a finding to the console page where its fix starts. */
export const fixLinks = {
  move: (websiteId: number, from: string, to: string): FixLink => ({
    action: 'move',
    label: `Move website ${websiteId} to ${to}`,
    href: `#/tenants/${websiteId}`,
    websiteId,
    from,
    to,
  }),
  cleanup: (websiteId: number | null, database: string): FixLink => ({
    action: 'cleanup',
    label: websiteId === null ? `Open ${database}` : `Website ${websiteId}: clean up ${database}`,
    href: websiteId === null ? `#/shards/${encodeURIComponent(database)}` : `#/tenants/${websiteId}`,
    websiteId,
    from: database,
    to: null,
  }),
  routing: (shard: string): FixLink => ({
    action: 'routing',
    label: `Websites on "${shard}"`,
    href: `#/tenants?shard=${encodeURIComponent(shard)}`,
    websiteId: null,
    from: null,
    to: null,
  }),
  refresh: (database: string): FixLink => ({
    action: 'refresh',
    label: `Open ${database}`,
    href: `#/shards/${encodeURIComponent(database)}`,
    websiteId: null,
    from: database,
    to: null,
  }),
};
