import { useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import { useClusterOverview } from '../api/hooks.ts';
import { TenantGrid } from '../components/TenantGrid.tsx';
import { useConsoleStore } from '../store/console-store.ts';
import { chooseShard } from '../store/route-sync.ts';
import { shardFilterOptions } from '../view/overview.ts';

const SEARCH_DEBOUNCE_MS = 250;

export function Tenants() {
  const overview = useClusterOverview();
  const shard = useConsoleStore((s) => s.shard);
  const searchRef = useRef<HTMLInputElement>(null);
  const unknownShards = overview.data?.unknownShardNames ?? [];

  // `/` jumps to the search box from anywhere on the page, unless the operator is already typing.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target !== null && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const options = shardFilterOptions(overview.data);
  if (shard !== null && !options.includes(shard)) options.push(shard);

  return (
    <div className="page page--fill">
      <header className="page__header">
        <h1>Tenants</h1>
      </header>
      <div className="toolbar" role="search">
        <SearchBox inputRef={searchRef} />
        <label className="field">
          <span className="field__label">Shard</span>
          <select
            className="select"
            value={shard ?? ''}
            onChange={(e) => chooseShard(e.target.value === '' ? null : e.target.value)}
            data-testid="shard-filter"
          >
            <option value="">All shards</option>
            {options.map((name) => (
              <option key={name} value={name}>
                {unknownShards.includes(name) ? `${name} (not configured)` : name}
              </option>
            ))}
          </select>
        </label>
        <span className="toolbar__hint muted">
          <kbd>/</kbd> search · <kbd>↑</kbd>
          <kbd>↓</kbd> move · <kbd>Enter</kbd> open
        </span>
      </div>
      <TenantGrid />
    </div>
  );
}

function SearchBox({ inputRef }: { inputRef: RefObject<HTMLInputElement | null> }) {
  const search = useConsoleStore((s) => s.search);
  const setSearch = useConsoleStore((s) => s.setSearch);
  const [text, setText] = useState(search);

  useEffect(() => {
    const next = text.trim();
    if (next === search) return;
    const timer = window.setTimeout(() => setSearch(next), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, search, setSearch]);

  return (
    <label className="field field--grow">
      <span className="field__label">Search</span>
      <input
        ref={inputRef}
        className="input"
        type="search"
        value={text}
        maxLength={200}
        placeholder="id, subdomain or custom domain"
        aria-keyshortcuts="/"
        data-testid="tenant-search"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') setSearch(text.trim());
          if (e.key === 'Escape') setText('');
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            document.getElementById('tenant-grid')?.focus();
          }
        }}
      />
    </label>
  );
}
