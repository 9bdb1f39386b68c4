import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOutRows } from '../../../electron/core/restore/copy-out-rows.ts';
import { startArchiveTestServer, type ArchiveTestServer } from '../../support/archive-test-server.ts';

/*
 * The read-back's copy-out takes the protocol's messages where they lie in the socket's chunks: rows
 * and headers split between chunks, rows longer than a chunk, an error in the middle of the rows and
 * a handler that throws must all come out right, with the session usable after.
 */

let db: ArchiveTestServer;

beforeAll(async () => {
  db = await startArchiveTestServer();
}, 120_000);
afterAll(() => db?.stop());

/** Row g: its number and a run of x, long every 997th row, empty every 5th. */
const LENGTH = `CASE WHEN g % 997 = 0 THEN 300000 + g ELSE (g % 5) * 3 END`;
const expectedLength = (g: number) => (g % 997 === 0 ? 300000 + g : (g % 5) * 3);

/** Runs `use` on a pooled session, then shows the session still answers. */
async function onSession(use: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await db.pool.connect();
  try {
    await use(client);
    expect((await client.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
  } finally {
    client.release();
  }
}

describe('copyOutRows', () => {
  it('hands over every row once, in order, byte for byte, whatever the chunks split', async () => {
    await onSession(async (client) => {
      const rows = 60_000;
      let seen = 0;
      let wrong = 0;
      const rowCount = await copyOutRows(client, `COPY (SELECT g, repeat('x', ${LENGTH}) FROM generate_series(1, ${rows}) g) TO STDOUT`, (buf, start, end) => {
        seen++;
        const expected = `${seen}\t${'x'.repeat(expectedLength(seen))}`;
        if (end - start !== expected.length || buf.toString('latin1', start, end) !== expected) wrong++;
      });
      expect({ rowCount, seen, wrong }).toEqual({ rowCount: rows, seen: rows, wrong: 0 });
    });
  });

  it("rejects with the server's error when a row fails midway, and the session goes on", async () => {
    await onSession(async (client) => {
      let seen = 0;
      const copy = copyOutRows(client, `COPY (SELECT g, 1 / (g - 40000), repeat('x', ${LENGTH}) FROM generate_series(1, 60000) g) TO STDOUT`, () => {
        seen++;
      });
      await expect(copy).rejects.toMatchObject({ code: '22012', message: 'division by zero' });
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(40000);
    });
  });

  it('rejects with what the handler threw once the copy is over, and the session goes on', async () => {
    await onSession(async (client) => {
      let seen = 0;
      const copy = copyOutRows(client, `COPY (SELECT g FROM generate_series(1, 50000) g) TO STDOUT`, () => {
        if (++seen === 10) throw new Error('the handler gave up');
      });
      await expect(copy).rejects.toThrow('the handler gave up');
      expect(seen).toBe(10);
    });
  });
});
