import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantTable } from '../../../../electron/core/catalog/database-catalog.ts';
import { introspectDatabase } from '../../../../electron/core/catalog/introspect-database.ts';
import { quoteIdent, tableRef } from '../../../../electron/core/catalog/sql-identifiers.ts';
import { classifyTables } from '../../../../electron/core/catalog/tenant-tables.ts';
import type { DatabaseHandle } from '../../../../electron/core/pools/cluster-pools.ts';
import { DEFAULT_GLOBAL_TABLES, DEFAULT_TENANT_KEYS, inspectArchive } from '../../../../electron/core/backups/archive/inspect-archive.ts';
import { openArchive } from '../../../../electron/core/backups/archive/open-archive.ts';
import { websiteRows } from '../../../../electron/core/backups/archive/website-rows.ts';
import { startTestCluster, testPool } from '../../../harness/test-cluster.ts';
import type { TestCluster } from '../../../harness/test-cluster.ts';
import { runPgDump } from '../../../support/archive-test-server.ts';

/*
 * The seeded PWB cluster on PostgreSQL 15 (primary and two shards), dumped with the real pg_dump 15;
 * the archive's counts must be the server's, per table and per website through every FK chain.
 */

const profile = { tenantKeys: DEFAULT_TENANT_KEYS, globalTables: DEFAULT_GLOBAL_TABLES };

let cluster: TestCluster;
let dir: string;
const pools = new Map<string, pg.Pool>();
const dumps = new Map<string, Record<string, string>>();

beforeAll(async () => {
  cluster = await startTestCluster({ major: 15, websites: 12, scale: 0.02 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'sc-archive-pwb-'));
  for (const server of cluster.servers) {
    pools.set(server.name, testPool(server, cluster.password));
    const at = (name: string) => path.join(dir, `${server.name}-${name}`);
    const files = { custom: at('custom.dump'), piped: at('piped.dump'), directory: at('dir'), plainGzip: at('plain.sql.gz') };
    await Promise.all([
      runPgDump(server, cluster.password, ['-Fc', '-f', files.custom]),
      runPgDump(server, cluster.password, ['-Fc'], { stdoutTo: files.piped }),
      ...(server.name === 'default'
        ? [runPgDump(server, cluster.password, ['-Fd', '-f', files.directory]), runPgDump(server, cluster.password, ['-Fp', '-Z6', '-f', files.plainGzip])]
        : []),
    ]);
    dumps.set(server.name, server.name === 'default' ? files : { custom: files.custom, piped: files.piped });
  }
});

afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.end()));
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The server's own answer: rows per website for a tenant table, joined up its FK chain; NULL for rows of no website. */
function perWebsiteSql(t: TenantTable, schemaOf: (name: string) => { schema: string; table: string }): string {
  const ref = (name: string) => tableRef(schemaOf(name).schema, schemaOf(name).table);
  let from = `${ref(t.table)} t0`;
  t.chain.forEach((step, i) => {
    const on = step.columns.map((c, k) => `t${i}.${quoteIdent(c)} = t${i + 1}.${quoteIdent(step.refColumns[k]!)}`).join(' AND ');
    from += ` LEFT JOIN ${ref(step.refTable)} t${i + 1} ON ${on}`;
  });
  return `SELECT t${t.chain.length}.${quoteIdent(t.tenantKey)}::text AS website, count(*)::int AS n FROM ${from} GROUP BY 1`;
}

