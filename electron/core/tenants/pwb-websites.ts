import { sql } from 'kysely';
import { queryBuilder } from '../catalog/run-query.ts';

/*
 * PWB's pwb_websites on the primary, as far as the console reads it: which database serves each website
 * (shard_name) and how people recognise it (subdomain, custom domain). Every query on it is built
 * against this interface; the table belongs to the application, so the console only ever reads it
 * (a move switches shard_name, in moves/).
 */

export interface PwbWebsitesTable {
  id: number;
  subdomain: string | null;
  custom_domain: string | null;
  shard_name: string | null;
}

export interface ControlPlaneDatabase {
  pwb_websites: PwbWebsitesTable;
}

/** Builds queries on the control plane's tables; run them with runQuery on the primary. */
export const controlPlane = queryBuilder<ControlPlaneDatabase>();

/**
 * PWB's rule (`Website#database_shard`: `(shard_name.presence || 'default')`): a NULL, empty or
 * all-blank shard_name means `default`, the primary. Any other value names its shard as written.
 */
export const SHARD_SQL = `CASE WHEN shard_name IS NULL OR shard_name ~ '^[[:space:]]*$' THEN 'default' ELSE shard_name END`;

/** The shard a website routes to, as an expression of a query on pwb_websites. */
export const websiteShard = sql<string>`${sql.raw(SHARD_SQL)}`;
