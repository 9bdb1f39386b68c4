import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../../electron/core/config/profile-schema.ts';
import { DatabaseCursor, GRID_PAGES, SharedBytes } from '../../../electron/core/query/database-cursor.ts';
import { guardStatement } from '../../../electron/core/query/sql-statement-guard.ts';
import { TypeNameCache } from '../../../electron/core/query/type-names.ts';

/*
 * The byte budget the databases of one read share, on cursors over a stand-in session (the statements
 * the cursor sends are answered here, each FETCH after a delay): which database gets rows must not
 * depend on whose pages happened to be on their way. Real PostgreSQL runs the same reads in
 * query-faults.test.ts; this one needs twenty databases and timing under control.
 */

const ROW_BYTES = 2 * 1024 * 1024;

/** A pool whose one connection serves `rows` rows of ROW_BYTES each, every FETCH answered after `delayMs`. */
function fakePool(rows: number, delayMs: number): pg.Pool {
  let served = 0;
  const client = {
    on() {},
    off() {},
    release() {},
    async query(config: string | { text: string }) {
      const text = typeof config === 'string' ? config : config.text;
      const fetch = /^FETCH FORWARD (\d+)/.exec(text);
      if (fetch && fetch[1] === '0') return { rows: [], fields: [{ name: 'body', dataTypeID: 25, dataTypeModifier: -1 }] };
      if (fetch) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const n = Math.min(Number(fetch[1]), rows - served);
        served += n;
        return { rows: Array.from({ length: n }, () => ['x'.repeat(ROW_BYTES)]), fields: [] };
      }
      if (text.includes('format_type')) return { rows: [['text']], fields: [] };
      return { rows: [], fields: [] };
    },
  };
  return { connect: async () => client } as unknown as pg.Pool;
}

const target = (i: number) => ({ name: `db_${i}`, host: 'localhost', port: 5432 }) as unknown as DatabaseTarget;
const settings = { statementTimeoutMs: 30_000, idleInTransactionMs: 60_000 };

describe('the byte budget of one read, shared by its databases', () => {
  it('gives every database its rows when together they fit, whatever other pages had reserved meanwhile', async () => {
    // Twenty databases of three 2 MB rows: 120 MB in all, under the 128 MB budget. After each one's first
    // row, each asks for the rest with room for more (16 MB reserved): together far past the budget.
    const shared = new SharedBytes(128 * 1024 * 1024);
    const statement = guardStatement('SELECT body FROM t');
    const typeNames = new TypeNameCache();
    const reads = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const cursor = await DatabaseCursor.open(fakePool(3, 20 + (i % 5) * 10), target(i), statement, [], { settings, typeNames });
        let rows = 0;
        const read = await cursor.read(1000, { pages: GRID_PAGES, maxBytes: 64 * 1024 * 1024, shared, onRows: (page) => void (rows += page.length) });
        return { rows, truncated: read.truncated };
      }),
    );
    expect(reads).toEqual(Array.from({ length: 20 }, () => ({ rows: 3, truncated: false })));
    expect(shared.left).toBe(128 * 1024 * 1024 - 60 * ROW_BYTES);
  });

  it('still stops the read once the rows taken spend it', async () => {
    const shared = new SharedBytes(20 * ROW_BYTES);
    const statement = guardStatement('SELECT body FROM t');
    const typeNames = new TypeNameCache();
    const reads = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const cursor = await DatabaseCursor.open(fakePool(10, 10), target(i), statement, [], { settings, typeNames });
        let rows = 0;
        const read = await cursor.read(1000, { pages: GRID_PAGES, maxBytes: 64 * 1024 * 1024, shared, onRows: (page) => void (rows += page.length) });
        return { rows, truncated: read.truncated };
      }),
    );
    // 40 rows asked for, room for about 20 (a page may pass the budget by what it brought).
    const total = reads.reduce((n, r) => n + r.rows, 0);
    expect(total).toBeGreaterThanOrEqual(18);
    expect(total).toBeLessThanOrEqual(28);
    expect(reads.some((r) => r.truncated)).toBe(true);
  });
});
