import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import { introspectDatabase } from '../../../../electron/core/catalog/introspect-database.ts';
import { nullsNotDistinct } from '../../../../electron/core/catalog/database-catalog.ts';
import type { DatabaseHandle } from '../../../../electron/core/pools/cluster-pools.ts';
import { copyFieldRaw, decodeCopyField, decodeCopyRow } from '../../../../electron/core/backups/archive/copy-fields.ts';
import { inspectArchive } from '../../../../electron/core/backups/archive/inspect-archive.ts';
import { openArchive } from '../../../../electron/core/backups/archive/open-archive.ts';
import { ConsoleError } from '../../../../shared/errors.ts';
import type { PgDumpArchive } from '../../../../electron/core/backups/archive/pg-dump-archive.ts';
import { runPgDump, startArchiveTestServer } from '../../../support/archive-test-server.ts';
import type { ArchiveTestServer } from '../../../support/archive-test-server.ts';

/*
 * Every format the real pg_dump 15 writes, read back without a server: the raw rows must be the
 * server's own COPY text byte for byte, the decoded fields the server's text output of each value.
 */

const ODD_TABLE = `
CREATE TABLE public.odd_values (
  id integer PRIMARY KEY,
  label text,
  note character varying(40) DEFAULT 'n/a'::character varying NOT NULL,
  f8 double precision, f4 real, num numeric(20,6),
  arr text[], iarr integer[], js json, jsb jsonb, bin bytea, u uuid,
  ts timestamp without time zone, tstz timestamp with time zone, iv interval,
  doubled integer GENERATED ALWAYS AS (id * 2) STORED,
  ident bigint GENERATED ALWAYS AS IDENTITY,
  CONSTRAINT odd_values_note_check CHECK (note <> ''),
  CONSTRAINT odd_values_ident UNIQUE NULLS NOT DISTINCT (ident) INCLUDE (note),
  CONSTRAINT odd_values_mixed CHECK (id > 0 AND (f8 IS NULL OR f8 > -1 OR f8 <= -1 OR f8 <> f8) AND NOT (label IS NOT NULL AND label = 'forbidden')),
  CONSTRAINT odd_values_arithmetic CHECK ((id + 1) * 2 - (id - 1) > 0 AND id * 2 + 1 > 0 AND id - (1 - 1) > 0),
  CONSTRAINT odd_values_lists CHECK (note IN ('n/a', 'x') OR note::text LIKE 'y%' OR lower(note) = ANY (ARRAY['a', 'b']) OR num BETWEEN 0 AND 1e9 OR (num IS NULL) IS NOT TRUE)
);
ALTER TABLE public.odd_values ADD CONSTRAINT odd_values_later CHECK (coalesce(num, 0) >= -1e12) NOT VALID;
CREATE INDEX odd_values_label ON public.odd_values (left(label, 100)) INCLUDE (note) WHERE label IS NOT NULL;
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Mixed Case" (id integer PRIMARY KEY, "Weird ""Col""" text, odd_id integer REFERENCES public.odd_values (id));
CREATE TABLE public.inserted_only (id integer, body text);
INSERT INTO public.inserted_only VALUES (1, E'two\\nlines'), (2, 'x');
INSERT INTO public.odd_values (id, label, f8, f4, num, arr, iarr, js, jsb, bin, u, ts, tstz, iv) VALUES
  (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (2, E'back\\\\slash\\ttab\\nnewline\\rcr \\\\. é 日本 😀 \\b\\f' || chr(11), 'NaN', 'Infinity', 123456.789012,
     '{"a,b","c\\"d",NULL,"NULL",""}', '{1,NULL,3}', '{"a": [1, 2, "x\\ty"]}', '{"k": "v\\n", "😀": null}',
     '\\x00ff5c0a0d09', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29 12:34:56.789', '2024-06-01 00:00:00+02',
     '1 year 2 mons 3 days 04:05:06.5'),
  (3, '\\.', '-Infinity', '-0', -0.000001, '{}', '{}', '[]', '[]', '\\x', '00000000-0000-0000-0000-000000000000',
     '0001-01-01 00:00:00', '1999-12-31 23:59:59.999999+00', '-1 days +00:00:01');
INSERT INTO public.odd_values (id, label, f8, num, arr, jsb, ts, iv)
  SELECT g, repeat(E'row ' || g || E'\\t\\\\ \\n', 1 + g % 5), g / 7.0, g * 1.5, ARRAY['x' || g, NULL], jsonb_build_object('g', g),
         timestamp '2020-01-01' + g * interval '1 minute', g * interval '1 second'
  FROM generate_series(4, 6000) g;
INSERT INTO public.odd_values (id, label) VALUES (6001, repeat('wide ', 60000));
INSERT INTO "Odd Schema"."Mixed Case" VALUES (1, 'one', 2), (2, NULL, NULL);
SELECT lo_from_bytea(0, '\\x0102'::bytea);
CREATE TABLE public.site_events (website_id integer NOT NULL, id integer NOT NULL, body text, PRIMARY KEY (website_id, id)) PARTITION BY LIST (website_id);
CREATE TABLE public.site_events_1 PARTITION OF public.site_events FOR VALUES IN (1);
CREATE TABLE public.site_events_rest PARTITION OF public.site_events DEFAULT;
INSERT INTO public.site_events SELECT 1 + g % 3, g, 'event ' || g FROM generate_series(1, 300) g;
CREATE VIEW public.odd_view AS
  SELECT v.id, (v.id > 5) AS big, coalesce(v.label, 'none') AS label, v.tstz::date AS day, (v.num * 2 + 1)::text AS twice
  FROM public.odd_values v LEFT JOIN "Odd Schema"."Mixed Case" m ON m.odd_id = v.id AND m.id > 0
  WHERE v.id < 100 OR v.label IS NULL;
CREATE MATERIALIZED VIEW public.odd_counts AS SELECT note, count(*) AS n FROM public.odd_values GROUP BY note HAVING count(*) > 0;
CREATE UNIQUE INDEX odd_counts_note ON public.odd_counts (note);
`;

