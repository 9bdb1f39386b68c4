import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCopyField } from '../../../electron/core/backups/archive/copy-fields.ts';
import { openArchive } from '../../../electron/core/backups/archive/open-archive.ts';
import { fieldNormalizers, RowDigest } from '../../../electron/core/restore/row-digest.ts';
import { readBackBatches } from '../../../electron/core/restore/verify-restore.ts';
import { largestWebsite, startRestoreFixture, type RestoreFixture } from '../../support/restore-fixture.ts';

/*
 * Every type PWB uses, in a tenant table of the test's own on a database whose defaults print values
 * differently (TimeZone Europe/Amsterdam, whose 1890 offset is +00:19:32 local mean time, bytea_output
 * escape, DateStyle SQL/DMY, IntervalStyle sql_standard, extra_float_digits 0), dumped by the real
 * pg_dump with those defaults. Per type: the archive's text and the text read back under the pinned
 * settings compare equal once normalized, and a restore of the table verifies and gives back the values.
 */

let f: RestoreFixture;
let site: number;
let archive: string;

const TABLE = `CREATE TABLE restore_types (
  id bigserial PRIMARY KEY,
  website_id bigint NOT NULL,
  ts timestamp, ts3 timestamp(3), tstz timestamptz, d date, t time, ttz timetz,
  num numeric, num4 numeric(12,4), f8 double precision, f4 real,
  iv interval, js json, jsb jsonb,
  txt_arr text[], int_arr integer[], tstz_arr timestamptz[], jsb_arr jsonb[],
  by bytea, u uuid, b boolean, txt text, vc varchar(40), tr tstzrange
)`;

/** One row per line: the hard cases of each type (NULLs in a row of their own). */
const ROWS = `INSERT INTO restore_types (website_id, ts, ts3, tstz, d, t, ttz, num, num4, f8, f4, iv, js, jsb, txt_arr, int_arr, tstz_arr, jsb_arr, by, u, b, txt, vc, tr) VALUES
 ($1, '2024-03-31 02:30:00', '2024-01-01 00:00:00.123', '2024-03-31 01:30:00+00', '2024-02-29', '23:59:59.999999', '10:00:00+05:30', 1.500, 1.5, 'NaN', 'Infinity',
  '1 mon 2 days 03:04:05.5', '{"b": 1, "a":  [1, 2], "a": 3}', '{"b": 1, "a": [1, 2.50]}', ARRAY['plain', 'with,comma', 'with "quote"', 'back\\slash', NULL, '{braces}', ''],
  ARRAY[1, NULL, -3], ARRAY['2024-07-01 12:00:00+00'::timestamptz, '1890-06-01 12:00:00+00', 'infinity'], ARRAY['{"x": 1}'::jsonb, 'null'],
  (SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) i), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true,
  E'tab\\there\\nnew line \\\\ backslash ünïcödé €', 'varchar ✓', tstzrange('2024-01-01 00:00+00', '2024-12-31 23:59:59.5+00', '[)')),
 ($1, '0044-03-15 12:00:00 BC', '1999-12-31 23:59:59.999', '0044-03-15 12:00:00+00 BC', '0001-01-01 BC', '00:00:00', '00:00:00-12:00', -0.000000000000000000001, -12345678.9999, '-Infinity', '-0',
  '-1 years -2 mons +3 days -04:05:06', '[]', '[]', '{}', '{}', '{}', '{}', '\\x', '00000000-0000-0000-0000-000000000000', false, '', '', 'empty'),
 ($1, 'infinity', '2024-06-01 12:00:00', '12345-01-01 00:00:00.000001+00', 'infinity', '12:34:56.789', '23:59:59+14', 'NaN', 0, 1e-300, 3.4028235e38,
  '00:00:00.000001', '"a string"', '{"nested": {"deep": [true, false, null]}}', ARRAY['ünï', 'a\tb'], ARRAY[2147483647], ARRAY['1890-06-01 12:00:00+00'::timestamptz], ARRAY[]::jsonb[],
  '\\x00ff5c7f80', 'ffffffff-ffff-ffff-ffff-ffffffffffff', NULL, 'x', 'y', '(,)'),
 ($1, '-infinity', NULL, '-infinity', '-infinity', NULL, NULL, 123456789012345678901234567890.123456789, NULL, 0.1, 0.1, '-00:00:00.000001', 'null', '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ($1, '1970-01-01 00:00:00', NULL, '1890-06-01 12:00:00+00', NULL, NULL, NULL, 0.1, NULL, 1.7976931348623157e308, -3.4028235e38, '1 day', '1.50', '1.50', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ($1, '2000-01-01', NULL, '2000-01-01 00:00:00+00', NULL, NULL, NULL, -0, NULL, '-0', 1.1754944e-38, '0', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ($1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

/** The columns compared one at a time, by type. */
const COLUMNS = [
  'ts',
  'ts3',
  'tstz',
  'd',
  't',
  'ttz',
  'num',
  'num4',
  'f8',
  'f4',
  'iv',
  'js',
  'jsb',
  'txt_arr',
  'int_arr',
  'tstz_arr',
  'jsb_arr',
  'by',
  'u',
  'b',
  'txt',
  'vc',
  'tr',
];

/** Every row of the table as UTC text: what the values are, whatever the session prints. */
async function values(): Promise<unknown[]> {
  const client = await f.pc.client('shard_1');
  try {
    await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'`);
    return (await client.query(`SELECT to_jsonb(r) - 'id' AS row, r.js::text AS js FROM restore_types r WHERE website_id = $1 ORDER BY id`, [site])).rows;
  } finally {
    await client.end();
  }
}

