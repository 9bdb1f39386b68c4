import { describe, expect, it } from 'vitest';
import { navSection, parseRoute, routeHref } from '../../renderer/src/router/routes.ts';
import { splitTokenFromHash } from '../../renderer/src/api/session-token.ts';

describe('parseRoute', () => {
  it('opens the overview by default', () => {
    expect(parseRoute('')).toEqual({ name: 'overview' });
    expect(parseRoute('#/')).toEqual({ name: 'overview' });
    expect(parseRoute('#/overview')).toEqual({ name: 'overview' });
  });

  it('reads the tenant list and its shard filter', () => {
    expect(parseRoute('#/tenants')).toEqual({ name: 'tenants', shard: null });
    expect(parseRoute('#/tenants?shard=shard_9')).toEqual({ name: 'tenants', shard: 'shard_9' });
    expect(parseRoute('#/tenants/?shard=')).toEqual({ name: 'tenants', shard: null });
  });

  it('reads a website id and refuses anything else', () => {
    expect(parseRoute('#/tenants/123')).toEqual({ name: 'tenant', id: 123 });
    expect(parseRoute('#/tenants/abc')).toEqual({ name: 'not-found', path: '/tenants/abc' });
    expect(parseRoute('#/nowhere')).toEqual({ name: 'not-found', path: '/nowhere' });
  });

  it('reads the migration run the Jobs page links to, and nothing that is not a job id', () => {
    const run = '3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f';
    expect(parseRoute(`#/migrations?run=${run.toUpperCase()}`)).toEqual({ name: 'migrations', run });
    expect(parseRoute('#/migrations')).toEqual({ name: 'migrations', run: null });
    expect(parseRoute('#/migrations?run=../x')).toEqual({ name: 'migrations', run: null });
    expect(routeHref({ name: 'migrations', run })).toBe(`#/migrations?run=${run}`);
  });

  it('formats what it parses', () => {
    for (const hash of ['#/overview', '#/tenants', '#/tenants?shard=shard_1', '#/tenants/7']) expect(routeHref(parseRoute(hash))).toBe(hash);
    expect(routeHref({ name: 'tenants', shard: 'a b' })).toBe('#/tenants?shard=a%20b');
    expect(parseRoute(routeHref({ name: 'tenants', shard: 'a b' }))).toEqual({ name: 'tenants', shard: 'a b' });
  });

  it('highlights the nav entry a page belongs to', () => {
    expect(navSection({ name: 'tenant', id: 1 })).toBe('tenants');
    expect(navSection({ name: 'not-found', path: '/x' })).toBeNull();
  });
});

describe('splitTokenFromHash', () => {
  it('takes the token the server printed and leaves nothing behind', () => {
    expect(splitTokenFromHash('#token=abc-123_XY')).toEqual({ token: 'abc-123_XY', rest: '' });
  });

  it('keeps a route next to the token', () => {
    expect(splitTokenFromHash('#/tenants?shard=shard_1&token=t0k')).toEqual({ token: 't0k', rest: '#/tenants?shard=shard_1' });
    expect(splitTokenFromHash('#/tenants/5?token=t0k')).toEqual({ token: 't0k', rest: '#/tenants/5' });
  });

  it('leaves a hash without a token alone', () => {
    expect(splitTokenFromHash('#/overview')).toEqual({ token: null, rest: '#/overview' });
    expect(splitTokenFromHash('')).toEqual({ token: null, rest: '' });
  });
});
