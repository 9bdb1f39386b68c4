import { useSchemaDrift, useSchemaLint } from '../api/schema-hooks.ts';
import { databaseError, ErrorPanel } from '../components/ErrorPanel.tsx';
import { RefreshFailed } from '../components/RefreshFailed.tsx';
import { Loading } from '../components/Loading.tsx';
import { driftSummaryText, groupDrift } from '../view/migration-matrix.ts';
import { setAsideSummary } from '../../../shared/set-aside-summary.ts';

type DriftResult = NonNullable<ReturnType<typeof useSchemaDrift>['data']>;
type DriftGroup = ReturnType<typeof groupDrift>[number];
type LintFinding = NonNullable<ReturnType<typeof useSchemaLint>['data']>['findings'][number];

/** Tenant-schema differences per database and table against the primary, with the SQL to review; then the lint. */
export function Drift() {
  const drift = useSchemaDrift();
  const lint = useSchemaLint();
  const refresh = () => {
    drift.refetch();
    lint.refetch();
  };
  const groups = drift.data ? groupDrift(drift.data.drift) : [];
  return (
    <div className="page">
      <header className="page__header">
        <h1>Schema drift</h1>
        <div className="page__actions">
          {drift.data && <DriftSummary drift={drift.data} />}
          <button type="button" className="button" onClick={refresh} disabled={drift.loading || lint.loading}>
            Refresh
          </button>
        </div>
      </header>
      <p className="muted">
        Every tenant table of each shard compared with the primary by name: columns, indexes, constraints, sequences and views. Column order is not drift. The
        SQL is a proposal to review and run yourself; the console never applies it.
      </p>
      <RefreshFailed query={drift} />
      {drift.data === undefined ? (
        drift.error !== undefined ? (
          <ErrorPanel error={drift.error} onRetry={drift.refetch} />
        ) : (
          <Loading label="Comparing every shard with the primary…" />
        )
      ) : (
        <DriftResults drift={drift.data} groups={groups} onRetry={drift.refetch} />
      )}
      <LintSection lint={lint} />
    </div>
  );
}

function DriftSummary({ drift }: { drift: DriftResult }) {
  return (
    <span className="muted" data-testid="drift-summary">
      {driftSummaryText(drift)}
    </span>
  );
}

/** The databases that could not be compared, what was set aside, then the differences per database. */
function DriftResults({ drift, groups, onRetry }: { drift: DriftResult; groups: DriftGroup[]; onRetry: () => void }) {
  return (
    <>
      {drift.databases
        .filter((d) => d.error)
        .map((d) => (
          <ErrorPanel key={d.name} error={databaseError('schema.drift', d.name, d.error!, 'was not compared')} onRetry={onRetry} />
        ))}
      {setAsideSummary(drift.setAside) && (
        <p className="muted" data-testid="drift-set-aside">
          {setAsideSummary(drift.setAside)}
        </p>
      )}
      {groups.length === 0
        ? drift.databases.every((d) => d.error === null) && (
            <section className="card" data-testid="no-drift">
              <p>Every shard's tenant schema matches the primary ({drift.reference}).</p>
            </section>
          )
        : groups.map((group) => <DriftGroupCard key={group.database} group={group} />)}
    </>
  );
}

function DriftGroupCard({ group }: { group: DriftGroup }) {
  return (
    <section className="card" data-testid={`drift-${group.database}`}>
      <h2 className="card__title">{group.database}</h2>
      {group.tables.map((t) => (
        <div key={t.table} className="drift-table" data-testid={`drift-${group.database}-${t.table}`}>
          <h3 className="mono">{t.table}</h3>
          <ul className="drift-list">
            {t.items.map((item, i) => (
              <li key={i} className="drift-item" data-kind={item.kind}>
                <span className="badge badge--bad">{item.kind}</span> {item.detail}
                <pre className="sql">{item.fix}</pre>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

function LintSection({ lint }: { lint: ReturnType<typeof useSchemaLint> }) {
  return (
    <section className="card">
      <h2 className="card__title">Tenant-isolation lint</h2>
      <p className="muted">
        Tables reached through a foreign-key chain (listings, photos) have no tenant key of their own; they are checked on the FK column of their chain, which
        every per-website query filters on.
      </p>
      {lint.data === undefined ? (
        lint.error !== undefined ? (
          <ErrorPanel error={lint.error} onRetry={lint.refetch} />
        ) : (
          <Loading label="Linting every database…" />
        )
      ) : (
        <>
          {lint.data.databases
            .filter((d) => d.error)
            .map((d) => (
              <ErrorPanel key={d.name} error={databaseError('schema.lint', d.name, d.error!, 'was not linted')} onRetry={lint.refetch} />
            ))}
          <LintTable findings={lint.data.findings} />
        </>
      )}
    </section>
  );
}

function LintTable({ findings }: { findings: LintFinding[] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Lint findings">
      <table className="table" data-testid="lint-findings">
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Rule</th>
            <th scope="col">Finding and proposed SQL</th>
            <th scope="col">Databases</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f, i) => (
            <tr key={i} data-rule={f.rule} data-severity={f.severity}>
              <th scope="row" className="mono">
                {f.table}
              </th>
              <td>
                <span className={f.severity === 'info' ? 'badge' : 'badge badge--shard'}>{f.rule}</span>
                {f.severity === 'info' && <span className="muted"> information</span>}
              </td>
              <td>
                {f.detail}
                <pre className="sql">{f.fix}</pre>
              </td>
              <td>{f.databases.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
