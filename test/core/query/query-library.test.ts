import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultQueryLibraryDir, HISTORY_BYTES, libraryKey, QueryLibrary } from '../../../electron/core/query/query-library.ts';

/* History and saved queries per profile in a folder of the user's: capped, deduplicated, atomic, private. */

async function library(options: { historyLimit?: number } = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'sc-query-library-'));
  return new QueryLibrary(path.join(root, 'queries'), options);
}

describe('history', () => {
  it('keeps the newest first, folds a repeat of the newest, and caps the list', async () => {
    const lib = await library({ historyLimit: 3 });
    const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));
    await lib.record('prod', { sql: 'SELECT 1', target: { kind: 'all' } }, at(1));
    await lib.record('prod', { sql: 'SELECT 1', target: { kind: 'all' } }, at(2));
    await lib.record('prod', { sql: 'SELECT 1', target: { kind: 'shards' } }, at(3));
    await lib.record('prod', { sql: 'SELECT 2' }, at(4));
    await lib.record('prod', { sql: 'SELECT 1', target: { kind: 'all' } }, at(5));
    await lib.record('prod', { sql: 'SELECT 3' }, at(6));
    expect(await lib.history('prod')).toEqual([
      { sql: 'SELECT 3', at: at(6).toISOString() },
      { sql: 'SELECT 1', target: { kind: 'all' }, at: at(5).toISOString() },
      { sql: 'SELECT 2', at: at(4).toISOString() },
    ]);
    expect(await lib.history('staging')).toEqual([]);
    await lib.clearHistory('prod');
    expect(await lib.history('prod')).toEqual([]);
  });

  it('loses nothing when many changes come at once', async () => {
    const lib = await library();
    await Promise.all(Array.from({ length: 50 }, (_, i) => lib.record('prod', { sql: `SELECT ${i}` })));
    expect((await lib.history('prod')).map((e) => e.sql).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `SELECT ${i}`).sort());
  });
});

describe('whose queries', () => {
  it('keeps two profiles of one name apart by where each was loaded from, and starts from what a name-only file held', async () => {
    const lib = await library();
    // Written by a console that keyed the library by the profile's name alone.
    await lib.save('rails:production', { name: 'old', sql: 'SELECT 0' });
    const shop = libraryKey({ name: 'rails:production', source: '/srv/shop/config/database.yml' });
    const blog = libraryKey({ name: 'rails:production', source: '/srv/blog/config/database.yml' });
    expect(lib.fileFor(shop)).not.toBe(lib.fileFor(blog));
    // A path as typed on a command line is the file the desktop app names in full.
    expect(libraryKey({ name: 'prod', source: 'prod.json' })).toBe(libraryKey({ name: 'prod', source: path.resolve('prod.json') }));
    expect(path.basename(lib.fileFor(shop))).toMatch(/^rails_production-[0-9a-f]{8}\.json$/);
    await lib.record(shop, { sql: 'SELECT shop' });
    await lib.save(blog, { name: 'blog only', sql: 'SELECT blog' });
    expect((await lib.history(shop)).map((e) => e.sql)).toEqual(['SELECT shop']);
    expect(await lib.history(blog)).toEqual([]);
    expect((await lib.saved(shop)).map((q) => q.name)).toEqual(['old']);
    expect((await lib.saved(blog)).map((q) => q.name)).toEqual(['blog only', 'old']);
  });
});

