-- Every mutating action, recorded before it runs and updated with its outcome.
CREATE TABLE shard_console.audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  outcome text NOT NULL DEFAULT 'started' CHECK (outcome IN ('started', 'succeeded', 'failed')),
  finished_at timestamptz,
  error text
);
CREATE INDEX audit_log_at ON shard_console.audit_log (at DESC);
