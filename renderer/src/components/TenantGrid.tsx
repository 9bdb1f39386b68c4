import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent, RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useShallow } from 'zustand/react/shallow';
import { useTenantPages } from '../api/hooks.ts';
import type { TenantListQuery } from '../api/hooks.ts';
import { navigate } from '../router/use-route.ts';
import { useConsoleStore } from '../store/console-store.ts';
import {
  TENANT_COLUMNS,
  TENANT_PAGE_SIZE,
  ariaSort,
  formatTenantRow,
  isRowKey,
  locateRow,
  moveActiveRow,
  pagesForRange,
  rangeLabel,
} from '../view/tenant-list.ts';
import type { TenantRowView } from '../view/tenant-list.ts';
import { ShardBadge } from './Badges.tsx';
import { ErrorPanel } from './ErrorPanel.tsx';
import { Loading } from './Loading.tsx';

const ROW_HEIGHT = 36;
const OVERSCAN = 30;

/*
 * The tenant list as an ARIA grid over a virtual list: only the rows on screen exist in the DOM, and
 * only the server pages around them are fetched. The grid itself holds focus; the active row is
 * announced through aria-activedescendant.
 */
export function TenantGrid() {
  const { search, shard, sort, direction, activeIndex } = useConsoleStore(
    useShallow((s) => ({ search: s.search, shard: s.shard, sort: s.sort, direction: s.direction, activeIndex: s.activeIndex })),
  );
  const setActiveIndex = useConsoleStore((s) => s.setActiveIndex);
  const scrollRef = useRef<HTMLDivElement>(null);
  const { total, items, virtualizer, state, rowAt } = useTenantRows({ search, shard, sort, direction }, activeIndex, scrollRef);

  const visible = virtualizer.range;
  const label = rangeLabel(visible?.startIndex ?? 0, visible?.endIndex ?? 0, total);
  const active = total === null || total === 0 ? -1 : Math.min(activeIndex, total - 1);

  const open = (index: number) => {
    const row = rowAt(index);
    if (row !== undefined) navigate({ name: 'tenant', id: row.id });
  };
  const onKeyDown = gridKeyDown({ total, active, scrollRef, virtualizer, setActiveIndex, open });

  return (
    <section className="card card--fill">
      <TenantGridStatus label={label} search={search} shard={shard} />
      {state.error !== undefined && <ErrorPanel error={state.error} onRetry={state.refetch} />}
      <div
        id="tenant-grid"
        className="grid"
        role="grid"
        aria-label="Websites"
        aria-rowcount={(total ?? 0) + 1}
        aria-colcount={TENANT_COLUMNS.length}
        tabIndex={0}
        aria-activedescendant={active >= 0 && items.some((i) => i.index === active) ? `tenant-row-${active}` : undefined}
        onKeyDown={onKeyDown}
        data-testid="tenant-grid"
      >
        <TenantGridHeader />
        <div ref={scrollRef} className="grid__scroll" role="rowgroup">
          {total === null && state.error === undefined ? (
            <Loading label="Loading websites…" />
          ) : total === 0 ? (
            <p className="grid__empty">
              No website matches{search !== '' ? ` “${search}”` : ''}
              {shard !== null ? ` on ${shard}` : ''}.
            </p>
          ) : (
            <TenantGridRows
              items={items}
              height={virtualizer.getTotalSize()}
              rowAt={rowAt}
              active={active}
              onOpen={(index) => {
                setActiveIndex(index);
                open(index);
              }}
            />
          )}
        </div>
      </div>
    </section>
  );
}

interface GridKeys {
  readonly total: number | null;
  readonly active: number;
  readonly scrollRef: RefObject<HTMLDivElement | null>;
  readonly virtualizer: ReturnType<typeof useTenantRows>['virtualizer'];
  readonly setActiveIndex: (index: number) => void;
  readonly open: (index: number) => void;
}

/** The grid's keys: arrows, Page Up/Down, Home and End move the active row (kept in view); Enter opens it. */
function gridKeyDown({ total, active, scrollRef, virtualizer, setActiveIndex, open }: GridKeys) {
  return (event: KeyboardEvent<HTMLDivElement>) => {
    // Keys pressed on a control inside the grid (a column's sort button) belong to it.
    if (event.target !== event.currentTarget) return;
    if (total === null || total === 0) return;
    if (isRowKey(event.key)) {
      event.preventDefault();
      const visibleRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT));
      const next = moveActiveRow(Math.max(active, 0), event.key, total, visibleRows);
      setActiveIndex(next);
      virtualizer.scrollToIndex(next, { align: 'auto' });
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      open(active);
    }
  };
}

interface TenantGridRowsProps {
  readonly items: ReturnType<typeof useTenantRows>['items'];
  readonly height: number;
  readonly rowAt: (index: number) => TenantRowView | undefined;
  readonly active: number;
  readonly onOpen: (index: number) => void;
}

/** Only the rows on screen (and the overscan), each placed where it sits in the whole list. */
function TenantGridRows({ items, height, rowAt, active, onOpen }: TenantGridRowsProps) {
  return (
    <div className="grid__body" style={{ height }}>
      {items.map((item) => (
        <TenantGridRow
          key={item.key}
          index={item.index}
          start={item.start}
          row={rowAt(item.index)}
          active={item.index === active}
          onOpen={() => onOpen(item.index)}
        />
      ))}
    </div>
  );
}

