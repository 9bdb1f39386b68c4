import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { consoleDispatcher } from '../../../electron/core/dispatch/console-dispatcher.ts';
import { startHttpBridge, type HttpBridge } from '../../../electron/core/http/http-bridge.ts';
import { startOwnCluster, type OwnCluster } from '../migrations/own-cluster.ts';

/*
 * Long work followed and stopped over the real transports: the HTTP bridge streams a call's progress
 * events as NDJSON and stops work by a cancel call, a closed stream or jobs.stop; the CLI prints
 * progress on stderr and stops at Ctrl-C. Each time the work is blocked on a lock the test holds, so it
 * is provably mid-statement; after the stop no statement of the console runs there (left alone it would
 * wait on that lock until the test ends: gone within 10 s proves the stop reached the server, with room
 * for a loaded machine; latency is no test's business) and what changes data is left resumable.
 */

const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
let own: OwnCluster;
let ctx: ConsoleContext;
let bridge: HttpBridge;

beforeAll(async () => {
  own = await startOwnCluster();
  ctx = await own.open();
  bridge = await startHttpBridge({ dispatch: consoleDispatcher(ctx) });
}, 180_000);
afterAll(async () => {
  await bridge?.close();
  await ctx?.close();
  await own?.stop();
});

interface Streamed {
  events: unknown[];
  final: Promise<{ ok: boolean; result?: unknown; error?: { code: string } }>;
  close(): void;
}

