import type { tenantMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { listTenants } from './tenant-list.ts';
import { tenantDetail } from './tenant-detail.ts';

export function tenantHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof tenantMethods> {
  return {
    'tenants.list': async (params) => listTenants(ctx, params),
    'tenants.detail': async (params) => tenantDetail(ctx, params.id),
  };
}
