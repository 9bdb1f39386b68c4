import type { ConsoleContext } from '../console-context.ts';
import type { QueryEngine } from './query-engine.ts';
import { OpenRunRegistry } from './open-run-registry.ts';
import { QUERY_POOL_MAX, QueryPools } from './query-pools.ts';
import { DEFAULT_KEEP_OPEN_MS } from './query-settings.ts';
import { QuerySession } from './query-session.ts';
import { TypeNameCache } from './type-names.ts';

/**
 * The query console of one open console: its pools, its type names and its sessions (one per window or
 * CLI invocation, by a key the transport picks). Create one beside the ConsoleContext and close it with it.
 */
export class QueryService {
  readonly engine: QueryEngine;
  readonly #sessions = new Map<string, QuerySession>();

  constructor(ctx: ConsoleContext, options: { keepOpenMs?: number } = {}) {
    this.engine = Object.freeze({
      ctx,
      pools: new QueryPools({ connectTimeoutMs: ctx.profile.pool.connectTimeoutMs, role: () => ctx.profile.queryRole }),
      typeNames: new TypeNameCache(),
      openRuns: new OpenRunRegistry(QUERY_POOL_MAX),
      keepOpenMs: options.keepOpenMs ?? DEFAULT_KEEP_OPEN_MS,
    });
  }

  session(key: string): QuerySession {
    let session = this.#sessions.get(key);
    if (!session) {
      session = new QuerySession(this.engine);
      this.#sessions.set(key, session);
    }
    return session;
  }

  /** Closes a session's open run and forgets it (its window closed, its CLI call ended). */
  async closeSession(key: string): Promise<void> {
    const session = this.#sessions.get(key);
    this.#sessions.delete(key);
    await session?.close();
  }

  /** Closes every session's cursors, then the pools. */
  async close(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
    await this.engine.openRuns.closeAll();
    await this.engine.pools.close();
  }
}
