import { parseWebsiteId } from '../view/tenant-detail.ts';

/* The hash routes of the console, parsed and formatted in one place. */

export type Route =
  | { name: 'overview' }
  | { name: 'query' }
  | { name: 'tenants'; shard: string | null }
  | { name: 'tenant'; id: number }
  /** `run`: a migration run to show (the Jobs page links to it), else the last one started in this window. */
  | { name: 'migrations'; run: string | null }
  | { name: 'drift' }
  | { name: 'shards' }
  | { name: 'shard'; database: string }
  | { name: 'doctor'; database: string | null }
  | { name: 'moves' }
  | { name: 'move'; jobId: string }
  | { name: 'jobs' }
  | { name: 'backups'; open: string | null }
  | { name: 'profiles' }
  | { name: 'restore'; jobId: string }
  | { name: 'profile-form'; path: string | null }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const queryAt = raw.indexOf('?');
  const path = (queryAt < 0 ? raw : raw.slice(0, queryAt)).replace(/\/+$/, '');
  const query = new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1));
  if (path === '' || path === '/overview') return { name: 'overview' };
  if (path === '/migrations') {
    const run = query.get('run') ?? '';
    return { name: 'migrations', run: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(run) ? run.toLowerCase() : null };
  }
  if (path === '/drift') return { name: 'drift' };
  if (path === '/shards') return { name: 'shards' };
  if (path === '/query') return { name: 'query' };
  if (path === '/profiles') return { name: 'profiles' };
  if (path === '/profiles/new') return { name: 'profile-form', path: null };
  if (path === '/profiles/edit') {
    const file = query.get('path');
    return file === null || file === '' ? { name: 'profile-form', path: null } : { name: 'profile-form', path: file };
  }
  const shard = /^\/shards\/([^/]+)$/.exec(path);
  if (shard?.[1] !== undefined) return { name: 'shard', database: decodeURIComponent(shard[1]) };
  if (path === '/doctor') {
    const database = query.get('database');
    return { name: 'doctor', database: database === null || database === '' ? null : database };
  }
  if (path === '/tenants') {
    const shard = query.get('shard');
    return { name: 'tenants', shard: shard === null || shard === '' ? null : shard };
  }
  if (path === '/moves') return { name: 'moves' };
  if (path === '/jobs') return { name: 'jobs' };
  if (path === '/backups') {
    const open = query.get('open');
    return { name: 'backups', open: open === null || open === '' ? null : open };
  }
  const restore = /^\/restores\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(path);
  if (restore?.[1] !== undefined) return { name: 'restore', jobId: restore[1].toLowerCase() };
  const move = /^\/moves\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(path);
  if (move?.[1] !== undefined) return { name: 'move', jobId: move[1].toLowerCase() };
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
    case 'query':
      return '#/query';
    case 'tenants':
      return route.shard === null ? '#/tenants' : `#/tenants?shard=${encodeURIComponent(route.shard)}`;
    case 'tenant':
      return `#/tenants/${route.id}`;
    case 'migrations':
      return route.run === null ? '#/migrations' : `#/migrations?run=${route.run}`;
    case 'drift':
      return '#/drift';
    case 'shards':
      return '#/shards';
    case 'shard':
      return `#/shards/${encodeURIComponent(route.database)}`;
    case 'doctor':
      return route.database === null ? '#/doctor' : `#/doctor?database=${encodeURIComponent(route.database)}`;
    case 'moves':
      return '#/moves';
    case 'move':
      return `#/moves/${route.jobId}`;
    case 'jobs':
      return '#/jobs';
    case 'backups':
      return route.open === null ? '#/backups' : `#/backups?open=${encodeURIComponent(route.open)}`;
    case 'profiles':
      return '#/profiles';
    case 'restore':
      return `#/restores/${route.jobId}`;
    case 'profile-form':
      return route.path === null ? '#/profiles/new' : `#/profiles/edit?path=${encodeURIComponent(route.path)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

/** Which nav entry a route belongs to. */
export function navSection(
  route: Route,
): 'overview' | 'tenants' | 'migrations' | 'drift' | 'shards' | 'doctor' | 'moves' | 'jobs' | 'backups' | 'query' | null {
  if (route.name === 'query') return 'query';
  if (route.name === 'jobs' || route.name === 'restore') return 'jobs';
  if (route.name === 'backups') return 'backups';
  if (route.name === 'overview') return 'overview';
  if (route.name === 'migrations' || route.name === 'drift') return route.name;
  if (route.name === 'shards' || route.name === 'shard') return 'shards';
  if (route.name === 'doctor') return 'doctor';
  if (route.name === 'tenants' || route.name === 'tenant') return 'tenants';
  if (route.name === 'moves' || route.name === 'move') return 'moves';
  return null;
}
