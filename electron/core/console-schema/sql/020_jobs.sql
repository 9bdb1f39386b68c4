-- Long work other than moves (moves keep shard_console.move_jobs): migration runs, backups, restores.
-- Written before the work runs and updated as it goes, so a restarted console still finds the job, and
-- a console running one holds a session advisory lock keyed by its id (a job "running" whose lock is
-- free was interrupted).
CREATE TABLE shard_console.jobs (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('migration', 'backup', 'restore')),
  title text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'interrupted', 'cancelled', 'rolled_back')),
  started_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  progress jsonb,
  -- the kind's own record: a migration run's per-database states, a backup's files
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  error jsonb
);
CREATE INDEX jobs_created ON shard_console.jobs (created_at DESC);
CREATE INDEX jobs_kind_created ON shard_console.jobs (kind, created_at DESC);
