import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { median, type BenchModule } from './bench-module.ts';
import { startEmbeddedCluster } from '../../electron/core/demo/embedded-cluster.ts';
import { applyMigrations } from '../../electron/core/migrations/apply-migrations.ts';

/*
 * `npm run bench -- backup [REPEATS]`: a PostgreSQL 15 database of at least 1 GB of table data in
 * PWB's tables (wide rows with text, jsonb and numerics, 2,000 websites, FK-chain tables), dumped once as
 * a gzip custom archive (both cached under SC_BENCH_DIR, default a folder in the temp dir), then, runs
 * alternating, (a) the archive reader's inspect counting (rows per table and per website) in a child
 * process and (b) `pg_restore --data-only -f /dev/null` of the same archive. The child is the reader
 * bundled into plain JavaScript (test/support/archive-inspect-child.ts), run by plain Node as the
 * console's bundled main process would run it: its peak RSS is then the reader's, not tsx's. Prints the
 * median ratio reader / pg_restore over whole processes (target at most 1.5), the reader's own reading
 * time, and its peak RSS (target under 200 MB).
 */

const PG_BIN = '/usr/lib/postgresql/15/bin';
const WEBSITES = 2000;
const ASSETS = 800_000;
const BUILD_VERSION = 1;

interface BuiltArchive {
  readonly file: string;
  readonly tableBytes: number;
  readonly rows: Record<string, number>;
}

export const bench: BenchModule = {
  name: 'backup',
  summary: 'the archive reader counting a >1 GB gzip custom archive vs pg_restore --data-only to /dev/null; peak RSS',
  async run(args, log) {
    const repeats = Number(args[0] ?? 3);
    const dir = path.resolve(process.env.SC_BENCH_DIR ? `${process.env.SC_BENCH_DIR}-backup` : path.join(os.tmpdir(), 'shard-console-backup-bench'));
    const built = await buildArchive(dir, log);
    const child = await bundleChild(dir);
    log(
      `archive ${built.file}: ${mb(statSync(built.file).size)} MB compressed, ${mb(built.tableBytes)} MB of table data, ${total(built.rows).toLocaleString('en')} rows`,
    );
    const readerMs: number[] = [];
    const readingMs: number[] = [];
    const restoreMs: number[] = [];
    let peakKb = 0;
    let countsOk = true;
    for (let i = 0; i < repeats; i++) {
      const reader = await timeReader(child, built.file);
      readerMs.push(reader.ms);
      readingMs.push(reader.readingMs);
      peakKb = Math.max(peakKb, reader.maxRssKb);
      countsOk &&= sameCounts(reader.rows, built.rows, log);
      const restore = await timeCommand(`${PG_BIN}/pg_restore`, ['--data-only', '-f', '/dev/null', built.file]);
      restoreMs.push(restore);
      log(
        `run ${i + 1}: reader ${(reader.ms / 1000).toFixed(2)} s (of which reading ${(reader.readingMs / 1000).toFixed(2)} s; peak RSS ${(reader.maxRssKb / 1024).toFixed(0)} MB), pg_restore ${(restore / 1000).toFixed(2)} s`,
      );
    }
    const ratio = median(readerMs) / median(restoreMs);
    const peakMb = peakKb / 1024;
    log(
      `reader / pg_restore: ${ratio.toFixed(2)}x (target <= 1.5x); medians ${(median(readerMs) / 1000).toFixed(2)} s vs ${(median(restoreMs) / 1000).toFixed(2)} s`,
    );
    log(`reading alone (process start left out) / pg_restore: ${(median(readingMs) / median(restoreMs)).toFixed(2)}x`);
    log(`reader peak RSS: ${peakMb.toFixed(0)} MB (target < 200 MB); counts ${countsOk ? 'match' : 'DO NOT match'} the database's`);
    return ratio <= 1.5 && peakMb < 200 && countsOk ? 0 : 1;
  },
};

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const total = (rows: Record<string, number>) => Object.values(rows).reduce((a, b) => a + b, 0);

function sameCounts(read: Record<string, number>, expected: Record<string, number>, log: (line: string) => void): boolean {
  const wrong = Object.keys(expected).filter((t) => read[t] !== expected[t]);
  for (const t of wrong) log(`  count mismatch in ${t}: reader ${read[t]}, database ${expected[t]}`);
  return wrong.length === 0;
}

