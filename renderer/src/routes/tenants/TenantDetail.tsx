import { useState } from 'react';
import { createColumnHelper, flexRender, getCoreRowModel, getSortedRowModel, useReactTable } from '@tanstack/react-table';
import type { SortingState } from '@tanstack/react-table';
import { ApiError } from '../../api/client.ts';
import { useTenantDetail } from '../../api/hooks.ts';
import { ShardBadge } from '../../components/Badges.tsx';
import { HorizontalBarChart } from '../../components/charts.tsx';
import { ErrorPanel } from '../../components/ErrorPanel.tsx';
import { RefreshFailed } from '../../components/RefreshFailed.tsx';
import { Fact } from '../../components/Fact.tsx';
import { Loading } from '../../components/Loading.tsx';
import { MoveWebsiteButton } from '../../components/MoveWizard.tsx';
import { RestoreWebsiteButton } from '../../components/restore/RestoreWizard.tsx';
import { routeHref } from '../../router/routes.ts';
import { bytesPerTable, formatFootprintRows } from '../../view/tenant-detail.ts';
import type { FootprintRowView } from '../../view/tenant-detail.ts';
import { formatBytes, formatCount } from '../../../../shared/format.ts';
import type { TenantDetailResult } from '../../../../shared/contract.ts';

export function TenantDetail({ id }: { id: number }) {
  const detail = useTenantDetail(id);
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={routeHref({ name: 'tenants', shard: null })}>Tenants</a> <span aria-hidden="true">/</span> <span aria-current="page">Website {id}</span>
      </nav>
      <header className="page__header">
        <h1>{detail.data?.subdomain ?? `Website ${id}`}</h1>
        <div className="page__actions">
          {detail.data !== undefined && <RestoreWebsiteButton website={detail.data} />}
          {detail.data !== undefined && <MoveWebsiteButton website={detail.data} />}
          <button type="button" className="button" onClick={detail.refetch} disabled={detail.loading}>
            Refresh
          </button>
        </div>
      </header>
      <RefreshFailed query={detail} />
      {detail.data !== undefined ? (
        <DetailBody detail={detail.data} />
      ) : detail.error !== undefined ? (
        <ErrorPanel error={detail.error} onRetry={isNotFound(detail.error) ? undefined : detail.refetch}>
          <p>
            <a href={routeHref({ name: 'tenants', shard: null })}>Back to the tenant list</a>
          </p>
        </ErrorPanel>
      ) : (
        <Loading label={`Measuring website ${id} on its shard…`} />
      )}
    </div>
  );
}

/** Asking again will not make a missing website appear: offer the way back instead. */
function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'WEBSITE_NOT_FOUND';
}

function DetailBody({ detail }: { detail: TenantDetailResult }) {
  const rows = formatFootprintRows(detail);
  return (
    <>
      <section className="card">
        <dl className="facts" data-testid="tenant-facts">
          <Fact label="Website id" value={String(detail.id)} />
          <Fact label="Subdomain" value={detail.subdomain ?? '—'} />
          <Fact label="Custom domain" value={detail.customDomain ?? '—'} />
          <div className="facts__item">
            <dt>Shard</dt>
            <dd>
              <ShardBadge shard={detail.shard} configured link />
            </dd>
          </div>
          <Fact label="Database" value={detail.database} testId="tenant-database" />
          <Fact label="Total rows" value={formatCount(detail.totalRows)} />
          <Fact label="Total size" value={formatBytes(detail.totalBytes)} />
        </dl>
      </section>
      <section className="card">
        <h2 className="card__title">Tables ({rows.length})</h2>
        <FootprintTable rows={rows} />
      </section>
      <section className="card">
        <HorizontalBarChart
          title="Bytes per table"
          unit="bytes"
          labelWidth={190}
          bars={bytesPerTable(detail.tables).map((t) => ({ label: t.table, value: t.bytes }))}
        />
      </section>
    </>
  );
}

const column = createColumnHelper<FootprintRowView>();
const columns = [
  column.accessor('table', { header: 'Table', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  column.accessor('rows', { header: 'Rows', cell: (c) => c.row.original.rowsLabel, meta: { numeric: true } }),
  column.accessor('bytes', {
    header: 'Size',
    cell: (c) => (
      <span className="size-cell">
        <span className="size-cell__bar" aria-hidden="true">
          <span className="size-cell__fill" style={{ width: `${c.row.original.share}%` }} />
        </span>
        {c.row.original.bytesLabel}
      </span>
    ),
    meta: { numeric: true },
  }),
  column.accessor('via', { header: 'Via', cell: (c) => <span className="mono via">{c.getValue()}</span>, enableSorting: false }),
];

function FootprintTable({ rows }: { rows: FootprintRowView[] }) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Rows and bytes per table">
      <table className="table" data-testid="tenant-tables">
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const numeric = (header.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric === true;
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className={numeric ? 'num' : undefined}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {header.column.getCanSort() ? (
                      <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span className="sort-button__arrow" aria-hidden="true">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                        </span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} data-testid="tenant-table-row" data-table={row.original.table} data-rows={row.original.rows} data-via={row.original.via}>
              {row.getVisibleCells().map((cell) => {
                const numeric = (cell.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric === true;
                return (
                  <td key={cell.id} className={numeric ? 'num' : undefined}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
