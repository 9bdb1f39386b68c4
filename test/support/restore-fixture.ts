import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { createDispatcher, type Dispatch } from '../../electron/core/dispatch/dispatcher.ts';
import { createHandlers } from '../../electron/core/dispatch/handlers.ts';
import type { ConsoleContext } from '../../electron/core/console-context.ts';
import type { MethodName, MethodParams, MethodResult, RestoreJob } from '../../shared/contract.ts';
import { ConsoleError } from '../../shared/errors.ts';
import { startPrivateCluster, type PrivateCluster } from './private-cluster.ts';
import { otherWebsites, TENANT_TABLES, tenantSnapshot, websiteRows } from './tenant-snapshot.ts';

/*
 * A PostgreSQL 15 cluster of a test file's own for restores, archives of its databases made by the
 * machine's real pg_dump 15, a console on it and its dispatcher, and the snapshots a restore is judged by.
 */

export const PG_DUMP_15 = '/usr/lib/postgresql/15/bin/pg_dump';

export interface RestoreFixture {
  readonly pc: PrivateCluster;
  readonly ctx: ConsoleContext;
  readonly dispatch: Dispatch;
  /** A scratch folder for archives, removed by stop(). */
  readonly dir: string;
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
  /** pg_dump -Fc (gzip) of one database into `dir`; `timeZone` is the dumping session's (PGTZ). */
  dump(database: string, file: string, options?: { timeZone?: string; format?: 'custom' | 'directory' | 'plain'; extraArgs?: string[] }): Promise<string>;
  sql<R extends pg.QueryResultRow = any>(database: string, text: string, values?: unknown[]): Promise<R[]>;
  /** Waits for a restore this console runs to end, and returns it as restores.get does. */
  settle(jobId: string): Promise<RestoreJob>;
  stop(): Promise<void>;
}

export async function startRestoreFixture(options: { websites?: number; scale?: number } = {}): Promise<RestoreFixture> {
  const pc = await startPrivateCluster({ major: 15, websites: options.websites ?? 7, scale: options.scale ?? 0.02 });
  const ctx = await pc.open();
  const dispatch = createDispatcher(createHandlers(ctx), { validateResults: true });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sc-restore-test-'));
  const call = async <M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> => {
    const envelope = await dispatch(method, params, { caller: 'test' });
    if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
    return envelope.result as MethodResult<M>;
  };
  return {
    pc,
    ctx,
    dispatch,
    dir,
    call,
    dump: (database, file, dumpOptions = {}) => runPgDump(pc, database, path.join(dir, file), dumpOptions),
    async sql(database, text, values = []) {
      const client = await pc.client(database);
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async settle(jobId) {
      await ctx.jobs.whenDone(jobId);
      return call('restores.get', { jobId });
    },
    async stop() {
      await pc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runPgDump(
  pc: PrivateCluster,
  database: string,
  file: string,
  options: { timeZone?: string; format?: 'custom' | 'directory' | 'plain'; extraArgs?: string[] },
): Promise<string> {
  const server = pc.cluster.servers.find((s) => s.name === database)!;
  const format = { custom: '-Fc', directory: '-Fd', plain: '-Fp' }[options.format ?? 'custom'];
  const args = [format, '-h', server.host, '-p', String(server.port), '-U', server.user, '-d', server.database, '-f', file, ...(options.extraArgs ?? [])];
  const env = { ...process.env, PGPASSWORD: pc.cluster.password, ...(options.timeZone ? { PGTZ: options.timeZone } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(PG_DUMP_15, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(file) : reject(new Error(`pg_dump exited ${code}: ${err}`))));
  });
}

/** The website's rows (table -> rows and hash) and every other website's, to compare before and after. */
export async function websiteState(
  pc: PrivateCluster,
  websiteId: number,
): Promise<{ databases: string[]; tables: Record<string, { rows: number; hash: string }>; others: string }> {
  const snapshot = await tenantSnapshot(pc);
  return { ...websiteRows(snapshot, websiteId), others: otherWebsites(snapshot, [websiteId]) };
}

/**
 * Every table's contents in every database (the console's own bookkeeping in `shard_console` left out:
 * a refused restore may record nothing, but the audit log says it was asked): equal means nothing changed.
 */
export async function clusterContent(pc: PrivateCluster): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const server of pc.cluster.servers) {
    const client = await pc.client(server.name);
    try {
      const tables = await client.query<{ name: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'shard_console') ORDER BY 1`,
      );
      for (const { name } of tables.rows) {
        const r = await client.query(`SELECT count(*) AS n, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) AS h FROM ${name} t`);
        out[`${server.name}:${name}`] = `${r.rows[0].n}/${r.rows[0].h}`;
      }
      const schemas = await client.query<{ n: string }>(
        `SELECT string_agg(nspname, ',' ORDER BY nspname) AS n FROM pg_namespace WHERE nspname !~ '^pg_(toast_)?temp_'`,
      );
      out[`${server.name}:schemas`] = schemas.rows[0]!.n;
      // Per schema: a side-by-side restore's own sequences are its schema's, beside its tables.
      const sequences = await client.query<{ schema: string; s: string }>(
        `SELECT schemaname AS schema, string_agg(format('%s=%s', sequencename, last_value), ',' ORDER BY sequencename) AS s
           FROM pg_sequences WHERE schemaname <> 'shard_console' GROUP BY 1`,
      );
      out[`${server.name}:sequences`] = '';
      for (const row of sequences.rows) out[`${server.name}:${row.schema === 'public' ? '' : `${row.schema}.`}sequences`] = row.s;
    } finally {
      await client.end();
    }
  }
  return out;
}

const chainFilter: Record<string, string> = {
  pwb_sale_listings: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_rental_listings: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_prop_photos: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_features: 'realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)',
  pwb_field_keys: 'pwb_website_id = $1',
  pwb_ticket_messages: 'support_ticket_id IN (SELECT id FROM pwb_support_tickets WHERE website_id = $1)',
  pwb_search_alerts: 'saved_search_id IN (SELECT id FROM pwb_saved_searches WHERE website_id = $1)',
};

/** Deletes every row of a website on one database, children first (what an operator finds after an accidental purge). */
export async function purgeWebsite(fixture: RestoreFixture, database: string, id: number): Promise<void> {
  const first = [
    'pwb_sale_listings',
    'pwb_rental_listings',
    'pwb_prop_photos',
    'pwb_features',
    'pwb_ticket_messages',
    'pwb_search_alerts',
    'pwb_messages',
    'pwb_media',
    'pwb_realty_assets',
    'pwb_support_tickets',
    'pwb_saved_searches',
  ];
  await fixture.sql(database, `UPDATE pwb_media_folders SET parent_id = NULL WHERE website_id = $1`, [id]);
  for (const table of [...first, ...TENANT_TABLES.filter((t) => !first.includes(t))])
    await fixture.sql(database, `DELETE FROM ${table} WHERE ${chainFilter[table] ?? 'website_id = $1'}`, [id]);
}

/** The website on `database` with the most realty assets: it has rows in every tenant table, FK chains included. */
export async function largestWebsite(fixture: RestoreFixture, database: string): Promise<number> {
  const rows = await fixture.sql<{ id: number }>(database, `SELECT website_id AS id FROM pwb_realty_assets GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
  return rows[0]!.id;
}
