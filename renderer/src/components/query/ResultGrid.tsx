import { useEffect, useRef, useState } from 'react';
import type { CSSProperties, KeyboardEvent, RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { DATABASE_COLUMN, GRID_KEYS, ariaSortOf, cellText, gridTemplate, heldRow, moveGridCursor } from '../../view/query-grid.ts';
import type { GridCursor, HeldCursor, ResultSort } from '../../view/query-grid.ts';
import type { QueryColumn, ResultRow } from '../../view/query-results.ts';

const ROW_HEIGHT = 30;
const HEADER_HEIGHT = 44;
const OVERSCAN = 20;
const SCROLLBAR_ROOM = 18;

interface ResultGridProps {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly ResultRow[];
  readonly sort: ResultSort | null;
  readonly onSort: (column: number) => void;
}

const cellId = (row: number, column: number) => `query-cell-${row}-${column + 1}`;

/*
 * Every database's rows in one ARIA grid over a virtual list (only the rows on screen exist), a `database`
 * column first. The grid holds focus; arrows move a cell cursor announced through aria-activedescendant,
 * and a header click sorts.
 */
export function ResultGrid({ columns, rows, sort, onSort }: ResultGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });
  const { active, setCursor, onKeyDown } = useCellCursor(rows, sort, columns.length, gridRef, scrollRef, onSort, (row) =>
    virtualizer.scrollToIndex(row, { align: 'auto' }),
  );
  const items = virtualizer.getVirtualItems();
  const { template, minWidth } = gridTemplate(columns.length);
  // As tall as its rows (plus room for a horizontal scrollbar), at most most of the window.
  const height = `min(60vh, ${virtualizer.getTotalSize() + SCROLLBAR_ROOM}px)`;
  const rowStyle = (extra: CSSProperties): CSSProperties => ({ gridTemplateColumns: template, minWidth, ...extra });
  const activeRendered = active.row >= 0 && items.some((i) => i.index === active.row);
  return (
    <div
      ref={gridRef}
      className="grid query-grid"
      role="grid"
      aria-label="Query results"
      aria-keyshortcuts="S"
      title="Arrows move the cell cursor; S sorts by the cursor's column (again: the other way)"
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length + 1}
      tabIndex={0}
      aria-activedescendant={activeRendered ? cellId(active.row, active.column) : undefined}
      onKeyDown={onKeyDown}
      style={{ height }}
      data-testid="query-grid"
    >
      <div ref={scrollRef} className="query-grid__scroll">
        <div className="query-grid__body" style={{ height: virtualizer.getTotalSize(), minWidth }}>
          <ResultHeader columns={columns} sort={sort} onSort={onSort} style={rowStyle({ height: HEADER_HEIGHT })} />
          {items.map((item) => (
            <ResultRowCells
              key={item.key}
              index={item.index}
              row={rows[item.index]!}
              columnCount={columns.length}
              activeColumn={item.index === active.row ? active.column : null}
              onPick={(column) => setCursor({ row: item.index, column })}
              style={rowStyle({ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT })}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function ResultHeader({
  columns,
  sort,
  onSort,
  style,
}: {
  columns: readonly QueryColumn[];
  sort: ResultSort | null;
  onSort: (column: number) => void;
  style: CSSProperties;
}) {
  const header = (column: number, name: string, type: string | null) => (
    <div key={column} className="grid__cell query-grid__head-cell" role="columnheader" aria-sort={ariaSortOf(sort, column)}>
      <button
        type="button"
        className="sort-button"
        tabIndex={-1}
        onClick={() => onSort(column)}
        data-testid={`query-sort-${column === DATABASE_COLUMN ? 'database' : column}`}
        title={type ?? undefined}
      >
        <span className="query-grid__name">{name}</span>
        {type !== null && <span className="query-grid__type">{type}</span>}
        <span className="sort-button__arrow" aria-hidden="true">
          {sort?.column === column ? (sort.direction === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </div>
  );
  return (
    <div className="grid__row grid__row--head query-grid__head" role="row" aria-rowindex={1} style={style}>
      {header(DATABASE_COLUMN, 'database', null)}
      {columns.map((c, i) => header(i, c.name, c.type))}
    </div>
  );
}

/**
 * The cell cursor: arrow keys on the grid itself (not on a header button) move it, and it stays in view;
 * S sorts by the cursor's column (the header buttons stay out of the Tab order: a wide result would
 * make them dozens of stops).
 */
function useCellCursor(
  rows: readonly ResultRow[],
  sort: ResultSort | null,
  columnCount: number,
  gridRef: RefObject<HTMLDivElement | null>,
  scrollRef: RefObject<HTMLDivElement | null>,
  onSort: (column: number) => void,
  scrollToRow: (row: number) => void,
) {
  const rowCount = rows.length;
  const order = sort === null ? '' : `${sort.column}:${sort.direction}`;
  const [held, setHeld] = useState<HeldCursor>({ row: 0, column: DATABASE_COLUMN, item: null, order });
  // On its row, not its place: rows streaming in before it, or fetched, leave it on the row it was on.
  const active = moveGridCursor({ row: heldRow(rows, held, order), column: held.column }, '', rowCount, columnCount);
  const setCursor = (next: GridCursor) => setHeld({ ...next, item: rows[next.row] ?? null, order });
  // The active cell in view sideways too (the virtualizer only scrolls rows).
  useEffect(() => {
    document.getElementById(cellId(active.row, active.column))?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [active.row, active.column]);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== gridRef.current) return;
    if ((event.key === 's' || event.key === 'S') && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      onSort(active.column);
      return;
    }
    if (!GRID_KEYS.has(event.key)) return;
    event.preventDefault();
    const pageRows = Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) - HEADER_HEIGHT) / ROW_HEIGHT));
    const next = moveGridCursor(active, event.key, rowCount, columnCount, pageRows);
    setCursor(next);
    if (next.row >= 0) scrollToRow(next.row);
  };
  return { active, setCursor, onKeyDown };
}

interface RowProps {
  readonly index: number;
  readonly row: ResultRow;
  readonly columnCount: number;
  readonly activeColumn: number | null;
  readonly onPick: (column: number) => void;
  readonly style: CSSProperties;
}

function ResultRowCells({ index, row, columnCount, activeColumn, onPick, style }: RowProps) {
  const cells: unknown[] = Array.from({ length: columnCount }, (_, i) => row.values[i] ?? null);
  const cellClass = (column: number, value: unknown) =>
    `grid__cell${column === activeColumn ? ' query-grid__cell--active' : ''}${value === null ? ' query-grid__null' : ''}${column === DATABASE_COLUMN ? ' query-grid__db' : ' mono'}`;
  return (
    <div
      className={`grid__row query-grid__row${activeColumn !== null ? ' grid__row--active' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={activeColumn !== null}
      data-testid="query-row"
      data-database={row.database}
      style={style}
    >
      <div id={cellId(index, DATABASE_COLUMN)} className={cellClass(DATABASE_COLUMN, row.database)} role="gridcell" onClick={() => onPick(DATABASE_COLUMN)}>
        {row.database}
      </div>
      {cells.map((value, column) => (
        <div
          key={column}
          id={cellId(index, column)}
          className={cellClass(column, value)}
          role="gridcell"
          title={cellText(value)}
          onClick={() => onPick(column)}
        >
          {cellText(value)}
        </div>
      ))}
    </div>
  );
}
