import path from 'node:path';
import { redactSecrets } from '../log/redact-secrets.ts';
import type { queryMethods } from '../../../shared/contract.ts';
import type { CallContext } from '../call-context.ts';
import type { ConsoleContext } from '../console-context.ts';
import { audited } from '../console-schema/audit-log.ts';
import { profileSecrets } from '../log/log-console.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { userDataDir } from '../user-data-dir.ts';
import { explainQuery } from './explain-query.ts';
import { exportQueryToFile } from './export-query.ts';
import { auditedDatabases, queryAuditEntry } from './query-audit.ts';
import { libraryKey, QueryLibrary } from './query-library.ts';
import { QueryService } from './query-service.ts';
import type { QueryRunResult } from './query-session.ts';
import type { QueryDatabaseOutcome, QueryEvent, QueryTarget } from './query-types.ts';

const services = new WeakMap<ConsoleContext, QueryService>();

/** The console's query service: created on first use, closed with the console. */
function serviceOf(ctx: ConsoleContext): QueryService {
  let service = services.get(ctx);
  if (!service) {
    const created = new QueryService(ctx);
    services.set(ctx, created);
    ctx.onClose(() => created.close());
    service = created;
  }
  return service;
}

/** Records a query-console call in the audit log (the local one on a read-only console): statement, target, per database rows and time, never rows. */
function auditedQuery<T extends { databases: readonly QueryDatabaseOutcome[] }>(
  ctx: ConsoleContext,
  action: 'query.run' | 'query.fetchMore' | 'query.explain' | 'query.export',
  request: { sql: string; target: QueryTarget; limit?: number; timeoutSeconds?: number; analyze?: boolean; file?: string },
  work: () => Promise<T>,
): Promise<T> {
  const secrets = profileSecrets(ctx);
  const start = queryAuditEntry(action, request, describeTarget(request.target), [], secrets);
  return audited(ctx.pools.primary(), { action: start.action, target: start.target, details: start.details }, work, {
    // Only the outcomes: the statement was redacted once, for the entry above; errors quote it.
    resultDetails: (result) => ({ databases: auditedDatabases(result.databases, secrets) }),
    errorText: (text) => redactSecrets(text, secrets),
  });
}

function describeTarget(target: QueryTarget): string {
  if (target.kind === 'databases') return target.names.join(', ');
  if (target.kind === 'website') return `website ${target.id}`;
  return target.kind === 'all' ? 'all databases' : 'the shards';
}

const withoutUndefined = <T extends Record<string, unknown>>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** A run's page with arrays of its own, as the contract's result holds them. */
function runPage(result: QueryRunResult) {
  return {
    ...result,
    columns: [...result.columns],
    rows: result.rows.map((r) => ({ database: r.database, values: [...r.values] })),
    databases: [...result.databases],
    open: [...result.open],
  };
}

/** History and saved queries, per profile, in the user's data folder. */
function queryLibraryHandlers(
  ctx: ConsoleContext,
  library: QueryLibrary,
): HandlersFor<'query.history' | 'query.save' | 'query.deleteSaved' | 'query.clearHistory'> {
  return {
    'query.history': async () => ({
      history: await library.history(libraryKey(ctx.profile)),
      saved: await library.saved(libraryKey(ctx.profile)),
      file: library.fileFor(libraryKey(ctx.profile)),
    }),
    'query.save': async (p) => {
      await library.save(libraryKey(ctx.profile), withoutUndefined({ name: p.name, sql: p.sql, target: p.target }));
      return { saved: await library.saved(libraryKey(ctx.profile)) };
    },
    'query.deleteSaved': async (p) => {
      await library.delete(libraryKey(ctx.profile), p.name);
      return { saved: await library.saved(libraryKey(ctx.profile)) };
    },
    'query.clearHistory': async () => {
      await library.clearHistory(libraryKey(ctx.profile));
      return { history: [] };
    },
  };
}

export function queryHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof queryMethods> {
  const library = new QueryLibrary(path.join(userDataDir(), 'queries'));
  return {
    'query.run': async (p, call) => {
      const request = withoutUndefined({ sql: p.sql, target: p.target as QueryTarget, limit: p.limit, timeoutSeconds: p.timeoutSeconds });
      const result = await auditedQuery(ctx, 'query.run', request, () =>
        serviceOf(ctx)
          .session(p.session)
          .run(call as CallContext<QueryEvent>, request),
      );
      // As the audit log keeps it: the history is a file on disk, and no secret goes into a clear file
      // (a statement naming a token or a password runs, its history entry shows [redacted] instead).
      await library.record(libraryKey(ctx.profile), { sql: redactSecrets(p.sql, profileSecrets(ctx)), target: p.target }).catch(() => {});
      return runPage(result);
    },
    'query.fetchMore': async (p, call) => {
      const result = await serviceOf(ctx)
        .session(p.session)
        .fetchMore(call as CallContext<QueryEvent>, p.runId, withoutUndefined({ databases: p.databases, limit: p.limit }));
      return runPage(result);
    },
    'query.close': async (p) => {
      await serviceOf(ctx).closeSession(p.session);
      return { closed: true };
    },
    'query.explain': async (p, call) => {
      const request = withoutUndefined({ sql: p.sql, target: p.target as QueryTarget, analyze: p.analyze, timeoutSeconds: p.timeoutSeconds });
      const result = await auditedQuery(ctx, 'query.explain', request, async () => {
        const explained = await explainQuery(serviceOf(ctx).engine, call as never, request);
        return { ...explained, databases: explained.databases.map((d) => ({ ...d, rows: 0, truncated: false })) };
      });
      return { databases: result.databases.map(({ rows: _r, truncated: _t, ...plan }) => plan) };
    },
    'query.export': async (p, call) => {
      const request = withoutUndefined({
        sql: p.sql,
        target: p.target as QueryTarget,
        file: p.file,
        format: p.format,
        timeoutSeconds: p.timeoutSeconds,
        overwrite: p.overwrite,
      });
      const result = await auditedQuery(ctx, 'query.export', request, () => exportQueryToFile(serviceOf(ctx).engine, call as never, request));
      return { ...result, columns: [...result.columns], databases: [...result.databases] };
    },
    ...queryLibraryHandlers(ctx, library),
  };
}
