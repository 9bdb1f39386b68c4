import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { exportQueryToFile, type ExportProgressEvent } from '../../../electron/core/query/export-query.ts';
import { QueryService } from '../../../electron/core/query/query-service.ts';
import type { QueryEvent } from '../../../electron/core/query/query-types.ts';
import { openTestConsole } from '../../support/test-console.ts';
import { recordingCall } from './query-events.ts';

/*
 * Streaming every row to a file: a 1M-row result per database is capped at the default in a run and
 * exported whole, with an exact row count and bounded memory; JSON and NDJSON carry the run's shape;
 * a cancelled or failed export leaves no file (and an existing file untouched).
 */

const MILLION = 'SELECT g, md5(g::text) AS hash FROM generate_series(1, 1000000) g';

let ctx: ConsoleContext;
let service: QueryService;
let dir: string;
beforeAll(async () => {
  ctx = await openTestConsole();
  service = new QueryService(ctx);
  dir = await mkdtemp(path.join(tmpdir(), 'sc-query-export-'));
});
afterAll(async () => {
  await service.close();
  await ctx.close();
});

async function countLines(file: string): Promise<Map<string, number>> {
  const perDatabase = new Map<string, number>();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let header = true;
  for await (const line of lines) {
    if (header) {
      expect(line).toBe('database,g,hash');
      header = false;
      continue;
    }
    const database = line.slice(0, line.indexOf(','));
    perDatabase.set(database, (perDatabase.get(database) ?? 0) + 1);
  }
  return perDatabase;
}

describe('a 1M-row result', () => {
  it('is capped at the default 1,000 rows per database in a run', async () => {
    const result = await service.session('cap').run(recordingCall<QueryEvent>().call, { sql: MILLION, target: { kind: 'all' } });
    expect(result.databases.map((d) => [d.name, d.rows, d.truncated])).toEqual([
      ['default', 1000, true],
      ['shard_1', 1000, true],
      ['shard_2', 1000, true],
    ]);
    await service.session('cap').close();
  });

  it('streams to a CSV file whole, row count exact, memory bounded, mode 0600, nothing left beside it', async () => {
    const file = path.join(dir, 'million.csv');
    const { call, events } = recordingCall<ExportProgressEvent>();
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    try {
      const result = await exportQueryToFile(service.engine, call, { sql: MILLION, target: { kind: 'all' }, file, format: 'csv' });
      expect(result.databases.map((d) => [d.name, d.rows, d.error])).toEqual([
        ['default', 1_000_000, null],
        ['shard_1', 1_000_000, null],
        ['shard_2', 1_000_000, null],
      ]);
      expect(result.bytes).toBe((await stat(file)).size);
    } finally {
      clearInterval(sampler);
    }
    // The file is 135 MB; holding the rows as JS values would take several times that. What grows is
    // V8's young generation and garbage between collections (about 70-100 MB here), not the result.
    const growthMb = (peak - baseline) / 2 ** 20;
    expect(growthMb).toBeLessThan(150);
    expect(Object.fromEntries(await countLines(file))).toEqual({ default: 1_000_000, shard_1: 1_000_000, shard_2: 1_000_000 });
    const head = (await readFile(file, 'utf8')).slice(0, 200).split('\r\n');
    expect(head[1]).toMatch(/^(default|shard_1|shard_2),1,c4ca4238a0b923820dcc509a6f75849b$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['million.csv']);
    // Progress per database, rising to its total.
    const last = new Map(events.map((e) => [e.database, e.rowsWritten]));
    expect(Object.fromEntries(last)).toEqual({ default: 1_000_000, shard_1: 1_000_000, shard_2: 1_000_000 });
    console.log(`export of 3M rows: RSS grew ${growthMb.toFixed(1)} MB`);
  });
});

describe('rows that grow partway through', () => {
  it('still export: a page of them may bring more than a grid page may (up to 1 GiB)', { timeout: 120_000 }, async () => {
    const file = path.join(dir, 'growing.csv');
    // Tiny rows first, so the next pages ask for many rows; then 300 KB each: a page of 1,000 is 300 MB.
    const sql = `SELECT g, CASE WHEN g = 1 THEN '' ELSE repeat('x', 300000) END AS body FROM generate_series(1, 1200) g`;
    const result = await exportQueryToFile(service.engine, recordingCall<ExportProgressEvent>().call, {
      sql,
      target: { kind: 'databases', names: ['shard_1'] },
      file,
      format: 'csv',
    });
    expect(result.databases.map((d) => [d.name, d.rows, d.error])).toEqual([['shard_1', 1200, null]]);
    await rm(file, { force: true });
  });
});

