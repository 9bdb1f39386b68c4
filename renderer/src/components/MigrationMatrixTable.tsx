import type { MatrixFailure, MigrationMatrix } from '../view/migration-matrix.ts';

const LEGEND = [
  ['applied', 'applied (when)'],
  ['pending', 'pending'],
  ['failed', 'failed'],
  ['edited', 'file edited after it ran'],
  ['unknown', 'applied, not in the folder'],
  ['not-applicable', 'global: primary only'],
  ['unreachable', 'database unreachable'],
] as const;

/** The id of a failure's line below the matrix, which its cell names as its description. */
const failureId = (f: Pick<MatrixFailure, 'database' | 'version'>) => `migration-failure-${f.database}-${f.version}`;

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
                {row.cells.map((cell, i) => {
                  const database = matrix.databases[i]!;
                  // A failed cell takes the keyboard's focus and is described by its error below, not by a tooltip only.
                  const failed = cell.state === 'failed';
                  return (
                    <td
                      key={database}
                      className={`matrix-cell matrix-cell--${cell.state}`}
                      data-database={database}
                      data-state={cell.state}
                      title={cell.title}
                      {...(failed ? { tabIndex: 0, 'aria-describedby': failureId({ database, version: row.version }) } : {})}
                    >
                      {cell.label}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {matrix.failures.length > 0 && <FailureList failures={matrix.failures} />}
    </>
  );
}

/** Each failure in words: which migration, where, when and why, for the keyboard and the screen reader as much as the mouse. */
function FailureList({ failures }: { failures: readonly MatrixFailure[] }) {
  return (
    <section aria-labelledby="migration-failures-title" data-testid="migration-failures">
      <h3 id="migration-failures-title" className="card__title">
        Failed migrations
      </h3>
      <ul className="failure-list">
        {failures.map((f) => (
          <li key={failureId(f)} id={failureId(f)} className="run__error">
            <span className="mono">{f.version}</span> {f.name} on <strong>{f.database}</strong> ({f.when}): {f.error}
          </li>
        ))}
      </ul>
      <p className="muted">Each rolled back and stays pending there: fix the cause, then Apply again.</p>
    </section>
  );
}