/** Builds (or finds, from an earlier run) the database and its gzip custom dump. */
async function buildArchive(dir: string, log: (line: string) => void): Promise<BuiltArchive> {
  const file = path.join(dir, 'bench.dump');
  const marker = path.join(dir, 'bench.json');
  if (existsSync(file) && existsSync(marker)) {
    const built = JSON.parse(await readFile(marker, 'utf8')) as BuiltArchive & { version: number };
    if (built.version === BUILD_VERSION) {
      log(`reusing the archive built by an earlier run in ${dir}`);
      return { ...built, file };
    }
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const cluster = await startEmbeddedCluster({ dir: path.join(dir, 'cluster'), names: ['bench'], auth: { kind: 'trust' }, fsync: false, major: 15 });
  try {
    const server = cluster.servers[0]!;
    const pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max: 2 });
    pool.on('error', () => undefined);
    try {
      await applyMigrations(pool, { layout: 'primary' });
      log(`seeding ${WEBSITES} websites and ${ASSETS.toLocaleString('en')} properties with their chain tables (a few minutes)...`);
      const started = Date.now();
      for (const statement of seedStatements()) await pool.query(statement);
      await pool.query('VACUUM ANALYZE');
      log(`seeded in ${Math.round((Date.now() - started) / 1000)} s`);
      const rows = await tableRows(pool);
      const tableBytes = Number(
        (
          await pool.query<{ n: string }>(
            `SELECT sum(pg_table_size(c.oid))::int8::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`,
          )
        ).rows[0]!.n,
      );
      log('pg_dump -Fc (gzip)...');
      const temp = `${file}.part`;
      await runCommand(`${PG_BIN}/pg_dump`, ['-Fc', '-h', server.host, '-p', String(server.port), '-U', server.user, '-f', temp, server.database]);
      await rename(temp, file);
      await writeFile(marker, JSON.stringify({ version: BUILD_VERSION, tableBytes, rows }));
      return { file, tableBytes, rows };
    } finally {
      await pool.end();
    }
  } finally {
    await cluster.stop();
    await rm(path.join(dir, 'cluster'), { recursive: true, force: true });
  }
}

