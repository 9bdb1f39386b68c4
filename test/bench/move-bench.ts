import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { median, type BenchModule } from './bench-module.ts';
import { startBenchCluster } from './bench-cluster.ts';
import { loadClusterProfile } from '../../electron/core/config/resolve-profile-source.ts';
import { openConsole, type ConsoleContext } from '../../electron/core/console-context.ts';
import { createMove, runMove } from '../../electron/core/moves/move-service.ts';
import { scopedTables, websiteRowsSelect } from '../../electron/core/moves/tenant-scope.ts';
import { quoteIdent, tableRef } from '../../electron/core/catalog/sql-identifiers.ts';
import { applyMigrations } from '../../electron/core/migrations/apply-migrations.ts';
import type { ViewRefresh } from '../../shared/methods/move-methods.ts';
import type { EmbeddedServer } from '../../electron/core/demo/embedded-cluster.ts';

/*
 * `npm run bench -- move [SCALE] [REPEATS]`: moves one tenant of at least 1,000,000 rows across every
 * tenant table between two real servers, and in the same run times the baseline an operator would reach
 * for: a plain serial `psql \copy (...) to stdout | psql \copy ... from stdin` of the same rows, table by
 * table in FK order, into a scratch database on the target server. The default move runs REPEATS times
 * (3), a rebuild once, a pipe before and after each. Prints the median of each move's ratio to the mean
 * of the two pipes around it (target: the whole move, preflight and verification included, at or below
 * the pipe's time), verification's share of the move, and the console process's peak memory (target:
 * under 200 MB whatever the tenant size).
 */

const PSQL_CANDIDATES = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'];

function connString(server: EmbeddedServer, database = server.database): string {
  return `postgresql://${server.user}@${server.host}:${server.port}/${database}`;
}

