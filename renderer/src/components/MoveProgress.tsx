import type { MoveJob } from '../../../shared/contract.ts';
import { progressView } from '../view/move-progress.ts';
import type { ProgressHistory, TableProgressView } from '../view/move-progress.ts';

/** Rows copied per table with a bar, the copy's speed and the time left, and the same for the whole copy. */
export function MoveProgress({ job, history }: { job: MoveJob; history: ProgressHistory }) {
  const view = progressView(job, history);
  if (view.tables.length === 0) return <p className="muted">The copy has not started yet.</p>;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Copy progress per table">
      <table className="table" data-testid="move-progress">
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col" className="progress-col">
              Progress
            </th>
            <th scope="col" className="num">
              Rows copied / total
            </th>
            <th scope="col" className="num">
              Speed
            </th>
            <th scope="col" className="num">
              Time left
            </th>
          </tr>
        </thead>
        <tbody>
          {view.tables.map((t) => (
            <ProgressRow key={t.table} row={t} />
          ))}
        </tbody>
        <tfoot>
          <ProgressRow row={view.total} total />
        </tfoot>
      </table>
    </div>
  );
}

function ProgressRow({ row, total = false }: { row: TableProgressView; total?: boolean }) {
  return (
    <tr
      data-testid={total ? 'move-progress-total' : 'move-progress-row'}
      data-table={total ? undefined : row.table}
      data-done={row.done}
      data-copied={row.copiedRows}
      data-total={row.totalRows}
    >
      <th scope="row" className={total ? undefined : 'mono'}>
        {row.table}
      </th>
      <td className="progress-col">
        <progress className="move-bar" max={100} value={row.percent} aria-label={`${row.table}: ${row.percent}% copied`} />
      </td>
      <td className="num">{row.rowsLabel}</td>
      <td className="num">{row.rateLabel}</td>
      <td className="num">{row.etaLabel}</td>
    </tr>
  );
}
