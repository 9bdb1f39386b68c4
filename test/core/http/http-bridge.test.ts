import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startHttpBridge, type HttpBridge } from '../../../electron/core/http/http-bridge.ts';
import type { Dispatch } from '../../../electron/core/dispatch/dispatcher.ts';

let bridge: HttpBridge;
const calls: Array<{ method: string; params: unknown }> = [];
const dispatch: Dispatch = async (method, params) => {
  calls.push({ method, params });
  if (method === 'nope') return { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'no such method' } };
  return { ok: true, result: { echoed: params } } as never;
};

function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: init.method ?? 'GET', headers: { host: `127.0.0.1:${bridge.port}`, ...init.headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bridge-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  bridge = await startHttpBridge({ dispatch, staticDir: dir });
});
afterAll(() => bridge.close());

describe('HTTP bridge', () => {
  it('listens on loopback and prints the token in the URL fragment', () => {
    expect(bridge.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${bridge.port}/#token=[A-Za-z0-9_-]{40,}$`));
  });

  it('refuses to listen on a non-loopback address', async () => {
    await expect(startHttpBridge({ dispatch, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('refuses calls without the token, or with a wrong one, before dispatching', async () => {
    const before = calls.length;
    const missing = await send('/rpc/session.info', { method: 'POST', headers: json, body: '{}' });
    const wrong = await send('/rpc/session.info', { method: 'POST', headers: { ...json, authorization: 'Bearer nope' }, body: '{}' });
    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.code).toBe('UNAUTHORIZED');
    expect(calls.length).toBe(before);
  });

  it('dispatches an authorized call with its JSON params', async () => {
    const res = await send('/rpc/tenants.list', { method: 'POST', headers: { ...json, authorization: `Bearer ${bridge.token}` }, body: '{"limit":3}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, result: { echoed: { limit: 3 } } });
    expect(calls.at(-1)).toEqual({ method: 'tenants.list', params: { limit: 3 } });
  });

  it('answers 404 with the envelope for an unknown method and 400 for a malformed body', async () => {
    const auth = { ...json, authorization: `Bearer ${bridge.token}` };
    expect((await send('/rpc/nope', { method: 'POST', headers: auth, body: '{}' })).status).toBe(404);
    const bad = await send('/rpc/tenants.list', { method: 'POST', headers: auth, body: '{limit' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('INVALID_PARAMS');
  });

  it('refuses a DNS-rebinding Host and a cross-origin caller', async () => {
    const rebound = await send('/rpc/session.info', { method: 'POST', headers: { ...json, host: 'evil.example:80', authorization: `Bearer ${bridge.token}` }, body: '{}' });
    expect(rebound.status).toBe(403);
    const cross = await send('/rpc/session.info', { method: 'POST', headers: { ...json, origin: 'https://evil.example', authorization: `Bearer ${bridge.token}` }, body: '{}' });
    expect(cross.status).toBe(403);
  });

  it('serves pages with a strict CSP and never outside its folder', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const escape = await send('/../../../../etc/passwd');
    expect(escape.body).not.toContain('root:');
  });
});
