import { useStreamedCall } from '../api/job-hooks.ts';
import { ApiError } from '../api/client.ts';
import { JobProgressBar } from '../components/JobProgressBar.tsx';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { Loading } from '../components/Loading.tsx';
import { SizeTrendChart, TableStackChart } from '../components/SizeCharts.tsx';
import { routeHref } from '../router/routes.ts';
import { growthLabel, stackedTableSizes, trendSeries } from '../view/shard-sizes.ts';
import { formatBytes, formatCount, formatDuration } from '../../../shared/format.ts';
import type { ShardSizesResult } from '../../../shared/contract.ts';

/** Every database's size split by table, its growth and its trend; each links to its shard page. */
export function Shards() {
  // A size scan reports each database as it is read, and can be cancelled on the server.
  const sizes = useStreamedCall('shards.sizes', {}, 'all');
  const cancelled = sizes.error instanceof ApiError && sizes.error.code === 'CANCELLED';
  return (
    <div className="page">
      <header className="page__header">
        <h1>Shards</h1>
        <div className="page__actions">
          {sizes.data !== undefined && !sizes.running && <span className="muted">read in {formatDuration(sizes.data.durationMs)}</span>}
          {sizes.running && (
            <span className="scan-progress" data-testid="size-scan">
              <JobProgressBar event={sizes.progress} label="Size scan" />
              <button type="button" className="button" onClick={sizes.cancel}>
                Cancel
              </button>
            </span>
          )}
          <button type="button" className="button" onClick={sizes.run} disabled={sizes.running}>
            Refresh
          </button>
        </div>
      </header>
      {cancelled && (
        <p className="muted" data-testid="size-scan-cancelled">
          The size scan was cancelled; its statements were stopped on every database. Refresh to read again.
        </p>
      )}
      {sizes.data !== undefined ? (
        <ShardsBody sizes={sizes.data} />
      ) : sizes.error !== undefined && !cancelled ? (
        <ErrorPanel error={sizes.error} onRetry={sizes.run} />
      ) : sizes.running ? (
        <Loading label="Reading sizes from every database…" />
      ) : null}
    </div>
  );
}

function ShardsBody({ sizes }: { sizes: ShardSizesResult }) {
  const trend = trendSeries(sizes.databases);
  return (
    <>
      <section className="card">
        <h2 className="card__title">Databases</h2>
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Database sizes">
          <table className="table" data-testid="shard-sizes">
            <thead>
              <tr>
                <th scope="col">Database</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col" className="num">
                  Websites
                </th>
                <th scope="col" className="num">
                  Tenant data
                </th>
                <th scope="col">Growth</th>
              </tr>
            </thead>
            <tbody>
              {sizes.databases.map((d) => (
                <tr key={d.name} data-testid={`shard-row-${d.name}`} className={d.reachable ? undefined : 'row--bad'}>
                  <th scope="row">
                    <a href={routeHref({ name: 'shard', database: d.name })}>{d.name}</a>
                  </th>
                  <td>{d.role}</td>
                  <td className="num">{d.reachable ? formatBytes(d.sizeBytes) : 'unreachable'}</td>
                  <td className="num">{formatCount(d.websites)}</td>
                  <td className="num">{d.reachable ? formatBytes(d.tenantDataBytes) : '—'}</td>
                  <td>{d.reachable ? growthLabel(d.growth) : (d.error?.message ?? '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card">
        <TableStackChart title="Size per database, by table" data={stackedTableSizes(sizes.databases)} />
      </section>
      <section className="card">
        <SizeTrendChart title="Size over time" points={trend.points} names={trend.names} />
        <p className="figure-note" data-testid="snapshot-note">
          A snapshot is stored when sizes are viewed, at most one per database every {sizes.snapshotIntervalMinutes} minutes:{' '}
          {sizes.snapshotTaken ? 'one was stored now.' : `none was stored now, since ${sizes.snapshotSkipped}.`}
        </p>
      </section>
    </>
  );
}
