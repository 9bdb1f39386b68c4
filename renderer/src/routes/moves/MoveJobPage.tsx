import { useEffect, useMemo, useState } from 'react';
import type { MoveJob } from '../../../../shared/contract.ts';
import { formatDuration } from '../../../../shared/format.ts';
import { ApiError } from '../../api/client.ts';
import { refetchOnPhase, useLiveJob } from '../../api/job-hooks.ts';
import { useReadAgainWhenFinished } from '../../api/hooks.ts';
import { StopJobButton } from '../../components/StopJobButton.tsx';
import { MoveStateBadge } from '../../components/MoveBadges.tsx';
import { MoveJobActions } from '../../components/MoveJobActions.tsx';
import { MoveProgress } from '../../components/MoveProgress.tsx';
import { MoveTimeline } from '../../components/MoveTimeline.tsx';
import { MoveVerification } from '../../components/MoveVerification.tsx';
import { ErrorPanel, ProblemPanel } from '../../components/ErrorPanel.tsx';
import { Fact } from '../../components/Fact.tsx';
import { Loading } from '../../components/Loading.tsx';
import { routeHref } from '../../router/routes.ts';
import { formatTimestamp, moveJobHref } from '../../view/move-list.ts';
import { appendSample } from '../../view/move-progress.ts';
import type { ProgressHistory } from '../../view/move-progress.ts';
import { jobSummary, shouldPoll } from '../../view/move-timeline.ts';
import { usePolling } from '../../api/use-polling.ts';
import { useMoveJob } from '../../api/move-hooks.ts';

const POLL_MS = 1000;

/**
 * The job, read again as it changes, with its copy-progress samples. Run by this console: followed by
 * its events, the job re-read when its step changes and about once a second while it copies
 * (per-table progress). Run by another console: asked for every second.
 */
function useFollowedMoveJob(jobId: string) {
  const query = useMoveJob(jobId);
  const job = query.data;
  const onEvent = useMemo(() => refetchOnPhase(query.refetch, POLL_MS), [query.refetch]);
  // An action taken here (resume, run, roll back) starts the job again: it is followed anew at once.
  const [acted, setActed] = useState(0);
  const live = useLiveJob(jobId, { onEvent, onEnd: () => query.refetch() }, `${job?.state}:${acted}`);
  usePolling(query.refetch, shouldPoll(job) && !live.following, POLL_MS);

  const [history, setHistory] = useState<ProgressHistory>([]);
  useEffect(() => {
    if (job !== undefined) setHistory((h) => appendSample(h, job));
  }, [job]);

  // A finished move changed where the website lives and how big each database is: read those again.
  useReadAgainWhenFinished('placement', job?.state);
  const onChanged = () => {
    query.refetch();
    setActed((n) => n + 1);
  };
  return { query, job, following: live.following, history, onChanged };
}

/** One move job, followed live: steps, copy progress with speed and time left, verification, and its valid actions. */
export function MoveJobPage({ jobId }: { jobId: string }) {
  const { query, job, following, history, onChanged } = useFollowedMoveJob(jobId);
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={routeHref({ name: 'moves' })}>Moves</a> <span aria-hidden="true">/</span> <span aria-current="page">Job {jobId.slice(0, 8)}</span>
      </nav>
      <header className="page__header">
        <h1>
          {job !== undefined ? `Website ${job.websiteId}: ${job.source} → ${job.target}` : 'Move job'} {job !== undefined && <MoveStateBadge job={job} />}
        </h1>
        <div className="page__actions">
          {following && <StopJobButton jobId={jobId} />}
          {job !== undefined && <MoveJobActions job={job} onChanged={onChanged} />}
          <button type="button" className="button" onClick={query.refetch} disabled={query.loading && job === undefined}>
            Refresh
          </button>
        </div>
      </header>
      {job !== undefined ? (
        <>
          {query.error !== undefined && <ErrorPanel error={query.error} onRetry={query.refetch} />}
          <JobBody job={job} history={history} />
        </>
      ) : query.error !== undefined ? (
        <ErrorPanel error={query.error} onRetry={isNotFound(query.error) ? undefined : query.refetch}>
          <p>
            <a href={routeHref({ name: 'moves' })}>Back to the move jobs</a>
          </p>
        </ErrorPanel>
      ) : (
        <Loading label="Reading the move job…" />
      )}
    </div>
  );
}

/** Stops a job this console runs at its next safe point (it can be resumed or rolled back after). */

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'JOB_NOT_FOUND';
}

function JobBody({ job, history }: { job: MoveJob; history: ProgressHistory }) {
  // Step timings only: `verify.hashes` and the like are parts of a step, already in its total.
  const total = Object.entries(job.timings).reduce((sum, [step, ms]) => (step.includes('.') ? sum : sum + ms), 0);
  return (
    <>
      <p className="move-summary" role="status" aria-live="polite" data-testid="move-summary">
        {jobSummary(job)}
      </p>
      {job.error !== null && (
        <ProblemPanel title={job.state === 'failed' ? 'The move failed' : 'Last error'}>
          <p className="error-panel__message" data-testid="move-error">
            {job.error}
          </p>
        </ProblemPanel>
      )}
      <section className="card">
        <dl className="facts" data-testid="move-facts">
          <div className="facts__item">
            <dt>Website</dt>
            <dd>
              <a href={routeHref({ name: 'tenant', id: job.websiteId })} data-testid="move-website-link">
                Website {job.websiteId}
              </a>
            </dd>
          </div>
          <Fact label="From" value={job.source} />
          <Fact label="To" value={job.target} />
          <Fact label="Started by" value={job.startedBy} />
          <Fact label="Created" value={formatTimestamp(job.createdAt)} />
          <Fact label="Finished" value={formatTimestamp(job.finishedAt)} />
          <Fact label="Time in steps" value={total > 0 ? formatDuration(total) : '—'} />
          <Fact label="Verified" value={job.verification.length === 0 ? '—' : job.verified ? 'yes, every table' : 'no'} testId="move-verified" />
          {job.rollbackJobId !== null && (
            <div className="facts__item">
              <dt>{job.state === 'rolled_back' ? 'Moved back by' : 'Move back (not finished)'}</dt>
              <dd>
                <a href={moveJobHref(job.rollbackJobId)}>job {job.rollbackJobId.slice(0, 8)}</a>
              </dd>
            </div>
          )}
        </dl>
      </section>
      <section className="card">
        <h2 className="card__title">Steps</h2>
        <MoveTimeline job={job} />
      </section>
      <section className="card">
        <h2 className="card__title">Copy</h2>
        <MoveProgress job={job} history={history} />
      </section>
      <section className="card">
        <h2 className="card__title">Verification</h2>
        <MoveVerification job={job} />
      </section>
    </>
  );
}
