import { beforeEach, describe, expect, it } from 'vitest';
import { useConsoleStore } from '../../renderer/src/store/console-store.ts';

beforeEach(() => useConsoleStore.setState(useConsoleStore.getInitialState(), true));

describe('console store', () => {
  it('toggles the tenant sort and goes back to the first row', () => {
    useConsoleStore.getState().setActiveIndex(40);
    useConsoleStore.getState().toggleSort('subdomain');
    expect(useConsoleStore.getState()).toMatchObject({ sort: 'subdomain', direction: 'asc', activeIndex: 0 });
    useConsoleStore.getState().toggleSort('subdomain');
    expect(useConsoleStore.getState()).toMatchObject({ sort: 'subdomain', direction: 'desc' });
  });

  it('resets the active row when the search or shard changes', () => {
    useConsoleStore.getState().setActiveIndex(7);
    useConsoleStore.getState().setSearch('acme');
    expect(useConsoleStore.getState()).toMatchObject({ search: 'acme', activeIndex: 0 });
    useConsoleStore.getState().setActiveIndex(7);
    useConsoleStore.getState().setShard('shard_1');
    expect(useConsoleStore.getState()).toMatchObject({ shard: 'shard_1', activeIndex: 0 });
  });
});
