import { formatCount } from '../../../../shared/format.ts';
import { useTenantDetail } from '../../api/hooks.ts';
import { RestoreWebsiteButton } from '../restore/RestoreWizard.tsx';
import { useStreamedCall } from '../../api/job-hooks.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { JobProgressBar } from '../JobProgressBar.tsx';

/** One website's rows per table in each archive of the backup. */
export function WebsiteFootprint({ path, id }: { path: string; id: number }) {
  const footprint = useStreamedCall('backup.website', { path, id, rows: 0 }, `${path} ${id}`);
  return (
    <section className="card" data-testid="website-footprint" data-website={id}>
      <header className="page__header">
        <h3 className="card__title">Website {id} in this backup</h3>
        <RestoreFromThisBackup path={path} id={id} archives={holdingArchives(footprint.data)} />
      </header>
      {footprint.running && <JobProgressBar event={footprint.progress} label={`Website ${id}`} />}
      {footprint.error !== undefined && <ErrorPanel error={footprint.error} onRetry={footprint.run} />}
      {footprint.data?.archives.map((a) => (
        <div key={a.file}>
          <h4>{a.database ?? a.file}</h4>
          {a.error && <ErrorPanel error={new Error(`${a.error.message} The counts below are what was read before it.`)} />}
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

/**
 * The archives that hold rows of the website, when every archive was read to its end; else none, so the
 * restore finds the archive itself (the manifest's routing first): a stray fragment in a readable archive
 * must never be chosen over a damaged archive that holds the website.
 */
function holdingArchives(data: { archives: ReadonlyArray<{ database: string | null; tables: readonly unknown[]; error: unknown }> } | undefined) {
  if (!data || data.archives.some((a) => a.error)) return [];
  return data.archives.filter((a) => a.tables.length > 0).map((a) => a.database);
}

/**
 * The restore wizard with this backup already chosen (and its archive, when only one holds the website).
 * A website no longer in pwb_websites cannot be restored: the wizard's preflight would say so, this says it first.
 */
function RestoreFromThisBackup({ path, id, archives }: { path: string; id: number; archives: ReadonlyArray<string | null> }) {
  const detail = useTenantDetail(id);
  if (detail.error !== undefined)
    return <span className="muted">Not restorable here: {detail.error instanceof Error ? detail.error.message : String(detail.error)}</span>;
  if (detail.data === undefined) return null;
  const only = archives.length === 1 ? archives[0] : null;
  return <RestoreWebsiteButton website={detail.data} path={path} archive={only ?? null} />;
}
