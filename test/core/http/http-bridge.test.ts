import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { startHttpBridge, type HttpBridge } from '../../../electron/core/http/http-bridge.ts';
import { randomToken, weakTokenReason } from '../../../electron/core/http/bridge-token.ts';
import { HTTP_STATUS_BY_ERROR, httpStatusFor } from '../../../electron/core/http/http-status.ts';
import type { Dispatch } from '../../../electron/core/dispatch/dispatcher.ts';
import { errorCodes, type ErrorCode } from '../../../shared/errors.ts';

let bridge: HttpBridge;
const calls: Array<{ method: string; params: unknown }> = [];
const dispatch: Dispatch = async (method, params, call) => {
  calls.push({ method, params });
  if (method === 'wait') {
    await new Promise((resolve) => call?.signal?.addEventListener('abort', resolve, { once: true }));
    return { ok: false, error: { code: 'CANCELLED', message: 'stopped' } };
  }
  if (method === 'nope') return { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'no such method' } };
  if (method === 'fail') return { ok: false, error: { code: (params as { code: ErrorCode }).code, message: 'refused' } };
  return { ok: true, result: { echoed: params } } as never;
};

function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: bridge.port, path, method: init.method ?? 'GET', headers: { host: `127.0.0.1:${bridge.port}`, ...init.headers } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
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
    const rebound = await send('/rpc/session.info', {
      method: 'POST',
      headers: { ...json, host: 'evil.example:80', authorization: `Bearer ${bridge.token}` },
      body: '{}',
    });
    expect(rebound.status).toBe(403);
    const cross = await send('/rpc/session.info', {
      method: 'POST',
      headers: { ...json, origin: 'https://evil.example', authorization: `Bearer ${bridge.token}` },
      body: '{}',
    });
    expect(cross.status).toBe(403);
  });

  it('serves pages with a strict CSP and never outside its folder', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    // Plain `..` never reaches the server's folder logic (the URL parser drops it): the page comes back.
    expect((await send('/../../../../etc/passwd')).body).toBe(page.body);
    // %-escaped, it does: refused with 403, whatever the file.
    for (const url of ['/..%2f..%2f..%2fetc%2fpasswd', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/..%5c..%5cwindows%5cwin.ini']) {
      const answer = await send(url);
      expect(answer.status, url).toBe(403);
      expect(JSON.parse(answer.body).error.code, url).toBe('UNAUTHORIZED');
    }
  });
});

describe('HTTP bridge hardening', () => {
  const auth = { ...json, authorization: '' };
  const withToken = () => ({ ...auth, authorization: `Bearer ${bridge.token}` });

  it('checks the token before it reads the path: a malformed %-escape answers 401 without it and 400 with it', async () => {
    const before = calls.length;
    for (const path of ['/rpc/%E0%A4%A', '/rpc/tenants.list%', '/rpc/%00']) {
      const anonymous = await send(path, { method: 'POST', headers: json, body: '{}' });
      expect(anonymous.status, path).toBe(401);
      const authorized = await send(path, { method: 'POST', headers: withToken(), body: '{}' });
      expect(authorized.status, path).toBe(400);
      expect(JSON.parse(authorized.body).error).toMatchObject({ code: 'INVALID_PARAMS', message: expect.stringContaining('Call POST /rpc/<method>') });
    }
    const page = await send('/%E0%A4%A');
    expect(page.status).toBe(400);
    expect(calls.length).toBe(before);
  });

  it('cancels a call in flight only by POST with the token from our own origin', async () => {
    const running = send('/rpc/wait', { method: 'POST', headers: { ...withToken(), 'x-call-id': 'slow-1' }, body: '{}' });
    await vi.waitFor(() => expect(calls.at(-1)?.method).toBe('wait'));
    for (const [label, init, status] of [
      ['no token', { method: 'POST', headers: json, body: '{}' }, 401],
      ['a wrong token', { method: 'POST', headers: { ...json, authorization: 'Bearer nope' }, body: '{}' }, 401],
      ['another origin', { method: 'POST', headers: { ...withToken(), origin: 'https://evil.example' }, body: '{}' }, 403],
      ['GET', { method: 'GET', headers: withToken() }, 405],
    ] as const) {
      expect((await send('/cancel/slow-1', init)).status, label).toBe(status);
    }
    let settled = false;
    void running.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled, 'a refused cancel stopped the call').toBe(false);
    const cancel = await send('/cancel/slow-1', { method: 'POST', headers: withToken(), body: '{}' });
    expect(JSON.parse(cancel.body)).toEqual({ ok: true, result: { cancelled: true } });
    expect(JSON.parse((await running).body)).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('answers each error envelope with the status of its code, keeping the envelope', async () => {
    for (const [code, status] of [
      ['INVALID_PARAMS', 400],
      ['READ_ONLY', 403],
      ['WEBSITE_NOT_FOUND', 404],
      ['JOB_NOT_FOUND', 404],
      ['SHARD_EXISTS', 409],
      ['MOVE_CONFLICT', 409],
      ['DATABASE_UNREACHABLE', 503],
      ['INTERNAL', 500],
    ] as const) {
      const res = await send('/rpc/fail', { method: 'POST', headers: withToken(), body: JSON.stringify({ code }) });
      expect(res.status, code).toBe(status);
      expect(JSON.parse(res.body), code).toEqual({ ok: false, error: { code, message: 'refused' } });
    }
  });

  it('has a status for every error code, in one table', () => {
    expect(errorCodes.filter((code) => HTTP_STATUS_BY_ERROR[code] === undefined)).toEqual([]);
    for (const code of errorCodes) expect(httpStatusFor(code)).toBeGreaterThanOrEqual(400);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const res = await send('/rpc/tenants.list', { method: 'POST', headers: withToken(), body: JSON.stringify({ search: 'x'.repeat(1_100_000) }) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('INVALID_PARAMS');
    // Twenty times that: still the answer that says what to do, not a reset connection.
    const huge = await send('/rpc/tenants.list', { method: 'POST', headers: withToken(), body: JSON.stringify({ search: 'x'.repeat(20_000_000) }) });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error.message).toContain('Send smaller parameters');
  });

  it('says which port is taken and what to do, without a stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const error = await startHttpBridge({ dispatch, port }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'PORT_IN_USE', details: { host: '127.0.0.1', port } });
      expect((error as Error).message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect((error as Error).message).toContain('--port N');
    } finally {
      holder.close();
    }
  });

  it('refuses a fixed token that is short or does not look random, and takes a random one', async () => {
    for (const token of [
      'hunter2',
      'a'.repeat(64),
      'abcdefghijklmnopqrstuvwxyz012345',
      'passwordpasswordpasswordpassword',
      '',
      `${'x'.repeat(20)}\r\nX-Injected: 1`,
    ]) {
      expect(weakTokenReason(token), token).not.toBeNull();
      await expect(startHttpBridge({ dispatch, token, tokenSource: 'SHARD_CONSOLE_TOKEN' })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^SHARD_CONSOLE_TOKEN is too weak .* Leave it unset for a random token per run, or set it to 32 random bytes/),
      });
    }
    for (let i = 0; i < 1000; i++) expect(weakTokenReason(randomToken())).toBeNull();
    const fixed = await startHttpBridge({ dispatch, token: randomToken() });
    await fixed.close();
  });
});
