import { useState } from 'react';
import { useExactFootprint, useLargestTenants, useShardSizes } from '../api/shard-hooks.ts';
import { HorizontalBarChart } from '../components/charts.tsx';
import { databaseError, ErrorPanel } from '../components/ErrorPanel.tsx';
import { describeError } from '../view/error-text.ts';
import { RefreshFailed } from '../components/RefreshFailed.tsx';
import { Loading } from '../components/Loading.tsx';
import { SizeTrendChart } from '../components/SizeCharts.tsx';
import { routeHref } from '../router/routes.ts';
import { formatShare, growthLabel, tenantLabel, trendSeries } from '../view/shard-sizes.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';
import type { DatabaseLargestTenants, DatabaseSizes, TenantSize } from '../../../shared/contract.ts';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { isOrphanedTenant } from '../../../shared/orphaned-tenant.ts';

/** One database: its size by table, its largest tenants (estimated, exact on demand) and its trend. */
export function ShardDetail({ database }: { database: string }) {
  const sizes = useShardSizes(database);
  const tenants = useLargestTenants(database);
  const db = sizes.data?.databases[0];
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={routeHref({ name: 'shards' })}>Shards</a> <span aria-hidden="true">/</span> <span aria-current="page">{database}</span>
      </nav>
      <header className="page__header">
        <h1>{database}</h1>
        <div className="page__actions">
          <a className="button" href={routeHref({ name: 'tenants', shard: database })}>
            Websites on {database}
          </a>
          <button
            type="button"
            className="button"
            onClick={() => {
              sizes.refetch();
              tenants.refetch();
            }}
            disabled={sizes.loading || tenants.loading}
          >
            Refresh
          </button>
        </div>
      </header>
      <RefreshFailed query={sizes} />
      {db !== undefined ? (
        <SizesBody db={db} onRetry={sizes.refetch} />
      ) : sizes.error !== undefined ? (
        <ErrorPanel error={sizes.error} onRetry={sizes.refetch} />
      ) : (
        <Loading label={`Reading sizes of ${database}…`} />
      )}
      <RefreshFailed query={tenants} />
      {tenants.data?.databases[0] !== undefined ? (
        <LargestTenants result={tenants.data.databases[0]} namesError={tenants.data.websitesError} onRetry={tenants.refetch} />
      ) : tenants.error !== undefined ? (
        <ErrorPanel error={tenants.error} onRetry={tenants.refetch} />
      ) : (
        <Loading label={`Estimating every tenant on ${database}…`} />
      )}
    </div>
  );
}

function SizesBody({ db, onRetry }: { db: DatabaseSizes; onRetry: () => void }) {
  if (!db.reachable) {
    const info = db.error ?? { code: 'DATABASE_UNREACHABLE' as const, message: 'It did not answer.' };
    return <ErrorPanel error={databaseError('shards.sizes', db.name, info, 'could not be read')} onRetry={onRetry} />;
  }
  const trend = trendSeries([db]);
  return (
    <>
      <section className="card">
        <ShardFacts db={db} />
      </section>
      <section className="card">
        <h2 className="card__title">Tables ({db.tables.length})</h2>
        <TableSizes tables={db.tables} />
      </section>
      <section className="card">
        <SizeTrendChart title={`Size of ${db.name} over time`} points={trend.points} names={trend.names} />
      </section>
    </>
  );
}

function ShardFacts({ db }: { db: DatabaseSizes }) {
  const growthClass = db.growth === null || db.growth.bytes === 0 ? undefined : db.growth.bytes > 0 ? 'growth--up' : 'growth--down';
  return (
    <dl className="facts-row" data-testid="shard-facts">
      <div>
        <dt>Size</dt>
        <dd data-testid="shard-size">{formatBytes(db.sizeBytes)}</dd>
      </div>
      <div>
        <dt>Websites routed here</dt>
        <dd>{formatCount(db.websites)}</dd>
      </div>
      <div>
        <dt>Tenant data (heap + TOAST)</dt>
        <dd>{formatBytes(db.tenantDataBytes)}</dd>
      </div>
      <div>
        <dt>Growth</dt>
        <dd className={growthClass} data-testid="shard-growth">
          {growthLabel(db.growth)}
        </dd>
      </div>
    </dl>
  );
}