async function tableRows(pool: pg.Pool): Promise<Record<string, number>> {
  const tables = (await pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
  const rows: Record<string, number> = {};
  for (const t of tables) rows[t] = Number((await pool.query<{ n: string }>(`SELECT count(*)::int8::text AS n FROM public.${t}`)).rows[0]!.n);
  return rows;
}

/** Server-side INSERT ... SELECT: wide, PWB-like rows; about 1.2 GB of heap. */
function seedStatements(): string[] {
  const now = `timestamp '2024-01-01' + (g || ' minutes')::interval`;
  return [
    `INSERT INTO pwb_websites (id, subdomain, shard_name, company_display_name, metadata, created_at, updated_at)
       SELECT g, 'site' || g, 'default', 'Agency ' || g, jsonb_build_object('plan', 'pro', 'n', g), ${now}, ${now} FROM generate_series(1, ${WEBSITES}) g`,
    `INSERT INTO pwb_realty_assets (website_id, reference, slug, title, description, street_address, city, region, country, latitude, longitude,
        count_bedrooms, count_bathrooms, constructed_area, plot_area, prop_type_key, features, tags, translations, created_at, updated_at)
       SELECT 1 + (g::int8 * 7919) % ${WEBSITES}, 'REF-' || g, 'property-' || g, 'Villa ' || g || ' ' || left(md5(g::text), 10),
         repeat(md5(g::text) || ' bright home near the sea, ', 8), g || ' Calle Mayor', 'City ' || (g % 500), 'Region ' || (g % 40), 'ES',
         36 + (g % 1000) / 1000.0, -4 - (g % 1000) / 1000.0, g % 6, (g % 4) + 0.5, (50 + g % 400) + 0.25, (100 + g % 4000) + 0.75,
         'types.' || (g % 9), ARRAY['pool', 'garden, private', 'sea "view"'], ARRAY['tag' || (g % 13)]::varchar[],
         jsonb_build_object('en', jsonb_build_object('title', 'Villa ' || g, 'body', repeat('Lovely ', 20)), 'es', jsonb_build_object('title', 'Casa ' || g)),
         ${now}, ${now}
       FROM generate_series(1, ${ASSETS}) g`,
    `INSERT INTO pwb_prop_photos (realty_asset_id, image, description, folder, file_size, sort_order, external_url, created_at, updated_at)
       SELECT a.id, 'photos/' || a.slug || '-' || k || '.jpg', 'Photo ' || k || E' of\\t' || a.title, 'f' || k, 100000 + k, k,
         'https://cdn.example.com/' || md5(a.slug || k), a.created_at, a.updated_at
       FROM pwb_realty_assets a, generate_series(1, 2) k`,
    `INSERT INTO pwb_features (realty_asset_id, feature_key, created_at, updated_at)
       SELECT a.id, 'features.' || k, a.created_at, a.updated_at FROM pwb_realty_assets a, generate_series(1, 2) k`,
    `INSERT INTO pwb_sale_listings (realty_asset_id, reference, active, visible, price_sale_current_cents, price_sale_original_cents, commission_percent, translations, created_at, updated_at)
       SELECT a.id, a.reference, true, true, 10000000 + a.count_bedrooms * 1000, 12000000, 3.5, jsonb_build_object('en', 'For sale: ' || a.title), a.created_at, a.updated_at
       FROM pwb_realty_assets a`,
    `INSERT INTO pwb_pages (website_id, slug, translations, created_at, updated_at)
       SELECT w, 'page-' || k, jsonb_build_object('en', repeat('Page text ', 30)), now(), now() FROM generate_series(1, ${WEBSITES}) w, generate_series(1, 10) k`,
    `INSERT INTO pwb_messages (website_id, title, content, origin_email, created_at, updated_at)
       SELECT CASE WHEN g % 100 = 0 THEN NULL ELSE 1 + g % ${WEBSITES} END, 'Enquiry ' || g, repeat(E'Hello,\\nI am interested. ', 5), 'u' || g || '@example.com', now(), now()
       FROM generate_series(1, 100000) g`,
    `INSERT INTO pwb_support_tickets (website_id, ticket_number, subject, description, created_at, updated_at)
       SELECT 1 + g % ${WEBSITES}, 'T-' || g, 'Subject ' || g, repeat('Help ', 20), now(), now() FROM generate_series(1, 20000) g`,
    `INSERT INTO pwb_ticket_messages (support_ticket_id, content, created_at, updated_at)
       SELECT t.id, 'Reply ' || k || ' ' || repeat('text ', 10), now(), now() FROM pwb_support_tickets t, generate_series(1, 3) k`,
    `INSERT INTO pwb_saved_searches (website_id, email, search_criteria, manage_token, unsubscribe_token, created_at, updated_at)
       SELECT 1 + g % ${WEBSITES}, 's' || g || '@example.com', '{"beds": 2}', 'm' || g, 'u' || g, now(), now() FROM generate_series(1, 20000) g`,
    `INSERT INTO pwb_search_alerts (saved_search_id, new_properties, created_at, updated_at)
       SELECT s.id, jsonb_build_array(s.id, s.id + 1), now(), now() FROM pwb_saved_searches s, generate_series(1, 2) k`,
  ];
}

interface ReaderRun {
  readonly ms: number;
  readonly readingMs: number;
  readonly maxRssKb: number;
  readonly rows: Record<string, number>;
}

/** Bundles the child entry into one plain JavaScript file (esbuild comes with tsx). */
async function bundleChild(dir: string): Promise<string> {
  const outfile = path.join(dir, 'archive-inspect-child.mjs');
  const entry = fileURLToPath(new URL('../support/archive-inspect-child.ts', import.meta.url));
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  return outfile;
}

/** The reader in a process of its own, so its peak RSS is the reader's alone. */
async function timeReader(child: string, file: string): Promise<ReaderRun> {
  const started = performance.now();
  const output = await runCommand(process.execPath, [child, file]);
  const ms = performance.now() - started;
  const result = JSON.parse(output.trim().split('\n').at(-1)!) as { ms: number; maxRssKb: number; rows: Record<string, number> };
  return { ms, readingMs: result.ms, maxRssKb: result.maxRssKb, rows: result.rows };
}

async function timeCommand(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  await runCommand(command, args);
  return performance.now() - started;
}

function runCommand(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.slice(-2000)}`))));
  });
}
