import type { MoveJob } from '../../../shared/contract.ts';
import { formatCount } from '../../../shared/format.ts';
import { VerifiedBadge } from './MoveBadges.tsx';

/** Hashes are long; the first characters tell two apart at a glance, the title carries the whole value. */
function Hash({ value }: { value: string }) {
  return (
    <span className="mono hash" title={value}>
      {value.length > 16 ? `${value.slice(0, 16)}…` : value || '—'}
    </span>
  );
}

/** Per table: rows and content hash on each side, whether they match, and the first keys that differ. */
export function MoveVerification({ job }: { job: MoveJob }) {
  if (job.verification.length === 0) return <p className="muted">Verification runs after the copy; no report yet.</p>;
  const bad = job.verification.filter((v) => !v.ok).length;
  return (
    <>
      <p className={bad === 0 ? 'verify-summary verify-summary--ok' : 'verify-summary verify-summary--bad'} data-testid="move-verify-summary">
        {bad === 0
          ? `All ${job.verification.length} tables match on ${job.source} and ${job.target}.`
          : `${bad} of ${job.verification.length} tables differ between ${job.source} and ${job.target}.`}
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Verification per table">
        <table className="table" data-testid="move-verification">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                Rows on {job.source}
              </th>
              <th scope="col" className="num">
                Rows on {job.target}
              </th>
              <th scope="col">Hash on {job.source}</th>
              <th scope="col">Hash on {job.target}</th>
              <th scope="col">Result</th>
              <th scope="col">First differing keys</th>
            </tr>
          </thead>
          <tbody>
            {job.verification.map((v) => (
              <tr key={v.table} className={v.ok ? undefined : 'row--bad'} data-testid="move-verification-row" data-table={v.table} data-ok={v.ok}>
                <th scope="row" className="mono">
                  {v.table}
                </th>
                <td className="num">{formatCount(v.sourceRows)}</td>
                <td className="num">{formatCount(v.targetRows)}</td>
                <td>
                  <Hash value={v.sourceHash} />
                </td>
                <td>
                  <Hash value={v.targetHash} />
                </td>
                <td>
                  <VerifiedBadge ok={v.ok} />
                </td>
                <td className="mono">{v.firstDifferences.length === 0 ? '—' : v.firstDifferences.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
