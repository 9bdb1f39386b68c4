-- Sizes as they were when someone looked: the trend and "growth since the last look" on the shard pages.
-- One row per database per snapshot; at most one per database every 15 minutes (see size-snapshots.ts).
CREATE TABLE shard_console.size_snapshots (
  id bigserial PRIMARY KEY,
  taken_at timestamptz NOT NULL DEFAULT now(),
  database text NOT NULL,
  size_bytes bigint NOT NULL,
  websites integer,
  -- total bytes per table, for per-table growth
  table_bytes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX size_snapshots_database_taken ON shard_console.size_snapshots (database, taken_at DESC);
