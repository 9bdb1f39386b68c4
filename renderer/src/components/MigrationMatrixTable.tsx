import type { MigrationMatrix } from '../view/migration-matrix.ts';

const LEGEND = [
  ['applied', 'applied (when)'],
  ['pending', 'pending'],
  ['failed', 'failed'],
  ['edited', 'file edited after it ran'],
  ['unknown', 'applied, not in the folder'],
  ['not-applicable', 'global: primary only'],
] as const;

/** Every migration version (rows) against every database (columns), one colour per state. */
export function MigrationMatrixTable({ matrix }: { matrix: MigrationMatrix }) {
  return (
    <>
      <ul className="legend" aria-label="Legend">
        {LEGEND.map(([state, label]) => (
          <li key={state}>
            <span className={`matrix-swatch matrix-cell--${state}`} aria-hidden="true" />
            {label}
          </li>
        ))}
      </ul>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Migration matrix">
        <table className="table matrix" data-testid="migration-matrix">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Migration</th>
              <th scope="col">Set</th>
              {matrix.databases.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.rows.map((row) => (
              <tr key={row.version} data-testid={`migration-${row.version}`}>
                <th scope="row" className="mono">
                  {row.version}
                </th>
                <td>{row.name}</td>
                <td>{row.set ?? '?'}</td>
                {row.cells.map((cell, i) => (
                  <td
                    key={matrix.databases[i]}
                    className={`matrix-cell matrix-cell--${cell.state}`}
                    data-database={matrix.databases[i]}
                    data-state={cell.state}
                    title={cell.title}
                  >
                    {cell.label}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
