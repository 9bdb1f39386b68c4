import type { MethodResult } from '../../../../shared/contract.ts';
import { formatBytes } from '../../../../shared/format.ts';
import { navigate } from '../../router/use-route.ts';
import { formatTimestamp } from '../../view/move-list.ts';

type Backups = MethodResult<'backup.list'>['backups'];

/** The backups in the profile's backup folder, newest first: open one, or verify it. */
export function BackupList({ backups, onVerify, verifying }: { backups: Backups; onVerify: (path: string) => void; verifying: string | null }) {
  if (backups.length === 0) return <p className="muted">No backup in this folder yet. Back up now, or open any pg_dump archive below.</p>;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Backups">
      <table className="table" data-testid="backup-list">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Databases</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Complete</th>
            <th scope="col">Verified</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {backups.map((b) => (
            <tr key={b.path} data-testid="backup-row" data-path={b.path}>
              <td className="nowrap" title={b.path}>
                {formatTimestamp(b.startedAt)}
              </td>
              <td>
                {b.problem === null ? (
                  b.databases.join(', ')
                ) : (
                  <span data-testid="backup-problem">
                    <span className="badge badge--bad">not readable</span> {b.problem}
                  </span>
                )}
              </td>
              <td className="num">{formatBytes(b.bytes)}</td>
              <td>{b.complete ? 'yes' : <span className="badge badge--bad">incomplete</span>}</td>
              <td data-testid="backup-verified">
                {b.verified === null ? '—' : b.verified.ok ? `ok, ${formatTimestamp(b.verified.at)}` : <span className="badge badge--bad">FAILED</span>}
              </td>
              <td className="nowrap">
                <button type="button" className="button" onClick={() => navigate({ name: 'backups', open: b.path })} disabled={b.problem !== null}>
                  Open
                </button>{' '}
                <button type="button" className="button" onClick={() => onVerify(b.path)} disabled={verifying !== null || b.problem !== null}>
                  {verifying === b.path ? 'Verifying…' : 'Verify'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
