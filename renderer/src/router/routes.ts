import { parseWebsiteId } from '../view/tenant-detail.ts';

/* The hash routes of the console, parsed and formatted in one place. */

export type Route =
  | { name: 'overview' }
  | { name: 'tenants'; shard: string | null }
  | { name: 'tenant'; id: number }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const queryAt = raw.indexOf('?');
  const path = (queryAt < 0 ? raw : raw.slice(0, queryAt)).replace(/\/+$/, '');
  const query = new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1));
  if (path === '' || path === '/overview') return { name: 'overview' };
  if (path === '/tenants') {
    const shard = query.get('shard');
    return { name: 'tenants', shard: shard === null || shard === '' ? null : shard };
  }
  const detail = /^\/tenants\/([^/]+)$/.exec(path);
  if (detail?.[1] !== undefined) {
    const id = parseWebsiteId(detail[1]);
    if (id !== null) return { name: 'tenant', id };
  }
  return { name: 'not-found', path: path === '' ? '/' : path };
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'overview':
      return '#/overview';
    case 'tenants':
      return route.shard === null ? '#/tenants' : `#/tenants?shard=${encodeURIComponent(route.shard)}`;
    case 'tenant':
      return `#/tenants/${route.id}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

/** Which nav entry a route belongs to. */
export function navSection(route: Route): 'overview' | 'tenants' | null {
  if (route.name === 'overview') return 'overview';
  if (route.name === 'tenants' || route.name === 'tenant') return 'tenants';
  return null;
}
