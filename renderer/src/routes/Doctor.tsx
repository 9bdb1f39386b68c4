import { useDoctor } from '../api/shard-hooks.ts';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { RefreshFailed } from '../components/RefreshFailed.tsx';
import { Loading } from '../components/Loading.tsx';
import { routeHref } from '../router/routes.ts';
import { checksNotRun, findingWhere, groupFindings } from '../view/doctor.ts';
import { formatCount, formatDuration } from '../../../shared/format.ts';
import type { DoctorResult, Finding } from '../../../shared/contract.ts';

const severityBadge = { error: 'badge--bad', warning: 'badge--warn', info: 'badge--info' } as const;

/** What the doctor found, grouped by kind, each finding with where, how many rows and the fix. It changes nothing. */
export function Doctor({ database }: { database: string | null }) {
  const doctor = useDoctor();
  return (
    <div className="page">
      <header className="page__header">
        <h1>Doctor{database !== null ? ` · ${database}` : ''}</h1>
        <div className="page__actions">
          {database !== null && <a href={routeHref({ name: 'doctor', database: null })}>All databases</a>}
          <button type="button" className="button" onClick={doctor.refetch} disabled={doctor.loading}>
            {doctor.loading ? 'Checking…' : 'Check again'}
          </button>
        </div>
      </header>
      <RefreshFailed query={doctor} />
      {doctor.data !== undefined ? (
        <DoctorBody result={doctor.data} database={database} />
      ) : doctor.error !== undefined ? (
        <ErrorPanel error={doctor.error} onRetry={doctor.refetch} />
      ) : (
        <Loading label="Checking routing and placement on every database…" />
      )}
    </div>
  );
}

function DoctorBody({ result, database }: { result: DoctorResult; database: string | null }) {
  const groups = groupFindings(result.findings, database);
  const shown = groups.flatMap((g) => g.findings);
  const count = (s: Finding['severity']) => shown.filter((f) => f.severity === s).length;
  const notRun = checksNotRun(result.checks).length;
  return (
    <>
      <section className="card">
        <div className="doctor-summary" data-testid="doctor-summary">
          <span className={`badge ${count('error') > 0 ? 'badge--bad' : 'badge--ok'}`}>{count('error')} errors</span>
          <span className="badge badge--warn">{count('warning')} warnings</span>
          <span className="badge badge--info">{count('info')} notes</span>
          <span className="muted">
            checked {new Date(result.checkedAt).toLocaleTimeString()} in {formatDuration(result.durationMs)}; the doctor never changes anything.
          </span>
        </div>
        <ul className="checks" aria-label="Checks">
          {result.checks.map((c) => (
            <li key={c.check}>
              <span className={`badge ${c.status === 'ran' ? 'badge--ok' : c.status === 'partial' ? 'badge--warn' : 'badge--bad'}`}>{c.status}</span> {c.check}
              {c.note !== null && <span className="muted"> — {c.note}</span>}
            </li>
          ))}
        </ul>
      </section>
      {groups.length === 0 && notRun === 0 && (
        <section className="card" data-testid="doctor-clean">
          <p>Nothing wrong found{database !== null ? ` on ${database}` : ''}: every website's rows are where its shard_name says.</p>
        </section>
      )}
      {groups.length === 0 && notRun > 0 && (
        <section className="card" data-testid="doctor-incomplete">
          <p>
            Nothing wrong found{database !== null ? ` on ${database}` : ''} in what could be checked, but not every check ran (listed above with why): this is
            no clean bill of health. Check again once every database answers.
          </p>
        </section>
      )}
      {groups.map((g) => (
        <details key={g.kind} className="finding-group" open={g.severity === 'error' || groups.length <= 3} data-testid={`finding-group-${g.kind}`}>
          <summary>
            <span className={`badge ${severityBadge[g.severity]}`}>{g.severity}</span>
            {g.title} <span className="muted">({formatCount(g.findings.length)})</span>
          </summary>
          <ul className="finding-list">
            {g.findings.map((f, i) => (
              <FindingItem key={`${f.kind}-${f.database}-${f.table}-${f.website}-${i}`} finding={f} />
            ))}
          </ul>
        </details>
      ))}
    </>
  );
}

function FindingItem({ finding }: { finding: Finding }) {
  return (
    <li
      className="finding"
      data-testid="finding"
      data-kind={finding.kind}
      data-severity={finding.severity}
      data-database={finding.database ?? ''}
      data-website={finding.website ?? ''}
    >
      <span className="finding__where">
        {findingWhere(finding)}
        {finding.rows !== null && ` · ${formatCount(finding.rows)} ${finding.rows === 1 ? 'row' : 'rows'}`}
      </span>
      <p className="finding__message">{finding.message}</p>
      <p className="finding__fix">
        <strong>Fix:</strong> {finding.fix}
        {finding.link !== null && (
          <>
            {' '}
            <a href={finding.link.href} data-testid="finding-link">
              {finding.link.label} →
            </a>
          </>
        )}
      </p>
    </li>
  );
}
