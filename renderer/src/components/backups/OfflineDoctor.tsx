import { useState } from 'react';
import type { MethodResult } from '../../../../shared/contract.ts';
import { formatCount } from '../../../../shared/format.ts';
import { call } from '../../api/client.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';

/** Websites whose rows were where their routing of that day said they were not; with the cluster, rows then against now. */
export function OfflineDoctor({ path }: { path: string }) {
  const [result, setResult] = useState<MethodResult<'backup.doctor'> | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [running, setRunning] = useState(false);
  const run = async (live: boolean) => {
    setRunning(true);
    setError(undefined);
    try {
      setResult(await call('backup.doctor', { path, live }));
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  return (
    <section className="card" data-testid="offline-doctor">
      <h3 className="card__title">Offline doctor</h3>
      <button type="button" className="button" onClick={() => void run(false)} disabled={running}>
        Check the backup
      </button>{' '}
      <button type="button" className="button" onClick={() => void run(true)} disabled={running}>
        Compare with the cluster now
      </button>
      {error !== undefined && <ErrorPanel error={error} />}
      {result && (
        <ul data-testid="offline-doctor-findings">
          {result.misplaced.length === 0 && (result.changes ?? []).length === 0 && <li>Nothing out of place.</li>}
          {result.misplaced.map((m) => (
            <li key={`${m.website} ${m.foundIn}`}>
              Website {m.website}: {formatCount(m.rows)} rows in {m.foundIn}, routed to {m.routedTo ?? '(no website)'} when the backup ran.
            </li>
          ))}
          {(result.changes ?? []).map((c) => (
            <li key={c.website}>
              Website {c.website}: {formatCount(c.backupRows)} rows in the backup, {formatCount(c.liveRows)} now{c.liveShard ? ` on ${c.liveShard}` : ''}.
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
