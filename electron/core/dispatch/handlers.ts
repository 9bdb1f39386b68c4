import type { MethodName, MethodResult, ParsedParams } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import { clusterOverview } from '../cluster/cluster-overview.ts';
import { catalogTables } from '../catalog/catalog-tables.ts';
import { listTenants } from '../tenants/tenant-list.ts';
import { tenantDetail } from '../tenants/tenant-detail.ts';

export type Handler<M extends MethodName> = (params: ParsedParams<M>) => Promise<MethodResult<M>>;
/** Exactly one handler per contract method: the mapped type makes a missing or extra one a compile error. */
export type Handlers = { readonly [M in MethodName]: Handler<M> };

export function createHandlers(ctx: ConsoleContext): Handlers {
  return Object.freeze({
    'session.info': async () => ({ profile: ctx.profile.name, profileSource: ctx.profile.source, version: ctx.version, readOnly: true }),
    'cluster.overview': async () => clusterOverview(ctx),
    'catalog.tables': async (params) => catalogTables(ctx, params.database),
    'tenants.list': async (params) => listTenants(ctx, params),
    'tenants.detail': async (params) => tenantDetail(ctx, params.id),
  });
}