const COPY_SETTINGS = `SET datestyle = ISO; SET intervalstyle = postgres; SET extra_float_digits = 3`;

let db: ArchiveTestServer;
const dumps: Record<string, string> = {};

beforeAll(async () => {
  db = await startArchiveTestServer();
  await db.pool.query(ODD_TABLE);
  const at = (name: string) => path.join(db.dumps, name);
  const excludeInserted = ['--exclude-table', 'public.inserted_only'];
  await Promise.all([
    db.pgDump(['-Fc', '-f', at('custom.dump'), ...excludeInserted]).then(() => (dumps.custom = at('custom.dump'))),
    db.pgDump(['-Fc', '-Z0', '-f', at('custom0.dump'), ...excludeInserted]).then(() => (dumps.customNone = at('custom0.dump'))),
    db.pgDump(['-Fc', ...excludeInserted], { stdoutTo: at('piped.dump') }).then(() => (dumps.piped = at('piped.dump'))),
    db.pgDump(['-Fd', '-f', at('dir'), ...excludeInserted]).then(() => (dumps.directory = at('dir'))),
    db.pgDump(['-Fd', '-Z0', '-f', at('dir0'), ...excludeInserted]).then(() => (dumps.directoryNone = at('dir0'))),
    db.pgDump(['-Fp', '-f', at('plain.sql'), ...excludeInserted]).then(() => (dumps.plain = at('plain.sql'))),
    db.pgDump(['-Fp', '-Z5', '-f', at('plain.sql.gz'), ...excludeInserted]).then(() => (dumps.plainGzip = at('plain.sql.gz'))),
  ]);
});

afterAll(async () => {
  await db?.stop();
});

async function serverCopyText(table: string, columns: readonly string[]): Promise<string> {
  const client = await db.pool.connect();
  try {
    await client.query(COPY_SETTINGS);
    const stream = client.query(pgCopyStreams.to(`COPY ${table} (${columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ')}) TO STDOUT`));
    const parts: Buffer[] = [];
    for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
    return Buffer.concat(parts).toString('latin1');
  } finally {
    client.release();
  }
}

async function archiveRows(archive: PgDumpArchive, table: string): Promise<Buffer[]> {
  const entry = archive.dataEntry(table);
  expect(entry, `no data entry for ${table}`).toBeDefined();
  const rows: Buffer[] = [];
  for await (const row of archive.rows(entry!)) rows.push(row);
  return rows;
}

