import { parseRoute, routeHref } from '../router/routes.ts';
import { useConsoleStore } from './console-store.ts';

/*
 * The tenant list's shard filter lives in the store, and the address says it too
 * (`#/tenants?shard=shard_9`, the link the overview's error panel offers). These two functions keep
 * them in step: the address wins when it changes, and picking a shard rewrites the address.
 */

function applyRoute(): void {
  const route = parseRoute(window.location.hash);
  if (route.name !== 'tenants') return;
  if (useConsoleStore.getState().shard !== route.shard) useConsoleStore.getState().setShard(route.shard);
}

/** Call once at startup, before React subscribes to hash changes, so the store is updated first. */
export function followRouteInStore(): void {
  applyRoute();
  window.addEventListener('hashchange', applyRoute);
}

export function chooseShard(shard: string | null): void {
  useConsoleStore.getState().setShard(shard);
  window.history.replaceState(window.history.state, '', routeHref({ name: 'tenants', shard }));
}
