import type pg from 'pg';

/*
 * How a query's values reach the grid, the CLI's JSON and the export files: every value is JSON as it
 * is, with nothing lost on the way. node-postgres' defaults would turn timestamps into Dates (losing
 * microseconds and shifting dates to local midnight), bytea into Buffers, and floats' NaN/Infinity into
 * numbers JSON cannot hold. So, read as text and parsed only where the parse is exact:
 *   boolean                          -> true / false
 *   smallint, integer, oid           -> number
 *   real, double precision           -> number; NaN, Infinity, -Infinity as those strings
 *   timestamp, timestamptz           -> ISO 8601: `2024-01-02T03:04:05.123456` / `...Z` (the session runs in UTC);
 *                                       `infinity` and BC values as PostgreSQL writes them
 *   date                             -> `2024-01-02` (DateStyle ISO)
 *   bytea                            -> `\x0102…` (bytea_output hex)
 *   everything else                  -> PostgreSQL's text form: bigint and numeric (exact, beyond 2^53),
 *                                       json/jsonb (its text, numbers unrounded), arrays `{1,2}`, intervals,
 *                                       composite types, ranges, geometric types.
 */

const BOOL = 16;
const INTEGERS = new Set([21, 23, 26]);
const FLOATS = new Set([700, 701]);
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const asText = (value: string): string => value;

function asFloat(value: string): number | string {
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}

/** `2024-01-02 03:04:05.5+00` -> `2024-01-02T03:04:05.5Z`; an offset other than zero stays, as `+05:30`. */
function asIsoTimestamp(value: string): string {
  if (!/^\d{4,}-\d\d-\d\d \d/.test(value) || value.endsWith(' BC')) return value;
  const iso = value.replace(' ', 'T');
  return iso.replace(/([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/, (_m, sign: string, hh: string, mm?: string, ss?: string) =>
    hh === '00' && (mm ?? '00') === '00' && (ss ?? '00') === '00' ? 'Z' : `${sign}${hh}:${mm ?? '00'}${ss ? `:${ss}` : ''}`,
  );
}

function textParser(oid: number): (value: string) => unknown {
  if (oid === BOOL) return (v) => v === 't';
  if (INTEGERS.has(oid)) return Number;
  if (FLOATS.has(oid)) return asFloat;
  if (oid === TIMESTAMP || oid === TIMESTAMPTZ) return asIsoTimestamp;
  return asText;
}

/** The `types` of the query pools' clients: values as described above (text format; binary is never asked for). */
export const jsonSafeTypes: pg.CustomTypesConfig = Object.freeze({
  getTypeParser: ((oid: number) => textParser(oid)) as pg.CustomTypesConfig['getTypeParser'],
});

/**
 * The session settings the values above assume, pinned per transaction (SET LOCAL) so a server's or a
 * role's own defaults cannot change what the grid shows; standard_conforming_strings is what the
 * statement guard lexes by.
 */
export const PINNED_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  bytea_output: 'hex',
  extra_float_digits: '1',
  standard_conforming_strings: 'on',
});
