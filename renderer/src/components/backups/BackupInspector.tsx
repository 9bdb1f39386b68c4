import { useState } from 'react';
import type { ArchiveInspectionResult } from '../../../../shared/contract.ts';
import { formatCount } from '../../../../shared/format.ts';
import { useStreamedCall } from '../../api/job-hooks.ts';
import { ARCHIVE_TABLES_SHOWN, archiveSummary, dumpedAtLabel, searchWebsites, websitesAcross } from '../../view/backup-inspector.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { JobProgressBar } from '../JobProgressBar.tsx';
import { OfflineDoctor } from './OfflineDoctor.tsx';
import { WebsiteFootprint } from './WebsiteFootprint.tsx';

/** A backup (or any archive) read offline: its tables and websites per archive, a website's footprint, the doctor. */
export function BackupInspector({ path }: { path: string }) {
  const inspection = useStreamedCall('backup.inspect', { path }, path);
  const [website, setWebsite] = useState<number | null>(null);
  return (
    <section className="card" data-testid="backup-inspector">
      <h2 className="card__title">
        <code>{path}</code>
      </h2>
      {inspection.running && (
        <p className="scan-progress" data-testid="inspect-progress">
          Reading every table… <JobProgressBar event={inspection.progress} label="Reading the archive" />
          <button type="button" className="button" onClick={inspection.cancel}>
            Cancel
          </button>
        </p>
      )}
      {inspection.error !== undefined && <ErrorPanel error={inspection.error} onRetry={inspection.run} />}
      {inspection.data && (
        <>
          {inspection.data.archives.map((a) => (
            <ArchiveCard key={a.file} archive={a} />
          ))}
          <WebsitesTable archives={inspection.data.archives} onPick={setWebsite} />
          {website !== null && <WebsiteFootprint key={`${path} ${website}`} path={path} id={website} />}
          <OfflineDoctor path={path} />
        </>
      )}
    </section>
  );
}

function ArchiveCard({ archive }: { archive: ArchiveInspectionResult }) {
  return (
    <details
      className="archive"
      data-testid="archive"
      data-database={archive.database ?? ''}
      data-error={archive.error ? 'true' : undefined}
      open={archive.error !== null}
    >
      <summary>
        <strong>{archive.database ?? archive.file}</strong> <span className="muted">{archiveSummary(archive)}</span>
      </summary>
      <p className="muted">
        {archive.file}; dumped {dumpedAtLabel(archive.dumpedAt)}
      </p>
      {archive.error && <ErrorPanel error={new Error(archive.error.message)} />}
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`Tables of ${archive.database ?? archive.file}`}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col">Tenant</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {archive.tables.slice(0, ARCHIVE_TABLES_SHOWN).map((t) => (
              <tr key={t.table} data-table={t.table}>
                <th scope="row" className="mono">
                  {t.table}
                </th>
                <td className="num">{formatCount(t.rows)}</td>
                <td>{t.tenant ? 'tenant' : ''}</td>
                <td className="muted">{t.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {archive.tables.length > ARCHIVE_TABLES_SHOWN && (
        <p className="muted">
          The first {formatCount(ARCHIVE_TABLES_SHOWN)} of {formatCount(archive.tables.length)} tables; <code>shard-console backup inspect PATH --json</code>{' '}
          lists them all.
        </p>
      )}
    </details>
  );
}

function WebsitesTable({ archives, onPick }: { archives: readonly ArchiveInspectionResult[]; onPick: (id: number) => void }) {
  const [search, setSearch] = useState('');
  const websites = searchWebsites(websitesAcross(archives), search);
  return (
    <div className="backup-websites">
      <h3>Websites</h3>
      <label>
        Search{' '}
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="website id or database" data-testid="website-search" />
      </label>
      <div className="table-scroll backup-websites__list" tabIndex={0} role="region" aria-label="Websites in the backup">
        <table className="table" data-testid="backup-websites">
          <thead>
            <tr>
              <th scope="col">Website</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col">In</th>
              <th scope="col">Footprint</th>
            </tr>
          </thead>
          <tbody>
            {websites.slice(0, 500).map((w) => (
              <tr key={w.id} data-website={w.id}>
                <td>{w.id}</td>
                <td className="num">{formatCount(w.rows)}</td>
                <td>{w.databases.join(', ')}</td>
                <td>
                  <button type="button" className="button" onClick={() => onPick(w.id)}>
                    Per table
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {websites.length > 500 && <p className="muted">The first 500 of {formatCount(websites.length)}: search to narrow.</p>}
    </div>
  );
}
