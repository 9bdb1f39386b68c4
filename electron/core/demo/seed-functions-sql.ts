/*
 * Session-local helper functions for the seed statements. They live in pg_temp, so they vanish with
 * the session and never show up in the schema the console inspects. Every value derives from a hash of
 * a key and the seed, so a seed reproduces the same data whatever order rows are generated in.
 * hashtextextended is several times cheaper than md5 (it matters at 100k websites) and stable across
 * PostgreSQL versions, as hash partitioning requires; md5 is kept where a whole uuid is needed.
 */

export function seedFunctionsSql(seed: number): string {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const prefix = `'${seed}:'`;
  return `
CREATE FUNCTION pg_temp.rnd(key text) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (hashtextextended(key, ${seed}) & 4503599627370495)::double precision / 4503599627370496.0::double precision
$$;
CREATE FUNCTION pg_temp.pick(key text, lo integer, hi integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lo + floor(pg_temp.rnd(key) * (hi - lo + 1))::integer
$$;
CREATE FUNCTION pg_temp.uid(key text) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT md5(${prefix} || 'uuid:' || key)::uuid
$$;
CREATE FUNCTION pg_temp.ts(key text) RETURNS timestamp LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT timestamp '2022-01-01 00:00:00' + pg_temp.rnd(key) * interval '1000 days'
$$;
`;
}
