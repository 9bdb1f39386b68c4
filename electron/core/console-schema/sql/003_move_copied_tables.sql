-- Per table, the copy's transaction on the target and the rows its COPY wrote: verification compares
-- them with the website's rows carrying that xmin, so proving "the copy wrote nothing else" needs no
-- scan of the target's other rows.
ALTER TABLE shard_console.move_jobs ADD COLUMN copied jsonb NOT NULL DEFAULT '{}'::jsonb;