let before: unknown;

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 7 });
  site = await largestWebsite(f, 'shard_1');
  await f.sql('shard_1', TABLE);
  await f.sql('shard_1', ROWS, [site]);
  const [db] = await f.sql('shard_1', 'SELECT current_database() AS name');
  await f.sql(
    'shard_1',
    `ALTER DATABASE "${db.name}" SET TimeZone = 'Europe/Amsterdam'; ALTER DATABASE "${db.name}" SET bytea_output = 'escape'; ALTER DATABASE "${db.name}" SET DateStyle = 'SQL, DMY'; ALTER DATABASE "${db.name}" SET IntervalStyle = 'sql_standard'; ALTER DATABASE "${db.name}" SET extra_float_digits = 0`,
  );
  before = await values();
  archive = await f.dump('shard_1', 'types.dump');
}, 240_000);
afterAll(() => f?.stop());

/** One column's digest over the archive's lines of the website (fields as pg_dump printed them), normalized or not. */
async function archiveDigest(column: string, type: string, normalize: boolean): Promise<{ rows: number; hash: string; texts: string[] }> {
  const opened = await openArchive(archive);
  try {
    const entry = opened.dataEntry('restore_types')!;
    const [normalizer] = fieldNormalizers([type], { shortestFloats: false });
    const digest = new RowDigest();
    const texts: string[] = [];
    const range = { start: 0, end: 0 };
    for await (const line of opened.rows(entry)) {
      findCopyField(line, 0, line.length, entry.columns.indexOf('website_id'), range);
      if (line.toString('latin1', range.start, range.end) !== String(site)) continue;
      findCopyField(line, 0, line.length, entry.columns.indexOf(column), range);
      const field = line.subarray(range.start, range.end);
      texts.push(field.toString('utf8'));
      digest.add(normalize && normalizer ? normalizer(field) : field);
    }
    return { rows: digest.rows, hash: digest.hash, texts };
  } finally {
    await opened.close();
  }
}

/** The same column read back from the live table the way verification reads it. */
async function liveDigest(column: string, type: string, normalize: boolean): Promise<{ rows: number; hash: string; texts: string[] }> {
  const [normalizer] = fieldNormalizers([type], { shortestFloats: false });
  const digest = new RowDigest();
  const texts: string[] = [];
  for await (const fields of readBackBatches(f.ctx.pools.get('shard_1'), `SELECT t."${column}" FROM restore_types t WHERE t.website_id = ${site}`, 'UTF8')) {
    for (const field of fields) {
      texts.push(field.toString('utf8'));
      digest.add(normalize && normalizer ? normalizer(field) : field);
    }
  }
  return { rows: digest.rows, hash: digest.hash, texts };
}

