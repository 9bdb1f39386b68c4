import type { Job, JobKind } from '../../../shared/contract.ts';
import { useJobList, useLiveJob } from '../api/job-hooks.ts';
import { ErrorPanel, ProblemPanel } from '../components/ErrorPanel.tsx';
import { JobProgressBar } from '../components/JobProgressBar.tsx';
import { StopJobButton } from '../components/StopJobButton.tsx';
import { Loading } from '../components/Loading.tsx';
import { useRowCursor } from '../components/use-row-cursor.ts';
import { jobRow, STORE_NOTES, watchedJobIds } from '../view/job-list.ts';
import { describeError } from '../view/error-text.ts';

/** What a stop leaves, said in the confirmation: each kind stops at its own safe point. */
const STOP_AFTER: Record<JobKind, string> = {
  move: 'It can be resumed or rolled back after.',
  restore: 'It can be resumed or rolled back after.',
  migration: 'The migration in flight rolls back; the rest stay pending, and applying again resumes.',
  backup: 'A dump not finished leaves no file, and the manifest says which did not finish; nothing changes on the databases.',
  'size-scan': 'Nothing changes on the databases.',
};

/** Every job of every kind, newest first; jobs this console runs show live progress and a Stop. */
export function Jobs() {
  const list = useJobList();
  const jobs = list.data?.jobs ?? [];
  return (
    <div className="page">
      <header className="page__header">
        <h1>Jobs</h1>
        <div className="page__actions">
          <button type="button" className="button" onClick={list.refetch} disabled={list.loading && list.data === undefined}>
            Refresh
          </button>
        </div>
      </header>
      {list.data && (
        <p className="muted" data-testid="jobs-store">
          {STORE_NOTES[list.data.store]}
        </p>
      )}
      {list.data?.unreadable.map((info) => (
        <ProblemPanel key={`${info.code}:${info.message}`} title="Some jobs could not be read">
          <p className="error-panel__message" data-testid="jobs-unreadable">
            {info.message} The jobs listed are the ones this console could read; Refresh once it answers.
          </p>
        </ProblemPanel>
      ))}
      {list.error !== undefined && <ErrorPanel error={list.error} onRetry={list.refetch} />}
      {list.data === undefined ? (
        list.error === undefined && <Loading label="Reading the jobs…" />
      ) : (
        <section className="card">{jobs.length === 0 ? <p className="muted">No jobs yet.</p> : <JobsTable jobs={jobs} onChanged={list.refetch} />}</section>
      )}
    </div>
  );
}

function JobsTable({ jobs, onChanged }: { jobs: readonly Job[]; onChanged: () => void }) {
  const watched = watchedJobIds(jobs);
  // Held on a job, not a place: a job started elsewhere appears on top without moving the cursor.
  const { current, currentId, tableRef, onKeyDown } = useRowCursor(
    jobs.map((j) => j.jobId),
    (index) => `job-row-${index}`,
    (index) => {
      window.location.hash = jobs[index]!.href;
    },
  );
  return (
    <div className="table-scroll">
      <table
        ref={tableRef}
        className="table"
        role="grid"
        aria-label="Jobs"
        tabIndex={0}
        aria-activedescendant={currentId}
        onKeyDown={onKeyDown}
        data-testid="jobs"
      >
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Kind</th>
            <th scope="col">What</th>
            <th scope="col">State</th>
            <th scope="col" className="progress-col">
              Progress
            </th>
            <th scope="col">Where</th>
            <th scope="col">Started</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job, index) => (
            <JobRow key={job.jobId} job={job} index={index} active={index === current} watched={watched.has(job.jobId)} onChanged={onChanged} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function JobRow({ job, index, active, watched, onChanged }: { job: Job; index: number; active: boolean; watched: boolean; onChanged: () => void }) {
  // A job running here is followed by its events: the row's bar moves with no request.
  const live = useLiveJob(watched ? job.jobId : null, { onEnd: onChanged });
  const known = live.job ?? job;
  const row = jobRow(known);
  // While it runs, the newest event; once it has ended, what the job itself says (never a bar frozen mid-way).
  const progress = known.state === 'running' ? (live.progress ?? job.progress) : (known.progress ?? live.progress);
  return (
    <tr
      id={`job-row-${index}`}
      className={active ? 'row--active' : undefined}
      aria-selected={active}
      data-testid="job-row"
      data-job-id={job.jobId}
      data-kind={job.kind}
      data-state={row.state}
    >
      <td className="mono">
        <a href={row.href}>{row.shortId}</a>
      </td>
      <td>{row.kind}</td>
      <td>{row.title}</td>
      <td>
        <span className={`badge badge--${row.state}`}>{row.stateLabel}</span>
        {known.error && <div className="muted">{known.error.message}</div>}
        {live.error !== undefined && (
          <div className="muted" data-testid="job-watch-lost">
            Live progress lost ({describeError(live.error).message}): read every 2 s instead.
          </div>
        )}
      </td>
      <td className="progress-col">
        <JobProgressBar event={progress} earlier={live.earlier} at={live.progressAt} label={row.title} />
      </td>
      <td>{row.where}</td>
      <td className="nowrap">
        {row.createdLabel}
        <div className="muted">{row.startedBy}</div>
      </td>
      <td>
        {job.actions.includes('stop') && <StopJobButton jobId={job.jobId} onStopped={onChanged} after={STOP_AFTER[job.kind]} />}
        {(job.kind === 'move' || job.kind === 'restore') && job.actions.some((a) => a !== 'stop') && <a href={row.href}>Resume or roll back…</a>}
        {job.actions.includes('rerun') && <a href="#/migrations">Run again…</a>}
      </td>
    </tr>
  );
}
