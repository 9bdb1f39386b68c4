import type { MovePlan } from '../../../shared/contract.ts';
import { planView } from '../view/move-wizard.ts';

/** What a move will copy: every tenant table by FK level with rows and bytes, the totals, and the views it refreshes. */
export function MovePlanTable({ plan }: { plan: MovePlan }) {
  const view = planView(plan);
  return (
    <div className="move-plan" data-testid="move-plan">
      <p>
        <strong>{view.totalRowsLabel}</strong> rows ({view.totalBytesLabel}) in {view.rows.length} tables, in {view.levels} FK level
        {view.levels === 1 ? '' : 's'}: a table copies once the tables it references are in, several at once.
      </p>
      <div className="table-scroll move-plan__tables" tabIndex={0} role="region" aria-label="Tables to copy">
        <table className="table">
          <thead>
            <tr>
              <th scope="col" className="num">
                Level
              </th>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {view.rows.map((row) => (
              <tr key={row.table} data-testid="move-plan-row" data-table={row.table} data-rows={row.rows} className={row.rows === 0 ? 'muted' : undefined}>
                <td className="num">{row.level}</td>
                <td className="mono">{row.table}</td>
                <td className="num">{row.rowsLabel}</td>
                <td className="num">{row.bytesLabel}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="move-plan-total">
              <td />
              <th scope="row">Total</th>
              <td className="num">{view.totalRowsLabel}</td>
              <td className="num">{view.totalBytesLabel}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <PlanViews views={view.materializedViews} />
    </div>
  );
}

/** The materialized views the move refreshes, or that there are none. */
function PlanViews({ views }: { views: readonly string[] }) {
  return (
    <p className="muted" data-testid="move-plan-views">
      {views.length === 0 ? (
        'No materialized views to refresh.'
      ) : (
        <>
          Materialized views refreshed on both databases (how: next step):{' '}
          {views.map((v, i) => (
            <span key={v}>
              {i > 0 && ', '}
              <code>{v}</code>
            </span>
          ))}
        </>
      )}
    </p>
  );
}
