import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { CURSOR_KEYS, cursorRow, moveCursor, type RowCursor } from '../view/move-list.ts';

/**
 * The keyboard cursor over a table's rows, held on a row by its key: arrows move it (kept in view),
 * Enter opens the row under it. `rowId` is the element id of a row, for `aria-activedescendant`.
 */
export function useRowCursor(keys: readonly string[], rowId: (index: number) => string, onEnter: (index: number) => void) {
  const [cursor, setCursor] = useState<RowCursor>({ key: null, index: 0 });
  const current = cursorRow(keys, cursor);
  const tableRef = useRef<HTMLTableElement>(null);
  const currentId = current >= 0 ? rowId(current) : undefined;

  useEffect(() => {
    if (currentId !== undefined) document.getElementById(currentId)?.scrollIntoView({ block: 'nearest' });
  }, [currentId]);

  // Held on the row it shows, from the first render (before any key is pressed) and wherever that row
  // moves: a job listed on top keeps it where it is, and a row that goes leaves it at its last place.
  const currentKey = current >= 0 ? keys[current]! : null;
  useEffect(() => {
    if (currentKey !== null && (cursor.key !== currentKey || cursor.index !== current)) setCursor({ key: currentKey, index: current });
  }, [currentKey, current, cursor.key, cursor.index]);

  const setActive = (index: number) => setCursor({ key: keys[index] ?? null, index });
  const onKeyDown = (event: KeyboardEvent<HTMLTableElement>) => {
    // Keys pressed on a button or link inside a row belong to it.
    if (event.target !== tableRef.current) return;
    if (CURSOR_KEYS.has(event.key)) {
      event.preventDefault();
      setActive(moveCursor(current, event.key, keys.length));
    } else if (event.key === 'Enter' && current >= 0) {
      event.preventDefault();
      onEnter(current);
    }
  };
  return { current, currentId, setActive, tableRef, onKeyDown };
}
