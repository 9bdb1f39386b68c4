import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import { toggleSort } from '../view/tenant-list.ts';
import type { SortDirection, TenantSort } from '../view/tenant-list.ts';

/*
 * UI state only: what the operator typed, picked and where they are in a list. Server data stays in
 * the query cache (api/hooks.ts); nothing fetched is copied in here.
 */

export interface TenantFilterSlice {
  search: string;
  /** Shard filter; null shows every shard. Set from the `#/tenants?shard=` route. */
  shard: string | null;
  sort: TenantSort;
  direction: SortDirection;
  setSearch: (search: string) => void;
  setShard: (shard: string | null) => void;
  toggleSort: (column: TenantSort) => void;
}

export interface TenantCursorSlice {
  /** Index of the active row in the tenant list (across pages), kept when visiting a detail page. */
  activeIndex: number;
  setActiveIndex: (index: number) => void;
}

export interface MigrationRunSlice {
  /** The migration run last started in this window: the Migrations page shows it when it is opened again. */
  migrationRun: string | null;
  setMigrationRun: (runId: string | null) => void;
}

export type ConsoleState = TenantFilterSlice & TenantCursorSlice & MigrationRunSlice;

type Slice<T> = StateCreator<ConsoleState, [], [], T>;

const createTenantFilterSlice: Slice<TenantFilterSlice> = (set) => ({
  search: '',
  shard: null,
  sort: 'id',
  direction: 'asc',
  setSearch: (search) => set({ search, activeIndex: 0 }),
  setShard: (shard) => set({ shard, activeIndex: 0 }),
  toggleSort: (column) => set((state) => ({ ...toggleSort(state, column), activeIndex: 0 })),
});

const createTenantCursorSlice: Slice<TenantCursorSlice> = (set) => ({
  activeIndex: 0,
  setActiveIndex: (activeIndex) => set({ activeIndex }),
});

const createMigrationRunSlice: Slice<MigrationRunSlice> = (set) => ({
  migrationRun: null,
  setMigrationRun: (migrationRun) => set({ migrationRun }),
});

export const useConsoleStore = create<ConsoleState>()((...args) => ({
  ...createTenantFilterSlice(...args),
  ...createTenantCursorSlice(...args),
  ...createMigrationRunSlice(...args),
}));