describe('formats', () => {
  it('writes JSON in the CLI shape and NDJSON a line per row, the same rows as a run', async () => {
    const sql = `SELECT g AS n, 'say "hi", ' || g AS s, NULL::text AS nothing FROM generate_series(1, 3) g`;
    const target = { kind: 'shards' } as const;
    const run = await service.session('formats').run(recordingCall<QueryEvent>().call, { sql, target });
    const json = path.join(dir, 'rows.json');
    await exportQueryToFile(service.engine, recordingCall<ExportProgressEvent>().call, { sql, target, file: json, format: 'json' });
    const parsed = JSON.parse(await readFile(json, 'utf8'));
    expect(parsed.columns).toEqual(run.columns);
    expect([...parsed.rows].sort((a: { database: string }, b: { database: string }) => a.database.localeCompare(b.database))).toEqual(run.rows);
    expect(parsed.databases.map((d: { name: string; rows: number }) => [d.name, d.rows])).toEqual([
      ['shard_1', 3],
      ['shard_2', 3],
    ]);
    const ndjson = path.join(dir, 'rows.ndjson');
    await exportQueryToFile(service.engine, recordingCall<ExportProgressEvent>().call, { sql, target, file: ndjson, format: 'ndjson' });
    const lines = (await readFile(ndjson, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ columns: run.columns });
    expect(lines.slice(1)).toHaveLength(6);
    expect(lines.slice(1)).toEqual(expect.arrayContaining(run.rows.map((r) => ({ database: r.database, values: r.values }))));
  });
});

describe('all or nothing', () => {
  it('a cancelled export leaves no file, and the statements stop', async () => {
    const file = path.join(dir, 'cancelled.csv');
    const { call, controller } = recordingCall<ExportProgressEvent>();
    const reason = new Error('stop the export');
    const exporting = exportQueryToFile(
      service.engine,
      { ...call, emit: () => controller.abort(reason) },
      { sql: MILLION, target: { kind: 'all' }, file, format: 'csv' },
    );
    await expect(exporting).rejects.toBe(reason);
    expect((await readdir(dir)).filter((f) => f.startsWith('cancelled') || f.startsWith('.cancelled'))).toEqual([]);
  });

  it('a database that fails fails the export: its error, no file, an existing file untouched', async () => {
    const file = path.join(dir, 'websites.csv');
    await writeFile(file, 'the previous export\n');
    // shard_1 is a tenant-only shard: no pwb_websites there.
    const exporting = exportQueryToFile(service.engine, recordingCall<ExportProgressEvent>().call, {
      sql: 'SELECT * FROM pwb_websites',
      target: { kind: 'all' },
      file,
      format: 'csv',
      overwrite: true,
    });
    await expect(exporting).rejects.toMatchObject({
      code: 'DATABASE_ERROR',
      target: 'shard_1',
      details: { sqlstate: '42P01' },
      message: expect.stringMatching(/relation "pwb_websites" does not exist.*The export stopped and wrote no file/),
    });
    expect(await readFile(file, 'utf8')).toBe('the previous export\n');
    expect((await readdir(dir)).filter((f) => f.includes('websites'))).toEqual(['websites.csv']);
  });

  it('refuses a file already there unless asked to replace it: untouched, before anything is sent; replaced when asked', async () => {
    const file = path.join(dir, 'kept.csv');
    await writeFile(file, 'an earlier export\n');
    const { call, events } = recordingCall<ExportProgressEvent>();
    const request = { sql: 'SELECT g FROM generate_series(1, 3) g', target: { kind: 'all' as const }, file, format: 'csv' as const };
    await expect(exportQueryToFile(service.engine, call, request)).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: expect.stringMatching(/kept\.csv already exists, so nothing was written\. Pick another path, or ask to replace it/),
    });
    expect(events).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe('an earlier export\n');
    const replaced = await exportQueryToFile(service.engine, recordingCall<ExportProgressEvent>().call, { ...request, overwrite: true });
    expect(replaced.databases.map((d) => d.rows)).toEqual([3, 3, 3]);
    expect((await readFile(file, 'utf8')).split('\r\n')[0]).toBe('database,g');
    expect((await readdir(dir)).filter((f) => f.includes('kept'))).toEqual(['kept.csv']);
  });

  it("writes only a file named for its format, never a hidden one (a shell's start-up file): refused before anything is sent", async () => {
    for (const [name, format] of [
      ['.bashrc', 'csv'],
      ['.csv', 'csv'],
      ['rows.txt', 'csv'],
      ['rows.csv', 'json'],
    ] as const) {
      const { call, events } = recordingCall<ExportProgressEvent>();
      await expect(
        exportQueryToFile(service.engine, call, { sql: 'SELECT 1', target: { kind: 'all' }, file: path.join(dir, name), format, overwrite: true }),
      ).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('nothing was written. Pick a name like query-export.') });
      expect(events).toEqual([]);
      expect((await readdir(dir)).filter((f) => f === name)).toEqual([]);
    }
  });

  it('keeps a file that appeared at the path while the export ran, and says so', async () => {
    const file = path.join(dir, 'raced.csv');
    const { call } = recordingCall<ExportProgressEvent>();
    let written = false;
    const exporting = exportQueryToFile(
      service.engine,
      {
        ...call,
        emit: () => {
          if (!written) writeFileSync(file, 'someone else\n');
          written = true;
        },
      },
      { sql: 'SELECT g FROM generate_series(1, 5000) g', target: { kind: 'all' }, file, format: 'csv' },
    );
    await expect(exporting).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('raced.csv already exists') });
    expect(written).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('someone else\n');
    expect((await readdir(dir)).filter((f) => f.includes('raced'))).toEqual(['raced.csv']);
  });

  it('refuses a folder that does not exist, before anything is sent', async () => {
    await expect(
      exportQueryToFile(service.engine, recordingCall<ExportProgressEvent>().call, {
        sql: 'SELECT 1',
        target: { kind: 'all' },
        file: path.join(dir, 'no-such-folder', 'x.csv'),
        format: 'csv',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringMatching(/^Cannot create .*x\.csv: ENOENT/) });
  });
});