/** POST /rpc/<method> asking for NDJSON: events as they come, the envelope last. */
function stream(method: string, params: unknown, callId?: string): Streamed {
  const events: unknown[] = [];
  let buffered = '';
  let last: unknown = null;
  let req: ReturnType<typeof request>;
  const final = new Promise<{ ok: boolean; result?: unknown; error?: { code: string } }>((resolve, reject) => {
    req = request(
      {
        host: '127.0.0.1',
        port: bridge.port,
        path: `/rpc/${method}`,
        method: 'POST',
        headers: {
          host: `127.0.0.1:${bridge.port}`,
          'content-type': 'application/json',
          accept: 'application/x-ndjson',
          authorization: `Bearer ${bridge.token}`,
          ...(callId ? { 'x-call-id': callId } : {}),
        },
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
            const line = JSON.parse(buffered.slice(0, at));
            buffered = buffered.slice(at + 1);
            if ('event' in line) events.push(line.event);
            else last = line;
          }
        });
        res.on('end', () => resolve(last as never));
        res.on('error', reject);
      },
    );
    req.on('error', () => resolve({ ok: false, error: { code: 'CLOSED' } }));
    req.end(JSON.stringify(params));
  });
  return {
    events,
    final,
    close: () => {
      final.catch(() => {});
      req.destroy();
    },
  };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${bridge.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bridge.token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function consoleStatements(database: string) {
  return own.sql(
    database,
    `SELECT pid, state, wait_event_type AS wait, application_name AS app, left(query, 120) AS query FROM pg_stat_activity
      WHERE application_name LIKE 'shard-console%' AND state NOT IN ('idle') AND pid <> pg_backend_pid() AND query NOT LIKE '%pg_advisory%'`,
  );
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, seen?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen ? `; last seen: ${JSON.stringify(seen())}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const waitingOnLock = (database: string) =>
  until(`a console statement waiting on a lock on ${database}`, async () => (await consoleStatements(database)).find((s) => s.wait === 'Lock'));
const goneFromServer = (database: string) => {
  let last: unknown[] = [];
  return until(
    `no console statement on ${database}`,
    async () => (last = await consoleStatements(database)).length === 0,
    10_000,
    () => last,
  );
};

async function lockTable(database: string, table: string, mode: string): Promise<{ release(): Promise<void> }> {
  const client: pg.Client = await own.client(database);
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    },
  };
}

async function siteOn(shard: string): Promise<number> {
  return (await own.sql('default', `SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = $1 ORDER BY id LIMIT 1`, [shard]))[0].id as number;
}

describe('over the HTTP bridge', () => {
  it('a move: its progress streams as events to a watcher, jobs.stop stops it, the job is left resumable', async () => {
    const site = await siteOn('default');
    const lock = await lockTable('shard_1', 'pwb_prop_photos', 'SHARE');
    try {
      const started = await post('/rpc/moves.start', { websiteId: site, target: 'shard_1' });
      expect(started.status).toBe(200);
      const jobId = started.json.result.jobId as string;
      const watch = stream('jobs.watch', { jobId });
      await waitingOnLock('shard_1');
      await until('a progress event', async () => watch.events.length > 0);
      expect(watch.events[0]).toMatchObject({ type: 'progress', jobId, kind: 'move' });
      const stopped = await post('/rpc/jobs.stop', { jobId });
      await goneFromServer('shard_1');
      expect(stopped.json.result).toMatchObject({ state: 'interrupted', actions: ['resume', 'rollback'] });
      expect(await watch.final).toMatchObject({ ok: true, result: { jobId, state: 'interrupted' } });
      await lock.release();
      await post('/rpc/moves.resume', { jobId });
      expect((await stream('jobs.watch', { jobId }).final).result).toMatchObject({ state: 'succeeded' });
    } finally {
      await lock.release();
    }
  });

  it('a size scan: the streamed call is cancelled by POST /cancel/<call id>, and by closing its stream', async () => {
    for (const how of ['cancel call', 'closed stream'] as const) {
      const lock = await lockTable('shard_2', 'pwb_realty_assets', 'ACCESS EXCLUSIVE');
      try {
        const call = stream('shards.largestTenants', { limit: 3 }, `scan-${how.replace(' ', '-')}`);
        await waitingOnLock('shard_2');
        expect(call.events[0]).toMatchObject({ type: 'progress', kind: 'size-scan' });
        if (how === 'cancel call') {
          expect((await post(`/cancel/scan-cancel-call`, {})).json).toEqual({ ok: true, result: { cancelled: true } });
          expect(await call.final).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
        } else {
          call.close();
        }
        await goneFromServer('shard_2');
      } finally {
        await lock.release();
      }
    }
  });

  it('a migration run: started over HTTP, followed by events, stopped with jobs.stop; a second run resumes', async () => {
    await own.addMigration('tenant', '20990401000001', 'http_stop_probe', 'ALTER TABLE pwb_links ADD COLUMN http_stop_probe integer;');
    const lock = await lockTable('shard_1', 'pwb_links', 'ACCESS EXCLUSIVE');
    try {
      const { runId } = (await post('/rpc/migrations.up', { parallel: 4 })).json.result;
      const watch = stream('jobs.watch', { jobId: runId });
      await waitingOnLock('shard_1');
      await post('/rpc/jobs.stop', { jobId: runId });
      await goneFromServer('shard_1');
      expect((await watch.final).result).toMatchObject({ state: 'interrupted' });
      expect(watch.events.some((e) => (e as { unit?: string }).unit === 'migrations')).toBe(true);
      await lock.release();
      const again = (await post('/rpc/migrations.up', { parallel: 4 })).json.result.runId;
      expect((await stream('jobs.watch', { jobId: again }).final).result).toMatchObject({ state: 'succeeded' });
    } finally {
      await lock.release();
    }
  });
});

/** The CLI in a child process; resolves with its exit code and output. */
function cli(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args, '--profile', own.profilePath], {
    env: { ...own.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited, stderr: () => stderr };
}

describe('from the CLI, Ctrl-C', () => {
  it.each([
    ['move', (site: number) => ['move', String(site), '--to', 'shard_2', '--yes', '--json'], 'shard_2', 'pwb_prop_photos', 'SHARE'],
    ['migrate up', () => ['migrate', 'up'], 'shard_2', 'pwb_contents', 'ACCESS EXCLUSIVE'],
    ['sizes', () => ['sizes', '--json'], 'shard_2', 'pwb_realty_assets', 'ACCESS EXCLUSIVE'],
  ] as const)('stops %s at a safe point: exit 130, no statement left running, progress on stderr', async (name, args, database, table, mode) => {
    if (name === 'migrate up')
      await own.addMigration('tenant', '20990401000002', 'cli_stop_probe', 'ALTER TABLE pwb_contents ADD COLUMN cli_stop_probe integer;');
    const site = await siteOn('default');
    if (name === 'move')
      await own.sql('shard_2', `INSERT INTO pwb_websites SELECT * FROM json_populate_record(NULL::pwb_websites, $1::json) ON CONFLICT (id) DO NOTHING`, [
        JSON.stringify((await own.sql('default', 'SELECT row_to_json(w) AS r FROM pwb_websites w WHERE id = $1', [site]))[0].r),
      ]);
    const lock = await lockTable(database, table, mode);
    try {
      const run = cli([...args(site)]);
      await waitingOnLock(database);
      run.child.kill('SIGINT');
      const ended = await run.exited;
      await goneFromServer(database);
      // A job stopped at a safe point and a call stopped (sizes) alike: the shell's code for Ctrl-C.
      expect(ended.code, ended.stderr).toBe(130);
      expect(ended.stderr).toContain('Stopping at the next safe point');
      if (name === 'move') {
        const job = JSON.parse(ended.stdout);
        expect(job).toMatchObject({ state: 'running', live: false, actions: ['resume', 'rollback'] });
        await lock.release();
        const resumed = cli(['move', 'resume', job.jobId, '--json']);
        expect((await resumed.exited).code).toBe(0);
      }
      if (name === 'sizes') expect(ended.stderr).toMatch(/CANCELLED/);
    } finally {
      await lock.release();
    }
  });
});