describe('two consoles writing one file (the desktop app and a CLI loop)', () => {
  it("keep each other's changes: every query saved in one survives the history the other records", async () => {
    const a = await library();
    const b = new QueryLibrary(a.dir);
    for (let i = 0; i < 20; i++) {
      await Promise.all([a.save('prod', { name: `keep-${i}`, sql: 'SELECT 1' }), b.record('prod', { sql: `SELECT ${i}` })]);
    }
    expect((await a.saved('prod')).map((q) => q.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `keep-${i}`).sort());
    expect(await b.history('prod')).toHaveLength(20);
    expect((await readdir(a.dir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('take over a lock its process left when it died, once stale', async () => {
    const lib = await library();
    await lib.record('prod', { sql: 'SELECT 1' });
    const lock = `${lib.fileFor('prod')}.lock`;
    await writeFile(lock, '99999');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await lib.record('prod', { sql: 'SELECT 2' });
    expect((await lib.history('prod')).map((e) => e.sql)).toEqual(['SELECT 2', 'SELECT 1']);
  });
});

describe("the history's size", () => {
  it('keeps the newest statements that fit in its byte budget, the newest whatever its size', async () => {
    const lib = await library();
    const big = (n: number) => `SELECT '${String(n).repeat(1)}${'x'.repeat(1024 * 1024)}'`;
    for (let i = 0; i < 8; i++) await lib.record('prod', { sql: big(i) });
    const kept = await lib.history('prod');
    expect(kept.length).toBeLessThan(8);
    expect(kept[0]!.sql).toBe(big(7));
    expect((await stat(lib.fileFor('prod'))).size).toBeLessThan(HISTORY_BYTES + 64 * 1024);
  });
});

describe('saved queries', () => {
  it('saves (replacing one of the same name), renames and deletes, per profile', async () => {
    const lib = await library();
    const at = new Date('2024-02-03T04:05:06Z');
    await lib.save('prod', { name: 'listings per shard', sql: 'SELECT count(*) FROM pwb_sale_listings', target: { kind: 'all' } }, at);
    await lib.save('prod', { name: ' photos ', sql: 'SELECT 1' }, at);
    await lib.save('prod', { name: 'photos', sql: 'SELECT 2' }, at);
    expect(await lib.saved('prod')).toEqual([
      { name: 'listings per shard', sql: 'SELECT count(*) FROM pwb_sale_listings', target: { kind: 'all' }, savedAt: at.toISOString() },
      { name: 'photos', sql: 'SELECT 2', savedAt: at.toISOString() },
    ]);
    expect(await lib.saved('other')).toEqual([]);
    await expect(lib.rename('prod', 'photos', 'listings per shard')).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: expect.stringContaining('exists already'),
    });
    await lib.rename('prod', 'photos', 'all photos');
    await expect(lib.delete('prod', 'photos')).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: 'No saved query named "photos" for profile prod. Saved: "all photos", "listings per shard".',
    });
    await lib.delete('prod', 'listings per shard');
    expect((await lib.saved('prod')).map((q) => q.name)).toEqual(['all photos']);
    await expect(lib.save('prod', { name: '  ', sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});

describe('the files', () => {
  it('are one per profile, mode 0600 in a 0700 folder, written whole (nothing left beside them)', async () => {
    const lib = await library();
    await lib.record('prod/eu', { sql: 'SELECT 1' });
    await lib.save('prod/eu', { name: 'x', sql: 'SELECT 1' });
    await lib.record('prod_eu', { sql: 'SELECT 2' });
    const files = await readdir(lib.dir);
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^prod_eu-[0-9a-f]{8}\.json$/.test(f))).toBe(true);
    expect((await stat(lib.dir)).mode & 0o777).toBe(0o700);
    for (const f of files) expect((await stat(path.join(lib.dir, f))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(lib.fileFor('prod/eu'), 'utf8'))).toMatchObject({ version: 1, profile: 'prod/eu', saved: [{ name: 'x' }] });
  });

  it('a file that is not ours is refused and left as it is, never overwritten', async () => {
    const lib = await library();
    await lib.record('prod', { sql: 'SELECT 1' });
    await writeFile(lib.fileFor('prod'), '{"not": "a history"}');
    await expect(lib.history('prod')).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('Move it aside') });
    await expect(lib.record('prod', { sql: 'SELECT 2' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await readFile(lib.fileFor('prod'), 'utf8')).toBe('{"not": "a history"}');
  });

  it('live in the per-user data folder beside the demo', () => {
    expect(defaultQueryLibraryDir({ platform: 'linux', home: '/home/ann', env: {}, root: false })).toBe('/home/ann/.local/share/shard-console/queries');
    expect(defaultQueryLibraryDir({ platform: 'linux', home: '/home/ann', env: { XDG_DATA_HOME: '/data' }, root: false })).toBe('/data/shard-console/queries');
    expect(defaultQueryLibraryDir({ platform: 'darwin', home: '/Users/ann', env: {}, root: false })).toBe(
      '/Users/ann/Library/Application Support/shard-console/queries',
    );
    expect(defaultQueryLibraryDir({ platform: 'win32', home: 'C:\\Users\\ann', env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, root: false })).toBe(
      'C:\\Users\\ann\\AppData\\Local\\shard-console\\queries',
    );
  });
});
