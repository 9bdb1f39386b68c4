-- Move jobs: every step is written here before it runs, so any console can see, resume or roll back.
CREATE TABLE shard_console.move_jobs (
  id uuid PRIMARY KEY,
  website_id integer NOT NULL,
  source text NOT NULL,
  target text NOT NULL,
  state text NOT NULL CHECK (state IN ('planned', 'running', 'failed', 'succeeded', 'rolled_back', 'cancelled')),
  step text NOT NULL,
  started_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  plan jsonb,
  progress jsonb NOT NULL DEFAULT '[]'::jsonb,
  verification jsonb NOT NULL DEFAULT '[]'::jsonb,
  timings jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- transaction ids of the copy on the target: proof that the move wrote no row but the website's there
  copy_xids jsonb NOT NULL DEFAULT '[]'::jsonb,
  rollback_of uuid REFERENCES shard_console.move_jobs (id),
  rollback_job uuid REFERENCES shard_console.move_jobs (id),
  refreshed_at jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- Two moves of the same website cannot run at once: an unfinished job blocks the next until it is
-- finished, rolled back or cancelled.
CREATE UNIQUE INDEX move_jobs_one_open_per_website ON shard_console.move_jobs (website_id)
  WHERE state IN ('planned', 'running', 'failed');
CREATE INDEX move_jobs_created ON shard_console.move_jobs (created_at DESC);
