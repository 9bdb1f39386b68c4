import type { SetAsideForeignKey } from './methods/drift-methods.ts';

/**
 * The one line the drift page and `drift` print about the foreign keys they did not compare, e.g.
 * "Set aside on shard_1: 9 foreign keys into pwb_users, pwb_websites (...)"; null when there are none.
 */
export function setAsideSummary(setAside: readonly SetAsideForeignKey[]): string | null {
  if (setAside.length === 0) return null;
  const byDatabase = new Map<string, SetAsideForeignKey[]>();
  for (const key of setAside) byDatabase.set(key.database, [...(byDatabase.get(key.database) ?? []), key]);
  const parts = [...byDatabase].map(([database, keys]) => {
    const tables = [...new Set(keys.map((k) => k.references))].sort().join(', ');
    return `${database}: ${keys.length} foreign key${keys.length === 1 ? '' : 's'} into ${tables}`;
  });
  return `Set aside on ${parts.join('; ')}. Those global tables live on the primary only, so the keys cannot exist there: PWB's layout, not drift.`;
}