function TableSizes({ tables }: { tables: DatabaseSizes['tables'] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Table sizes">
      <table className="table" data-testid="shard-tables">
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Heap
            </th>
            <th scope="col" className="num">
              Indexes
            </th>
            <th scope="col" className="num">
              TOAST
            </th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col" className="num">
              Rows (est.)
            </th>
            <th scope="col" className="num">
              Growth
            </th>
          </tr>
        </thead>
        <tbody>
          {tables.map((t) => (
            <tr key={t.table} data-testid="shard-table-row" data-table={t.table}>
              <td className="mono">{t.table}</td>
              <td>{t.kind}</td>
              <td className="num">{formatBytes(t.heapBytes)}</td>
              <td className="num">{formatBytes(t.indexBytes)}</td>
              <td className="num">{formatBytes(t.toastBytes)}</td>
              <td className="num">{formatBytes(t.totalBytes)}</td>
              <td className="num">{formatCount(t.rowsEstimate)}</td>
              <td className="num">{t.growthBytes === null ? '—' : `${t.growthBytes > 0 ? '+' : ''}${formatBytes(t.growthBytes)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LargestTenants({ result, namesError, onRetry }: { result: DatabaseLargestTenants; namesError: ErrorInfo | null; onRetry: () => void }) {
  if (result.error !== null)
    return <ErrorPanel error={databaseError('shards.largestTenants', result.name, result.error, 'could not be estimated')} onRetry={onRetry} />;
  const namesKnown = namesError === null;
  return (
    <>
      <section className="card">
        <HorizontalBarChart
          title={`Largest tenants on ${result.name} (${result.figure})`}
          unit="bytes"
          labelWidth={200}
          bars={result.largest.slice(0, 12).map((t) => ({ label: tenantLabel(t, namesKnown), value: t.bytes, bad: isOrphanedTenant(t, namesKnown) }))}
        />
      </section>
      {namesError !== null && (
        <p className="run__error" role="alert" data-testid="tenant-names-unknown">
          The tenants are not named: {namesError.message} Whether any of these rows belong to no website is not known until the primary answers; Refresh then.
        </p>
      )}
      <LargestTenantsTable result={result} namesKnown={namesKnown} />
    </>
  );
}

function LargestTenantsTable({ result, namesKnown }: { result: DatabaseLargestTenants; namesKnown: boolean }) {
  return (
    <section className="card">
      <h2 className="card__title">
        Largest tenants{' '}
        <span className="badge badge--figure" data-testid="figure">
          {result.figure}
        </span>
      </h2>
      <p className="figure-note">
        {formatCount(result.tenants)} tenants seen, {formatBytes(result.tenantBytes)} estimated; share is of the {formatBytes(result.tenantDataBytes)} of tenant
        data on {result.name}. Estimates: each tenant's row count per table times the table's average row width
        {result.sampledTables.length > 0 ? `; ${result.sampledTables.length} large tables were read as a block sample` : ''}. Measure one exactly to compare.
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Largest tenants">
        <table className="table" data-testid="largest-tenants">
          <thead>
            <tr>
              <th scope="col">Website</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                Bytes (estimate)
              </th>
              <th scope="col" className="num">
                Share
              </th>
              <th scope="col" className="num">
                Exact
              </th>
            </tr>
          </thead>
          <tbody>
            {result.largest.map((t) => (
              <TenantRow key={t.id} tenant={t} database={result.name} namesKnown={namesKnown} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function TenantRow({ tenant, database, namesKnown }: { tenant: TenantSize; database: string; namesKnown: boolean }) {
  const [measure, setMeasure] = useState(false);
  const exact = useExactFootprint(tenant.id, database, measure && tenant.shard !== null);
  const orphaned = isOrphanedTenant(tenant, namesKnown);
  return (
    <tr data-testid="largest-tenant" data-id={tenant.id} className={orphaned ? 'row--bad' : undefined}>
      <td>
        {tenant.shard === null ? (
          <span title={orphaned ? 'No website has this id: orphaned rows' : 'Not named: the primary did not answer'}>{tenantLabel(tenant, namesKnown)}</span>
        ) : (
          <a href={routeHref({ name: 'tenant', id: tenant.id })}>{tenantLabel(tenant)}</a>
        )}
        {tenant.shard !== null && tenant.shard !== database && (
          <>
            {' '}
            <a
              className="health-badge health-badge--bad"
              href={routeHref({ name: 'doctor', database })}
              title="These rows are not where the website's shard_name routes it: see the doctor"
            >
              routes to {tenant.shard}
            </a>
          </>
        )}
      </td>
      <td className="num">{formatCount(tenant.rows)}</td>
      <td className="num" data-testid="tenant-bytes">
        {formatBytes(tenant.bytes)}
      </td>
      <td className="num">{formatShare(tenant.share)}</td>
      <td className="num exact-cell">
        {tenant.shard === null ? (
          '—'
        ) : exact.data !== undefined ? (
          <span data-testid="exact-bytes" title={`${formatCount(exact.data.totalRows)} rows, measured row by row`}>
            {formatBytes(exact.data.totalBytes)} <span className="badge badge--figure">exact</span>
          </span>
        ) : exact.loading ? (
          'measuring…'
        ) : exact.error !== undefined ? (
          <span className="run__error" role="alert" title={describeError(exact.error).message}>
            failed: {describeError(exact.error).message}{' '}
            <button type="button" className="link-button" onClick={exact.refetch}>
              Try again
            </button>
          </span>
        ) : (
          <button type="button" className="link-button" onClick={() => setMeasure(true)}>
            Measure exactly
          </button>
        )}
      </td>
    </tr>
  );
}