describe('values whose text depends on the session, compared', () => {
  it.each(COLUMNS)(
    '%s: the archive and the read-back agree once normalized',
    async (column) => {
      const [{ type }] = await f.sql(
        'shard_1',
        `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'restore_types'::regclass AND attname = $1`,
        [column],
      );
      const archived = await archiveDigest(column, type, true);
      const live = await liveDigest(column, type, true);
      expect(archived.rows).toBe(7);
      expect({ rows: live.rows, hash: live.hash }).toEqual({ rows: archived.rows, hash: archived.hash });
      // Where the text depends on the session (timestamptz in Amsterdam time, escape-format bytea), the raw texts differ: normalizing is what makes them agree.
      const raw = [await archiveDigest(column, type, false), await liveDigest(column, type, false)];
      if (['tstz', 'tstz_arr', 'tr', 'by'].includes(column)) expect(raw[0]!.hash).not.toBe(raw[1]!.hash);
      else expect(raw[0]!.hash).toBe(raw[1]!.hash);
    },
    60_000,
  );

  it('shows the session-dependent texts it normalized', async () => {
    const tstz = await archiveDigest('tstz', 'timestamp with time zone', false);
    // Amsterdam's summer time, and before 1892 its local mean time (tzdata's offset for it, seconds included).
    expect(tstz.texts).toEqual(
      expect.arrayContaining([
        '2024-03-31 03:30:00+02',
        expect.stringMatching(/^1890-06-01 12:\d\d:\d\d\+00:\d\d:\d\d$/),
        expect.stringMatching(/^0044-03-15 .*\+00:\d\d:\d\d BC$/),
      ]),
    );
    expect((await liveDigest('tstz', 'timestamp with time zone', false)).texts).toEqual(
      expect.arrayContaining(['2024-03-31 01:30:00+00', '1890-06-01 12:00:00+00']),
    );
    expect((await archiveDigest('by', 'bytea', false)).texts[2]).toBe('\\\\000\\\\377\\\\\\\\\\\\177\\\\200');
    expect((await liveDigest('by', 'bytea', false)).texts[2]).toBe('\\\\x00ff5c7f80');
  }, 60_000);
});

describe('a restore of every type', () => {
  it('verifies and gives back every value exactly', async () => {
    await f.sql(
      'shard_1',
      `UPDATE restore_types SET ts = NULL, tstz = now(), num = 2, f8 = 1, iv = '2 days', js = '{}', jsb = '{}', by = '\\x01', u = NULL, txt_arr = NULL WHERE website_id = $1`,
      [site],
    );
    await f.sql(
      'shard_1',
      `DELETE FROM restore_types WHERE website_id = $1 AND id IN (SELECT id FROM restore_types WHERE website_id = $1 ORDER BY id LIMIT 2)`,
      [site],
    );
    expect(await values()).not.toEqual(before);
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'replace' })).jobId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    expect(job.tables.find((t) => t.table === 'restore_types')).toMatchObject({ archiveRows: 7, targetRows: 7, ok: true });
    expect(await values()).toEqual(before);
  }, 120_000);

  it('verifies side by side too (the same read-back against a table of the side schema)', async () => {
    const job = await f.settle((await f.call('restores.start', { websiteId: site, path: archive, mode: 'side-by-side', intoSchema: 'typed' })).jobId);
    expect(job).toMatchObject({ state: 'succeeded', verified: true });
    const [same] = await f.sql(
      'shard_1',
      `SELECT (SELECT array_agg(to_jsonb(r) - 'id' ORDER BY id) FROM typed.restore_types r) = (SELECT array_agg(to_jsonb(r) - 'id' ORDER BY id) FROM restore_types r WHERE website_id = ${site}) AS same`,
    );
    expect(same.same).toBe(true);
  }, 120_000);
});
