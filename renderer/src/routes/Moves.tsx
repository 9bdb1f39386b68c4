import type { MoveJob } from '../../../shared/contract.ts';
import { useMoveList } from '../api/move-hooks.ts';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { Loading } from '../components/Loading.tsx';
import { MoveStateBadge } from '../components/MoveBadges.tsx';
import { MoveJobActions } from '../components/MoveJobActions.tsx';
import { navigate } from '../router/use-route.ts';
import { useRowCursor } from '../components/use-row-cursor.ts';
import { moveJobRows } from '../view/move-list.ts';

/** Every move job, newest first, with the actions valid for each; a table the keyboard can walk. */
export function Moves() {
  const list = useMoveList();
  const jobs = list.data?.jobs ?? [];

  return (
    <div className="page">
      <header className="page__header">
        <h1>Moves</h1>
        <div className="page__actions">
          <span className="toolbar__hint muted">
            <kbd>↑</kbd>
            <kbd>↓</kbd> move · <kbd>Enter</kbd> open
          </span>
          <button type="button" className="button" onClick={list.refetch} disabled={list.loading && list.data === undefined}>
            Refresh
          </button>
        </div>
      </header>
      <p className="muted">
        Start a move from a website’s page (Tenants → a website → Move…). Jobs live on the primary, so every console and the CLI see the same list.
      </p>
      {list.error !== undefined && <ErrorPanel error={list.error} onRetry={list.refetch} />}
      {list.data === undefined ? (
        list.error === undefined && <Loading label="Reading the move jobs…" />
      ) : (
        <section className="card">
          {jobs.length === 0 ? <p className="muted">No move jobs yet.</p> : <MoveJobsTable jobs={jobs} onChanged={list.refetch} />}
        </section>
      )}
    </div>
  );
}

function MoveJobsTable({ jobs, onChanged }: { jobs: readonly MoveJob[]; onChanged: () => void }) {
  const rows = moveJobRows(jobs);
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const { current, currentId, setActive, tableRef, onKeyDown } = useRowCursor(
    rows.map((r) => r.jobId),
    (index) => `move-row-${index}`,
    (index) => navigate({ name: 'move', jobId: rows[index]!.jobId }),
  );

  return (
    <div className="table-scroll">
      <table
        ref={tableRef}
        className="table move-jobs"
        role="grid"
        aria-label="Move jobs"
        aria-rowcount={rows.length + 1}
        tabIndex={0}
        aria-activedescendant={currentId}
        onKeyDown={onKeyDown}
        data-testid="move-jobs"
      >
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Website</th>
            <th scope="col">From → to</th>
            <th scope="col">State</th>
            <th scope="col">Step</th>
            <th scope="col">Verified</th>
            <th scope="col">Created</th>
            <th scope="col">Started by</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <MoveJobRow
              key={row.jobId}
              row={row}
              index={index}
              job={byId.get(row.jobId)!}
              active={index === current}
              onOpen={() => {
                setActive(index);
                navigate({ name: 'move', jobId: row.jobId });
              }}
              onChanged={onChanged}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface MoveJobRowProps {
  readonly row: ReturnType<typeof moveJobRows>[number];
  readonly index: number;
  readonly job: MoveJob;
  readonly active: boolean;
  readonly onOpen: () => void;
  readonly onChanged: () => void;
}

function MoveJobRow({ row, index, job, active, onOpen, onChanged }: MoveJobRowProps) {
  return (
    <tr
      id={`move-row-${index}`}
      className={active ? 'row--active' : undefined}
      aria-selected={active}
      data-testid="move-job-row"
      data-job-id={row.jobId}
      data-state={row.state}
      onClick={onOpen}
    >
      <td className="mono">
        <a href={row.href} tabIndex={-1} onClick={(e) => e.stopPropagation()}>
          {row.shortId}
        </a>
      </td>
      <td>{row.websiteId}</td>
      <td>{row.route}</td>
      <td>
        <MoveStateBadge job={job} />
      </td>
      <td>{row.stepLabel}</td>
      <td>{row.verifiedLabel}</td>
      <td className="nowrap">{row.createdLabel}</td>
      <td>{row.startedBy}</td>
      <td onClick={(e) => e.stopPropagation()}>
        <MoveJobActions job={job} compact onChanged={onChanged} />
      </td>
    </tr>
  );
}
