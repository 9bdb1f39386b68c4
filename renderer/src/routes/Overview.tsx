import { useClusterOverview } from '../api/hooks.ts';
import { ReachableBadge } from '../components/Badges.tsx';
import { DatabaseHealthBadge } from '../components/DatabaseHealthBadge.tsx';
import { HorizontalBarChart } from '../components/charts.tsx';
import { ErrorPanel, ProblemPanel } from '../components/ErrorPanel.tsx';
import { RefreshFailed } from '../components/RefreshFailed.tsx';
import { Loading } from '../components/Loading.tsx';
import { routeHref } from '../router/routes.ts';
import { formatDatabaseRows, sizePerDatabase, unknownShardMessage, websitesPerShard } from '../view/overview.ts';
import { formatCount } from '../../../shared/format.ts';

export function Overview() {
  const overview = useClusterOverview();

  return (
    <div className="page">
      <header className="page__header">
        <h1>Overview</h1>
        <div className="page__actions">
          {overview.data !== undefined && (
            <span className="muted">
              {formatCount(overview.data.totalWebsites)} websites on {overview.data.databases.length} databases
            </span>
          )}
          <button type="button" className="button" onClick={overview.refetch} disabled={overview.loading}>
            Refresh
          </button>
        </div>
      </header>
      <RefreshFailed query={overview} />
      {overview.data === undefined ? (
        overview.error !== undefined ? (
          <ErrorPanel error={overview.error} onRetry={overview.refetch} />
        ) : (
          <Loading label="Asking every database…" />
        )
      ) : (
        <OverviewBody overview={overview.data} />
      )}
    </div>
  );
}

type ClusterOverview = NonNullable<ReturnType<typeof useClusterOverview>['data']>;

function OverviewBody({ overview }: { overview: ClusterOverview }) {
  const unknown = unknownShardMessage(overview);
  return (
    <>
      {unknown !== null && <UnknownShardsPanel message={unknown} names={overview.unknownShardNames} />}
      <section className="card">
        <h2 className="card__title">Databases</h2>
        <DatabasesTable rows={formatDatabaseRows(overview.databases)} />
      </section>
      <div className="chart-grid">
        <section className="card">
          <HorizontalBarChart
            title="Websites per shard"
            unit="count"
            bars={websitesPerShard(overview).map((s) => ({ label: s.shard, value: s.websites, bad: !s.configured }))}
          />
        </section>
        <section className="card">
          <HorizontalBarChart
            title="Size per database"
            unit="bytes"
            bars={sizePerDatabase(overview.databases).map((d) => ({ label: d.name, value: d.sizeBytes }))}
          />
        </section>
      </div>
    </>
  );
}

function UnknownShardsPanel({ message, names }: { message: string; names: ClusterOverview['unknownShardNames'] }) {
  return (
    <ProblemPanel title="Websites routed to missing shards">
      <p className="error-panel__message" data-testid="unknown-shards">
        {message}
      </p>
      <p>
        {names.map((name) => (
          <a key={name} className="button button--danger" href={routeHref({ name: 'tenants', shard: name })}>
            Show websites on {name}
          </a>
        ))}
      </p>
    </ProblemPanel>
  );
}

function DatabasesTable({ rows }: { rows: ReturnType<typeof formatDatabaseRows> }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Databases">
      <table className="table" data-testid="databases">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Address</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Latency
            </th>
            <th scope="col">Server version</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col" className="num">
              Websites
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <FragmentRow key={row.name} row={row} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FragmentRow({ row }: { row: ReturnType<typeof formatDatabaseRows>[number] }) {
  return (
    <>
      <tr data-testid={`database-${row.name}`} data-reachable={row.reachable} className={row.reachable ? undefined : 'row--bad'}>
        <th scope="row">
          <a href={routeHref({ name: 'shard', database: row.name })}>{row.name}</a>
        </th>
        <td>{row.role}</td>
        <td className="mono">{row.address}</td>
        <td>
          <span className="health-cell">
            <ReachableBadge reachable={row.reachable} problem={row.problem} />
            <DatabaseHealthBadge database={row.name} />
          </span>
        </td>
        <td className="num">{row.latency}</td>
        <td>{row.version}</td>
        <td className="num" data-testid="size">
          {row.size}
        </td>
        <td className="num">{row.websites}</td>
      </tr>
      {row.problem !== null && (
        <tr className="row--bad row--detail">
          <td colSpan={8}>
            <span className="sr-only">{row.name}: </span>
            {row.problem}
          </td>
        </tr>
      )}
    </>
  );
}