/** The column headers: each sorts the list by its column, again to reverse. */
function TenantGridHeader() {
  const { sort, direction } = useConsoleStore(useShallow((s) => ({ sort: s.sort, direction: s.direction })));
  const toggleSort = useConsoleStore((s) => s.toggleSort);
  const sortState = { sort, direction };
  return (
    <div className="grid__head" role="rowgroup">
      <div className="grid__row grid__row--head" role="row" aria-rowindex={1}>
        {TENANT_COLUMNS.map((column) => (
          <div key={column.key} className="grid__cell" role="columnheader" aria-sort={ariaSort(sortState, column.key)}>
            <button type="button" className="sort-button" onClick={() => toggleSort(column.key)} data-testid={`sort-${column.key}`}>
              {column.label}
              <span className="sort-button__arrow" aria-hidden="true">
                {sort === column.key ? (direction === 'asc' ? '▲' : '▼') : '↕'}
              </span>
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

interface TenantGridRowProps {
  readonly index: number;
  readonly start: number;
  /** Undefined while its page is on its way. */
  readonly row: TenantRowView | undefined;
  readonly active: boolean;
  readonly onOpen: () => void;
}

/** One website's row, placed at its offset in the virtual list; a placeholder until its page arrives. */
function TenantGridRow({ index, start, row, active, onOpen }: TenantGridRowProps) {
  return (
    <div
      id={`tenant-row-${index}`}
      className={`grid__row${active ? ' grid__row--active' : ''}${row === undefined ? ' grid__row--pending' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={active}
      data-testid={row === undefined ? undefined : 'tenant-row'}
      data-website-id={row?.id}
      style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT }}
      onClick={onOpen}
    >
      {row === undefined ? (
        <div className="grid__cell grid__cell--pending" role="gridcell" aria-colspan={TENANT_COLUMNS.length}>
          …
        </div>
      ) : (
        <>
          <div className="grid__cell mono" role="gridcell">
            {row.idLabel}
          </div>
          <div className="grid__cell" role="gridcell">
            <a href={row.href} tabIndex={-1}>
              {row.subdomain}
            </a>
          </div>
          <div className="grid__cell" role="gridcell">
            {row.customDomain}
          </div>
          <div className="grid__cell" role="gridcell">
            <ShardBadge shard={row.shard} configured={row.configured} />
          </div>
        </>
      )}
    </div>
  );
}

interface TenantFilter {
  readonly search: string;
  readonly shard: string | null;
  readonly sort: TenantListQuery['sort'];
  readonly direction: TenantListQuery['direction'];
}

/**
 * The rows of the virtual list: the server pages around what is on screen, the total of the last answer
 * (so scrolling into pages not yet loaded keeps the list's length), back to the top on a new query.
 */
function useTenantRows({ search, shard, sort, direction }: TenantFilter, activeIndex: number, scrollRef: RefObject<HTMLDivElement | null>) {
  const query = useMemo<TenantListQuery>(() => {
    const q: TenantListQuery = { sort, direction };
    if (search !== '') q.search = search;
    if (shard !== null) q.shard = shard;
    return q;
  }, [search, shard, sort, direction]);
  const queryId = JSON.stringify(query);

  // The total of the last answer for this query, so scrolling into unloaded pages keeps the list's length.
  const [known, setKnown] = useState<{ queryId: string; total: number } | null>(null);
  const total = known?.queryId === queryId ? known.total : null;

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const firstItem = items[0]?.index ?? 0;
  const lastItem = items[items.length - 1]?.index ?? 0;
  const wanted = pagesForRange(firstItem, lastItem, total);
  const state = useTenantPages(query, TENANT_PAGE_SIZE, wanted);

  useEffect(() => {
    if (state.total !== null && (known?.queryId !== queryId || known.total !== state.total)) setKnown({ queryId, total: state.total });
  }, [state.total, queryId, known]);

  // A new query starts at the top; coming back to the same query keeps the active row in view.
  const lastQuery = useRef(queryId);
  useEffect(() => {
    if (lastQuery.current === queryId) return;
    lastQuery.current = queryId;
    if (scrollRef.current !== null) scrollRef.current.scrollTop = 0;
  }, [queryId]);
  useEffect(() => {
    if (total !== null && activeIndex > 0 && activeIndex < total) virtualizer.scrollToIndex(activeIndex, { align: 'center' });
    // Only once the list has a length: on arrival, not on every cursor move.
  }, [total !== null]);

  const rowAt = (index: number): TenantRowView | undefined => {
    const { page, offset } = locateRow(index, TENANT_PAGE_SIZE);
    const item = state.pages.get(page)?.data?.items[offset];
    return item === undefined ? undefined : formatTenantRow(item);
  };

  return { total, items, virtualizer, state, rowAt };
}

/** Which rows are on screen of how many, and the filter that narrowed them. */
function TenantGridStatus({ label, search, shard }: { label: string; search: string; shard: string | null }) {
  return (
    <div className="grid-status" aria-live="polite">
      <span data-testid="tenant-range">{label}</span>
      {(search !== '' || shard !== null) && (
        <span className="muted">
          {' '}
          · filtered{search !== '' ? ` by “${search}”` : ''}
          {shard !== null ? ` on ${shard}` : ''}
        </span>
      )}
    </div>
  );
}
