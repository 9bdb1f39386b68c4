import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../../electron/core/demo/seed-demo.ts';
import { applyMigrations } from '../../../../electron/core/migrations/apply-migrations.ts';
import { inspectArchive } from '../../../../electron/core/backups/archive/inspect-archive.ts';
import { openArchive } from '../../../../electron/core/backups/archive/open-archive.ts';
import type { PgDumpArchive } from '../../../../electron/core/backups/archive/pg-dump-archive.ts';
import { startArchiveTestServer } from '../../../support/archive-test-server.ts';
import type { ArchiveTestServer } from '../../../support/archive-test-server.ts';
import { rewriteArchive } from '../../../support/pg-dump-archive-writer.ts';
import type { RewriteOptions } from '../../../support/pg-dump-archive-writer.ts';

/*
 * Archive versions 1.15 and 1.16 and lz4/zstd compression, which no pg_dump on this machine writes: a
 * real pg_dump 15 archive rewritten to the spec by the test writer must read back to the same rows
 * and the same counts as the original.
 */

let db: ArchiveTestServer;
let source: string;
const rowsOf = new Map<string, Buffer>();
let counts: Awaited<ReturnType<typeof inspectArchive>>;

async function allRows(archive: PgDumpArchive): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of archive.dataEntries) {
    const rows: Buffer[] = [];
    for await (const row of archive.rows(entry)) rows.push(row, Buffer.from('\n'));
    out.set(entry.table, Buffer.concat(rows));
  }
  return out;
}

beforeAll(async () => {
  db = await startArchiveTestServer();
  await applyMigrations(db.pool, { layout: 'primary' });
  await seedDemo({ primary: db.pool, shards: {} }, { websites: 6, scale: 0.02 });
  // A table wide enough that its compressed data spans many 4 KiB chunks and several LZ4 blocks.
  await db.pool.query(`CREATE TABLE public.wide_notes AS SELECT g AS id, repeat(md5(g::text) || E'\\t\\\\ é😀 ', 40) AS body FROM generate_series(1, 6000) g`);
  source = path.join(db.dumps, 'source.dump');
  await db.pgDump(['-Fc', '-f', source]);
  const original = await openArchive(source);
  for (const [table, rows] of await allRows(original)) rowsOf.set(table, rows);
  counts = await inspectArchive(original);
  await original.close();
});

afterAll(async () => {
  await db?.stop();
});

const cases: RewriteOptions[] = [
  { version: '1.12', compression: 'gzip', format: 'custom' },
  { version: '1.13', compression: 'none', format: 'directory' },
  { version: '1.14', compression: 'gzip', format: 'custom' },
  { version: '1.15', compression: 'none', format: 'custom' },
  { version: '1.15', compression: 'gzip', format: 'custom' },
  { version: '1.15', compression: 'lz4', format: 'custom' },
  { version: '1.15', compression: 'zstd', format: 'custom' },
  { version: '1.16', compression: 'lz4', format: 'custom', piped: true },
  { version: '1.16', compression: 'zstd', format: 'custom', piped: true },
  { version: '1.16', compression: 'gzip', format: 'directory' },
  { version: '1.16', compression: 'lz4', format: 'directory' },
  { version: '1.16', compression: 'zstd', format: 'directory' },
];

describe.each(cases)('archive version $version, $compression, $format (piped: $piped)', (options) => {
  it('reads the same header, rows and counts as the pg_dump 15 original', async () => {
    const target = path.join(db.dumps, `${options.version}-${options.compression}-${options.format}${options.piped ? '-piped' : ''}`);
    await rewriteArchive(source, target, options);
    const archive = await openArchive(target);
    try {
      expect(archive.info).toMatchObject({
        archiveVersion: options.version,
        compression: options.compression,
        format: options.format,
        offsetsUnset: options.piped ?? false,
      });
      const tableEntry = archive.info.entries.find((e) => e.desc === 'TABLE' && e.tag === 'pwb_pages')!;
      expect(tableEntry.relkind).toBe(options.version === '1.16' ? 'r' : null);
      expect(archive.info.pgDumpVersion).toMatch(/^15\./);
      expect(tableEntry.tableAm).toBe(Number(options.version.split('.')[1]) >= 14 ? 'heap' : null);
      const rows = await allRows(archive);
      expect([...rows.keys()].sort()).toEqual([...rowsOf.keys()].sort());
      for (const [table, text] of rows) expect(text.equals(rowsOf.get(table)!), table).toBe(true);
      const again = await inspectArchive(archive);
      expect(again).toEqual(counts);
    } finally {
      await archive.close();
    }
  });
});