describe.each(['default', 'shard_1', 'shard_2'])('the %s database', (name) => {
  it('counts every table and every website exactly, FK chains included, in each format', async () => {
    const pool = pools.get(name)!;
    const live = await introspectDatabase({
      query: (text: string, params?: unknown[]) => pool.query(text, params),
      longSession: () => pool.connect(),
    } as unknown as DatabaseHandle);
    const classes = classifyTables(live.tables, profile);
    const schemaOf = (table: string) => live.tables.find((t) => t.name === table)!;
    const tableRows: Record<string, number> = {};
    for (const t of live.tables)
      tableRows[t.name] = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tableRef(t.schema, t.table)}`)).rows[0]!.n;
    const websites = new Map<string, Record<string, number>>();
    const withoutWebsite: Record<string, number> = {};
    for (const t of classes.tenantTables.values()) {
      for (const row of (await pool.query<{ website: string | null; n: number }>(perWebsiteSql(t, schemaOf))).rows) {
        if (row.website === null) withoutWebsite[t.table] = row.n;
        else websites.set(row.website, { ...websites.get(row.website), [t.table]: row.n });
      }
    }
    expect([...classes.tenantTables.values()].some((t) => t.chain.length > 0)).toBe(true);

    for (const [format, file] of Object.entries(dumps.get(name)!)) {
      const archive = await openArchive(file);
      try {
        const schema = archive.schema();
        expect(schema.tables, format).toEqual(live.tables.map((t) => ({ ...t, rowEstimate: 0 })));
        expect(schema.views, format).toEqual(live.views);
        const result = await inspectArchive(archive, profile);
        expect(result.complete, format).toBe(true);
        expect(result.tenantTables, format).toEqual([...classes.tenantTables.keys()].sort());
        expect(result.globalTables, format).toEqual(classes.globalTables);
        expect(result.unscopedTables, format).toEqual(classes.unscopedTables);
        const counted = Object.fromEntries(result.tables.filter((t) => !t.table.startsWith('shard_console.')).map((t) => [t.table, t.rows]));
        expect(counted, format).toEqual(tableRows);
        for (const t of result.tables) {
          expect(t.tenant, `${format} ${t.table}`).toBe(classes.tenantTables.has(t.table));
          expect(t.status).toBe('complete');
          expect(t.rowsNotAttributed).toBe(0);
          if (t.tenant) expect(t.rowsWithoutWebsite, `${format} ${t.table}`).toBe(withoutWebsite[t.table] ?? 0);
        }
        expect(Object.fromEntries(result.websites.map((w) => [w.websiteId, w.tables])), format).toEqual(Object.fromEntries(websites));
        for (const w of result.websites) expect(w.rows).toBe(Object.values(w.tables).reduce((a, b) => a + b, 0));
      } finally {
        await archive.close();
      }
    }
  });
});

describe('one website', () => {
  it('gives its rows per table and its first rows decoded, chain tables included', async () => {
    const pool = pools.get('default')!;
    const site = String(cluster.seed.largeWebsiteIds[0]);
    const expected = (
      await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pwb_prop_photos p JOIN pwb_realty_assets a ON a.id = p.realty_asset_id WHERE a.website_id = $1',
        [site],
      )
    ).rows[0]!.n;
    const assets = new Set((await pool.query<{ id: string }>('SELECT id::text FROM pwb_realty_assets WHERE website_id = $1', [site])).rows.map((r) => r.id));
    for (const file of Object.values(dumps.get('default')!)) {
      const archive = await openArchive(file);
      try {
        const inspection = await inspectArchive(archive, profile);
        const rows = await websiteRows(archive, site, { ...profile, sampleRows: 3 });
        expect(rows.complete).toBe(true);
        const fromInspection = inspection.websites.find((w) => w.websiteId === site)!;
        expect(Object.fromEntries(rows.tables.map((t) => [t.table, t.rows]))).toEqual(fromInspection.tables);
        const photos = rows.tables.find((t) => t.table === 'pwb_prop_photos')!;
        expect(photos.rows).toBe(expected);
        if (archive.seekable) {
          expect(photos.sample).toHaveLength(Math.min(3, expected));
          const fk = photos.columns.indexOf('realty_asset_id');
          for (const row of photos.sample) expect(assets.has(row[fk]!)).toBe(true);
        }
        const pages = rows.tables.find((t) => t.table === 'pwb_pages')!;
        for (const row of pages.sample) expect(row[pages.columns.indexOf('website_id')]).toBe(site);
      } finally {
        await archive.close();
      }
    }
  });
});

describe('backup website from the command line', () => {
  const bin = fileURLToPath(new URL('../../../../bin/shard-console.js', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env: { ...process.env, SHARD_CONSOLE_PROFILE: undefined } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('prints the rows per table of a website, and calls an id the backup has no row of a problem (exit 1)', async () => {
    const file = dumps.get('default')!.custom!;
    const site = String(cluster.seed.largeWebsiteIds[0]);
    const found = await run(['backup', 'website', site, file]);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/pwb_prop_photos +[1-9][\d,]*/);
    const missing = await run(['backup', 'website', '99999999', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Website 99999999 has no rows in this backup (1 archive read). Check the id');
  });
});
