import type { ConsoleContext } from '../console-context.ts';
import type { OpenRunRegistry } from './open-run-registry.ts';
import type { QueryPools } from './query-pools.ts';
import type { TypeNameCache } from './type-names.ts';

/** What every query-console operation needs: the console (profile, routing), the query pools and the type-name cache. */
export interface QueryEngine {
  readonly ctx: ConsoleContext;
  readonly pools: QueryPools;
  readonly typeNames: TypeNameCache;
  /** Runs holding cursors open; asked to free a connection before anything takes one. */
  readonly openRuns: OpenRunRegistry;
  /** How long a truncated run keeps its cursors open for "fetch more" after its last read. */
  readonly keepOpenMs: number;
}
