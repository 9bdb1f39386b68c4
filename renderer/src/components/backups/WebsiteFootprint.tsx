import { formatCount } from '../../../../shared/format.ts';
import { useStreamedCall } from '../../api/job-hooks.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { JobProgressBar } from '../JobProgressBar.tsx';

/** One website's rows per table in each archive of the backup. */
export function WebsiteFootprint({ path, id }: { path: string; id: number }) {
  const footprint = useStreamedCall('backup.website', { path, id, rows: 0 }, `${path} ${id}`);
  return (
    <section className="card" data-testid="website-footprint" data-website={id}>
      <h3 className="card__title">Website {id} in this backup</h3>
      {footprint.running && <JobProgressBar event={footprint.progress} label={`Website ${id}`} />}
      {footprint.error !== undefined && <ErrorPanel error={footprint.error} onRetry={footprint.run} />}
      {footprint.data?.archives.map((a) => (
        <div key={a.file}>
          <h4>{a.database ?? a.file}</h4>
          {a.tables.length === 0 ? (
            <p className="muted">No rows here.</p>
          ) : (
            <table className="table">
              <tbody>
                {a.tables.map((t) => (
                  <tr key={t.table} data-table={t.table}>
                    <th scope="row" className="mono">
                      {t.table}
                    </th>
                    <td className="num">{formatCount(t.rows)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </section>
  );
}