const formats = ['custom', 'customNone', 'piped', 'directory', 'directoryNone', 'plain', 'plainGzip'] as const;

describe.each(formats)('a %s dump', (format) => {
  it("a stop while counting (the job's own reason, CANCELLED) is a stop, not damage to the archive", async () => {
    const archive = await openArchive(dumps[format]!);
    try {
      const controller = new AbortController();
      const stopped = inspectArchive(archive, {
        signal: controller.signal,
        onProgress: () => controller.abort(new ConsoleError('CANCELLED', 'Stopped on request by the test.')),
      });
      await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      await archive.close();
    }
  });

  it('gives every row byte for byte as the server COPYs it, and reads the header', async () => {
    const archive = await openArchive(dumps[format]!);
    try {
      for (const table of ['odd_values', 'Odd Schema.Mixed Case']) {
        const entry = archive.dataEntry(table)!;
        const quoted = table === 'odd_values' ? 'public.odd_values' : '"Odd Schema"."Mixed Case"';
        const expected = await serverCopyText(quoted, entry.columns);
        const rows = await archiveRows(archive, table);
        expect(Buffer.concat(rows.flatMap((r) => [r, Buffer.from('\n')])).toString('latin1')).toBe(expected);
      }
      expect(archive.dataEntry('odd_values')!.columns).not.toContain('doubled');
      // The large object made by lo_from_bytea: named, with the reason, in every format.
      expect(archive.notRead.map((n) => n.desc)).toEqual(expect.arrayContaining(['BLOB', 'BLOBS']));
      const version = (await db.pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
      expect(archive.info.serverVersion).toBe(version);
      expect(archive.info.pgDumpVersion).toMatch(/^15\./);
      expect(archive.info.encoding).toBe('UTF8');
      if (format.startsWith('plain')) {
        expect(archive.info).toMatchObject({
          format: 'plain',
          archiveVersion: null,
          dumpedAtLocal: null,
          compression: format === 'plainGzip' ? 'gzip' : 'none',
        });
      } else {
        expect(archive.info).toMatchObject({ archiveVersion: '1.14', database: db.server.database, offsetsUnset: format === 'piped' });
        expect(archive.info.format).toBe(format.startsWith('directory') ? 'directory' : 'custom');
        expect(archive.info.compression).toBe(format.endsWith('None') ? 'none' : 'gzip');
        expectRecentLocalTime(archive.info.dumpedAtLocal!);
      }
    } finally {
      await archive.close();
    }
  });

  it('decodes every field as the server prints the value', async () => {
    const archive = await openArchive(dumps[format]!);
    try {
      const entry = archive.dataEntry('odd_values')!;
      const client = await db.pool.connect();
      let expected: string[][];
      try {
        await client.query(COPY_SETTINGS);
        const select = entry.columns.map((c) => `${c}::text`).join(', ');
        const result = await client.query({ text: `SELECT ${select} FROM public.odd_values WHERE id <= 50 OR id = 6001 ORDER BY id`, rowMode: 'array' });
        expected = result.rows as string[][];
      } finally {
        client.release();
      }
      const decoded = new Map<string, (string | null)[]>();
      for await (const row of archive.rows(entry)) {
        const fields = decodeCopyRow(row);
        if (Number(fields[0]) <= 50 || fields[0] === '6001') decoded.set(fields[0]!, fields);
        // One field without decoding the row; raw bytes of the tenant-key-like first field.
        expect(decodeCopyField(row, 1)).toBe(fields[1]);
        expect(copyFieldRaw(row, 0)!.toString()).toBe(fields[0]);
      }
      expect(expected.map((r) => decoded.get(r[0]!))).toEqual(expected);
      expect(decoded.get('2')![1]).toBe('back\\slash\ttab\nnewline\rcr \\. é 日本 😀 \b\f\v');
      expect(decoded.get('3')![1]).toBe('\\.');
    } finally {
      await archive.close();
    }
  });
});

function expectRecentLocalTime(text: string): void {
  expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  const [date, time] = text.split('T') as [string, string];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const local = new Date(y, mo - 1, d, h, mi, s).getTime();
  expect(Math.abs(Date.now() - local)).toBeLessThan(15 * 60_000);
}

describe('a reader that stops early', () => {
  it('leaves the archive readable: the next read starts over cleanly, in every format', async () => {
    for (const format of formats) {
      const archive = await openArchive(dumps[format]!);
      try {
        const entry = archive.dataEntry('odd_values')!;
        for (let round = 0; round < 3; round++) {
          let seen = 0;
          for await (const row of archive.rows(entry)) if (++seen === 2 || row.length < 0) break;
          expect(seen, format).toBe(2);
        }
        expect(await archive.scanRows(entry, () => undefined), format).toBe(6001);
      } finally {
        await archive.close();
      }
    }
  });
});

describe('a partitioned table', () => {
  it('is counted under its root, per website, in every format', async () => {
    for (const format of formats) {
      const archive = await openArchive(dumps[format]!);
      try {
        expect(
          archive.dataEntries
            .map((e) => e.table)
            .filter((t) => t.startsWith('site_events'))
            .sort(),
        ).toEqual(['site_events_1', 'site_events_rest']);
        const counts = await inspectArchive(archive);
        expect(
          counts.tables.find((t) => t.table === 'site_events'),
          format,
        ).toMatchObject({ rows: 300, tenant: true, status: 'complete' });
        expect(counts.tables.map((t) => t.table)).not.toContain('site_events_1');
        expect(counts.websites.map((w) => [w.websiteId, w.tables.site_events])).toEqual([
          ['1', 100],
          ['2', 100],
          ['3', 100],
        ]);
      } finally {
        await archive.close();
      }
    }
  });
});

describe('what is named but not read', () => {
  it('names --inserts tables and large objects with the reason, and never counts them', async () => {
    const file = path.join(db.dumps, 'inserts.dump');
    await db.pgDump(['-Fc', '--inserts', '-f', file, '--table', 'public.inserted_only']);
    const withBlobs = path.join(db.dumps, 'blobs.dump');
    await db.pgDump(['-Fc', '-f', withBlobs]);
    const inserts = await openArchive(file);
    const blobs = await openArchive(withBlobs);
    try {
      expect(inserts.notRead).toEqual([expect.objectContaining({ desc: 'TABLE DATA', table: 'inserted_only', reason: expect.stringContaining('INSERT') })]);
      expect(inserts.dataEntries).toEqual([]);
      const counted = await inspectArchive(inserts);
      expect(counted.complete).toBe(true);
      expect(counted.tables.map((t) => t.table)).not.toContain('inserted_only');
      expect(counted.notRead).toHaveLength(1);
      expect(blobs.notRead.map((n) => n.desc).sort()).toEqual(['BLOB', 'BLOBS']);
      expect(blobs.notRead.every((n) => /large object/.test(n.reason))).toBe(true);
      const counts = await inspectArchive(blobs);
      expect(counts.complete).toBe(true);
      expect(counts.tables.find((t) => t.table === 'odd_values')?.rows).toBe(6001);
    } finally {
      await inserts.close();
      await blobs.close();
    }
  });
});

describe('a custom archive streamed through a named pipe', () => {
  it('is read in one pass, in its own order', async () => {
    const fifo = path.join(db.dumps, 'live.fifo');
    execFileSync('mkfifo', [fifo]);
    const dumping = runPgDump(db.server, db.password, ['-Fc', '--exclude-table', 'public.inserted_only'], { stdoutTo: fifo });
    const archive = await openArchive(fifo);
    try {
      expect(archive.seekable).toBe(false);
      expect(archive.info.offsetsUnset).toBe(true);
      const counts = await inspectArchive(archive);
      await dumping;
      expect(counts.complete).toBe(true);
      expect(Object.fromEntries(counts.tables.map((t) => [t.table, t.rows]))).toMatchObject({ odd_values: 6001, 'Odd Schema.Mixed Case': 2 });
    } finally {
      await archive.close();
    }
  });
});

describe('a reader that stops early', () => {
  /** This process's file descriptors open for reading on `file` (the test's own writer to the pipe is one for writing). */
  const openOn = (file: string) =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`) !== file) return false;
        const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
        return (Number.parseInt(flags, 8) & 3) === 0;
      } catch {
        return false;
      }
    }).length;

  it('closes the named pipe it was reading (pg_dump on the other end is not left blocked)', async () => {
    const fifo = path.join(db.dumps, 'early.fifo');
    execFileSync('mkfifo', [fifo]);
    const dumping = runPgDump(db.server, db.password, ['-Fc', '--exclude-table', 'public.inserted_only'], { stdoutTo: fifo }).catch(() => {});
    const archive = await openArchive(fifo);
    try {
      expect(openOn(fifo)).toBeGreaterThan(0);
      for await (const row of archive.rows(archive.dataEntry('odd_values')!)) {
        expect(row.length).toBeGreaterThan(0);
        break;
      }
      // The pipe's stream closes its descriptor once destroyed, a moment later; a leak never does.
      for (let waited = 0; openOn(fifo) > 0 && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(openOn(fifo)).toBe(0);
    } finally {
      await archive.close();
      await dumping;
    }
  });
});

describe('the schema from the archive', () => {
  it('is what live introspection gives, field for field, in every format', async () => {
    const handle = {
      query: (text: string, params?: unknown[]) => db.pool.query(text, params),
      longSession: () => db.pool.connect(),
    } as unknown as DatabaseHandle;
    const live = await introspectDatabase(handle);
    for (const format of formats) {
      const archive = await openArchive(dumps[format]!);
      const schema = archive.schema();
      await archive.close();
      const liveTables = live.tables.filter((t) => t.name !== 'inserted_only').map((t) => ({ ...t, rowEstimate: 0 }));
      expect(schema.tables, format).toEqual(liveTables);
      expect(schema.views, format).toEqual(live.views);
      const odd = schema.tables.find((t) => t.name === 'odd_values')!;
      expect(odd.columns.find((c) => c.name === 'doubled')).toMatchObject({ generated: true, default: '(id * 2)' });
      expect(odd.columns.find((c) => c.name === 'ident')).toMatchObject({ identity: true, default: null });
      expect(odd.indexes.find((i) => i.name === 'odd_values_label')).toMatchObject({
        columns: ['(expression)', 'note'],
        keyColumns: 1,
        predicate: '(label IS NOT NULL)',
      });
      const ident = odd.indexes.find((i) => i.name === 'odd_values_ident')!;
      expect(ident).toMatchObject({ columns: ['ident', 'note'], keyColumns: 1 });
      expect(nullsNotDistinct(ident)).toBe(true);
      expect(odd.indexes.filter(nullsNotDistinct).map((i) => i.name)).toEqual(['odd_values_ident']);
      expect(schema.tables.find((t) => t.name === 'Odd Schema.Mixed Case')!.foreignKeys).toEqual([
        { name: 'Mixed Case_odd_id_fkey', columns: ['odd_id'], refTable: 'odd_values', refColumns: ['id'] },
      ]);
    }
  });
});

describe('a plain dump of a LATIN1 database whose table and column names are not ASCII', () => {
  it('gives every row whole: the COPY line is measured in bytes as written, not as UTF-8 text', async () => {
    await db.pool.query(`CREATE DATABASE latin_names ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    const client = new pg.Client({ host: db.server.host, port: db.server.port, user: db.server.user, password: db.password, database: 'latin_names' });
    await client.connect();
    try {
      await client.query(`CREATE TABLE "café" (id integer, "número" text, website_id integer)`);
      await client.query(`INSERT INTO "café" VALUES (1, 'é', 7), (2, 'à', 7)`);
    } finally {
      await client.end();
    }
    const file = path.join(db.dumps, 'latin.sql');
    await db.pgDump(['-Fp', '-f', file], { database: 'latin_names' });
    const archive = await openArchive(file);
    try {
      const entry = archive.dataEntries.find((e) => e.columns.includes('id'));
      expect(entry, 'the table data entry').toBeDefined();
      const rows: string[] = [];
      for await (const row of archive.rows(entry!)) rows.push(row.toString('latin1'));
      expect(rows).toEqual(['1\t\xe9\t7', '2\t\xe0\t7']);
    } finally {
      await archive.close();
    }
  });
});
