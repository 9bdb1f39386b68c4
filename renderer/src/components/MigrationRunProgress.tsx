import type { ReactNode } from 'react';
import type { MigrationRun } from '../../../shared/contract.ts';
import { stillPending } from '../../../shared/format.ts';
import { runPercent, runSummary } from '../view/migration-matrix.ts';

/** A run while it goes and after: overall progress, then where every database stands. */
export function MigrationRunProgress({ run, stop = null }: { run: MigrationRun; stop?: ReactNode }) {
  const percent = runPercent(run);
  return (
    <section className={`card run run--${run.state}`} data-testid="migration-run" data-state={run.state} data-run-id={run.runId}>
      <h2 className="card__title">Migration run</h2>
      {stop}
      <p role="status" aria-live="polite" className="run__summary">
        {runSummary(run)}
      </p>
      <progress className="run__bar" max={100} value={percent} aria-label="Migrations applied" />
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Database</th>
            <th scope="col">State</th>
            <th scope="col">Applied now</th>
            <th scope="col">Still pending</th>
          </tr>
        </thead>
        <tbody>
          {run.databases.map((d) => (
            <tr key={d.name} data-testid={`run-${d.name}`} data-state={d.state}>
              <th scope="row">{d.name}</th>
              <td>
                <span className={`badge run-state run-state--${d.state}`}>{d.current ? `applying ${d.current}` : d.state}</span>
                {d.error && <div className="run__error">{d.error.message}</div>}
              </td>
              <td className="mono">{d.applied.join(' ') || '—'}</td>
              <td className="mono">{stillPending(d)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {run.error && <p className="run__error">{run.error.message}</p>}
    </section>
  );
}