function run(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command.slice(0, 120)}... exited ${code}: ${err}`))));
  });
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

async function restore(ctx: ConsoleContext, site: number, log: (line: string) => void): Promise<void> {
  const { moveJobsView } = await import('../../electron/core/moves/move-service.ts');
  for (const job of await moveJobsView(ctx, { websiteId: site, limit: 10 })) {
    if (job.actions.includes('resume')) {
      log(`finishing the interrupted job ${job.jobId} of an earlier run...`);
      await runMove(ctx, job.jobId);
    }
  }
  const home = (await ctx.pools.primary().query<{ s: string }>(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [site])).rows[0]!
    .s;
  if (home !== 'default') {
    log(`moving tenant ${site} back from ${home} to default (not timed)...`);
    const back = await createMove(ctx, site, 'default');
    await runMove(ctx, back.id);
  }
}

interface MoveRun {
  viewRefresh: ViewRefresh;
  ok: boolean;
  moveMs: number;
  hashMs: number;
  fencedMs: number;
  peakMb: number;
  timings: Record<string, number>;
}

async function timedMove(ctx: ConsoleContext, site: number, viewRefresh: ViewRefresh, log: (line: string) => void): Promise<MoveRun> {
  log(`move, views refreshed ${viewRefresh}:`);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const job = await createMove(ctx, site, 'shard_1', { viewRefresh });
  log(`  preflight ${((performance.now() - started) / 1000).toFixed(2)} s`);
  // Each step as it starts, so a slow run shows where its time went.
  let current = '';
  const done = await runMove(ctx, job.id, (event) => {
    if (event.step !== current) {
      current = event.step;
      log(`  step ${event.step}`);
    }
  });
  const moveMs = performance.now() - started;
  clearInterval(sampler);
  const ok = done.state === 'succeeded' && done.verification.every((v) => v.ok);
  const listed = (entries: Array<[string, number]>) => entries.map(([step, ms]) => `${step} ${(ms / 1000).toFixed(2)}`).join(', ');
  const entries = Object.entries(done.timings);
  log(`  ${done.state}, verified=${ok}, ${(moveMs / 1000).toFixed(2)} s (${listed(entries.filter(([step]) => !step.includes('.')))})`);
  // Parts of steps and work beside them: the target's views refreshing from the copy on, the cleanup's rows and views.
  const parts = listed(entries.filter(([step]) => step.includes('.')));
  if (parts) log(`  (${parts})`);
  return {
    viewRefresh,
    ok,
    moveMs,
    hashMs: done.timings['verify.hashes'] ?? done.timings.verify ?? 0,
    fencedMs: ['fence', 'copy', 'sequences', 'verify', 'switch'].reduce((a, s) => a + (done.timings[s] ?? 0), 0),
    peakMb: peak / 1024 / 1024,
    timings: done.timings,
  };
}

export const bench: BenchModule = {
  name: 'move',
  summary: 'a 1M-row tenant moved between two real servers vs a serial psql \\copy pipe; verification share; peak memory',
  async run(args, log) {
    const psql = PSQL_CANDIDATES.find((p) => existsSync(p));
    const scale = Number(args[0] ?? 15);
    const repeats = Number(args[1] ?? 3);
    if (!Number.isInteger(repeats) || repeats < 1)
      throw new Error(`usage: npm run bench -- move [SCALE] [REPEATS]: REPEATS is a whole number of default-mode moves, not "${args[1]}"`);
    const cluster = await startBenchCluster({
      websites: 3,
      scale,
      log,
      ...(process.env.SC_BENCH_DIR ? { dir: `${process.env.SC_BENCH_DIR}-move-${scale}` } : {}),
    });
    try {
      const profile = await loadClusterProfile({ profile: cluster.profilePath }, { env: process.env });
      const ctx = openConsole(profile);
      try {
        const primary = ctx.pools.primary();
        // The large tenant seeded on the primary; a kept cluster from an interrupted run is put back first.
        const site = (await primary.query<{ id: number }>(`SELECT min(id) AS id FROM pwb_websites`)).rows[0]!.id;
        await restore(ctx, site, log);
        const catalog = await ctx.catalog.get('default');
        const tables = scopedTables(catalog);
        const counts = await Promise.all(
          tables.map(async (t) => Number((await primary.query(websiteRowsSelect(t, catalog, site, 'count(*)::int8 AS n'))).rows[0].n)),
        );
        const totalRows = counts.reduce((a, b) => a + b, 0);
        log(`tenant ${site} on default: ${totalRows.toLocaleString('en')} rows in ${tables.length} tables`);
        if (totalRows < 1_000_000)
          log(`WARNING: fewer than 1,000,000 rows; pass a larger scale (npm run bench -- move ${Math.ceil((scale * 1_000_000) / totalRows)})`);
        const target = cluster.servers.find((s) => s.name === 'shard_1')!;
        const source = cluster.servers.find((s) => s.name === 'default')!;

        // Every timed section (each pipe, each move) starts on a quiet cluster: vacuumed, checkpointed,
        // no autovacuum worker busy, so none pays for the work an earlier section left behind (the
        // pipe's own scratch tables kept autovacuum busy through the first move).
        // (CHECKPOINT and pg_stat_activity are server-wide: the two databases' pools reach both servers.)
        const quiet = () =>
          Promise.all(
            ['default', 'shard_1'].map(async (name) => {
              const db = ctx.pools.get(name);
              await db.query('VACUUM ANALYZE');
              await db.query('CHECKPOINT');
              for (let waited = 0; waited < 60_000; waited += 500) {
                const busy = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`);
                if (busy.rows[0]!.n === 0) break;
                await new Promise((r) => setTimeout(r, 500));
              }
            }),
          );

        // The baseline copies into a scratch database on the target server with the same tenant schema,
        // dropped after each run. It runs before, between and after the moves; the median is the baseline
        // (this VM's pipe alone has varied 32-47 s from run to run).
        const pipeRuns: number[] = [];
        const timePipe = async () => {
          if (!psql) return;
          const admin = new pg.Client({ host: target.host, port: target.port, user: target.user, database: target.database });
          await admin.connect();
          try {
            await admin.query('DROP DATABASE IF EXISTS pwb_bench_scratch');
            await admin.query('CREATE DATABASE pwb_bench_scratch');
            await applyMigrations(connString(target, 'pwb_bench_scratch'), { layout: 'tenant-shard' });
            await quiet();
            log(`baseline: serial psql \\copy pipe of the same rows (${psql})...`);
            const started = performance.now();
            for (const t of tables) {
              const columns = t.columns.map(quoteIdent).join(', ');
              const out = `\\copy (${websiteRowsSelect(t, catalog, site)}) to stdout`;
              const into = `\\copy ${tableRef(t.table.schema, t.table.table)} (${columns}) from stdin`;
              await run(
                `${psql} -X -q ${shellQuote(connString(source))} -c ${shellQuote(out)} | ${psql} -X -q ${shellQuote(connString(target, 'pwb_bench_scratch'))} -c ${shellQuote(into)}`,
              );
            }
            const ms = performance.now() - started;
            pipeRuns.push(ms);
            log(`baseline: ${(ms / 1000).toFixed(2)} s`);
          } finally {
            await admin.query('DROP DATABASE IF EXISTS pwb_bench_scratch WITH (FORCE)');
            await admin.end();
          }
        };
        if (!psql) log('baseline: no psql client on this machine (apt-get install postgresql-client); ratio not measured');

        // The move, timed whole (preflight to done): the default way of refreshing the views `repeats`
        // times, then a rebuild once; the tenant goes back (untimed) after each, so every timed move
        // starts from the same place, and a pipe runs before and after each. Each move is compared with
        // the mean of the two pipes around it, and the median of those ratios is the figure: this VM's
        // speed drifts by a third within minutes (the same pipe ran 28 s and 47 s in one run), so a move
        // set against pipes timed at another moment says more about the VM than about the move.
        const runs: Array<MoveRun & { pipeIndex: number }> = [];
        await timePipe();
        const modes: ViewRefresh[] = [...Array.from({ length: repeats }, () => 'concurrently' as const), 'rebuild'];
        for (const viewRefresh of modes) {
          await quiet();
          runs.push({ ...(await timedMove(ctx, site, viewRefresh, log)), pipeIndex: pipeRuns.length - 1 });
          log('moving the tenant back (not timed)...');
          const back = await createMove(ctx, site, 'default', { viewRefresh: 'rebuild' });
          await runMove(ctx, back.id);
          await timePipe();
        }
        const seconds = (values: number[]) => values.map((ms) => (ms / 1000).toFixed(2)).join(', ');
        const pipeMs = pipeRuns.length ? median(pipeRuns) : null;
        console.log('');
        console.log(`rows moved                        ${totalRows.toLocaleString('en')}`);
        if (pipeMs !== null) console.log(`serial psql \\copy pipe            ${(pipeMs / 1000).toFixed(2)} s (median of ${seconds(pipeRuns)})`);
        const verdicts: Array<[ViewRefresh, boolean]> = [];
        // The pipes just before and just after a move (a missing one, without psql: none).
        const around = (r: (typeof runs)[number]) => {
          const pair = [pipeRuns[r.pipeIndex], pipeRuns[r.pipeIndex + 1]].filter((ms): ms is number => ms !== undefined);
          return pair.length ? pair.reduce((a, b) => a + b, 0) / pair.length : null;
        };
        for (const mode of ['concurrently', 'rebuild'] as const) {
          const mine = runs.filter((r) => r.viewRefresh === mode);
          if (!mine.length) continue;
          const pipes = mine.map(around);
          const ratios = mine.map((r, i) => (pipes[i] === null ? null : r.moveMs / pipes[i]!));
          const known = ratios.filter((x): x is number => x !== null);
          const ratio = known.length ? median(known) : null;
          const peakMb = Math.max(...mine.map((r) => r.peakMb));
          const x = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)}x`);
          const runsText = mine.length > 1 ? `median of ${ratios.map(x).join(', ')}` : `${(mine[0]!.moveMs / 1000).toFixed(2)} s`;
          console.log(`move, views ${mode.padEnd(12)}         ${x(ratio)} of the pipes around it (${runsText}; target <= 1.00)`);
          console.log(
            `  move time                        ${seconds(mine.map((r) => r.moveMs))} s; pipes around: ${pipes.map((p) => (p === null ? 'n/a' : `${(p / 1000).toFixed(2)} s`)).join(', ')}`,
          );
          console.log(`  copy alone / pipes around        ${mine.map((r, i) => x(pipes[i] === null ? null : (r.timings.copy ?? 0) / pipes[i]!)).join(', ')}`);
          console.log(
            `  verification share of the move   ${mine.map((r) => `${((r.hashMs / r.moveMs) * 100).toFixed(0)}%`).join(', ')} (${seconds(mine.map((r) => r.hashMs))} s hashing both databases)`,
          );
          console.log(`  writes paused (fence to switch)  ${seconds(mine.map((r) => r.fencedMs))} s; served from shard_1 after that`);
          console.log(`  peak RSS of the console process  ${peakMb.toFixed(0)} MB (target < 200 MB)`);
          const met = mine.every((r) => r.ok) && peakMb < 200 && (ratio === null || ratio <= 1) && totalRows >= 1_000_000;
          verdicts.push([mode, met]);
        }
        for (const [mode, met] of verdicts) console.log(`targets with views refreshed ${mode}: ${met ? 'met' : 'NOT met'}`);
        // The default (concurrent refresh) is what the exit status reports.
        return verdicts[0]![1] ? 0 : 1;
      } finally {
        await ctx.close();
      }
    } finally {
      await cluster.stop();
    }
  },
};
