import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, MalformedResponseError, TransportError, call, readEnvelope, setTransport } from '../../renderer/src/api/client.ts';
import type { Transport } from '../../renderer/src/api/client.ts';
import { describeError } from '../../renderer/src/view/error-text.ts';

const session = {
  profile: 'staging',
  profileSource: '/tmp/p.json',
  version: '0.1.0',
  readOnly: false,
  secretStorage: 'none' as const,
  queryRole: null,
  openId: null,
};

afterEach(() => setTransport(null));

function fakeTransport(answer: (method: string, params: unknown) => unknown, seen: unknown[] = []): Transport {
  return {
    kind: 'ipc',
    send: async (method, params) => {
      seen.push({ method, params });
      return answer(method, params);
    },
  };
}

describe('readEnvelope', () => {
  it('returns a result that matches the contract', () => {
    expect(readEnvelope('session.info', { ok: true, result: session })).toEqual(session);
  });

  it('throws a named ApiError for an error envelope, keeping code and target', () => {
    const error = (() => {
      try {
        readEnvelope('tenants.detail', { ok: false, error: { code: 'WEBSITE_NOT_FOUND', message: 'No website has id 999999.', target: '999999' } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'WEBSITE_NOT_FOUND', message: 'No website has id 999999.', target: '999999', method: 'tenants.detail' });
    expect(describeError(error)).toMatchObject({ title: 'Website not found', code: 'WEBSITE_NOT_FOUND' });
  });

  it('refuses a result that does not match the contract', () => {
    expect(() => readEnvelope('session.info', { ok: true, result: { profile: 3 } })).toThrow(MalformedResponseError);
    expect(() => readEnvelope('session.info', { ok: true, result: { profile: 3 } })).toThrow(/session\.info.*profile/);
  });

  it('refuses something that is not an envelope at all', () => {
    expect(() => readEnvelope('session.info', '<html>')).toThrow(MalformedResponseError);
    expect(() => readEnvelope('session.info', { ok: false, error: { code: 'NOT_A_CODE', message: 'x' } })).toThrow(MalformedResponseError);
  });
});

describe('call', () => {
  it('sends the params with the contract defaults applied', async () => {
    const seen: unknown[] = [];
    setTransport(fakeTransport(() => ({ ok: true, result: { total: 0, items: [] } }), seen));
    await expect(call('tenants.list', { search: ' acme ' })).resolves.toEqual({ total: 0, items: [] });
    expect(seen).toEqual([{ method: 'tenants.list', params: { search: 'acme', limit: 50, offset: 0, sort: 'id', direction: 'asc' } }]);
  });

  it('rejects invalid params before sending anything', async () => {
    const seen: unknown[] = [];
    setTransport(fakeTransport(() => ({ ok: true, result: {} }), seen));
    await expect(call('tenants.detail', { id: -1 })).rejects.toMatchObject({ name: 'ApiError', code: 'INVALID_PARAMS' });
    expect(seen).toEqual([]);
  });
});

describe('the HTTP transport with error statuses', () => {
  afterEach(() => vi.unstubAllGlobals());

  function serveOnce(status: number, body: string) {
    const requests: Array<{ url: string; init: RequestInit }> = [];
    vi.stubGlobal('window', { location: { protocol: 'http:', hash: '' }, sessionStorage: { getItem: () => 'the-token' } });
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return new Response(body, { status, headers: { 'content-type': 'application/json' } });
    });
    return requests;
  }

  it('reads the envelope of a refused call whatever its status (400, 403, 404, 409, 503)', async () => {
    for (const [status, code] of [
      [400, 'INVALID_PARAMS'],
      [403, 'READ_ONLY'],
      [404, 'WEBSITE_NOT_FOUND'],
      [409, 'SHARD_EXISTS'],
      [503, 'DATABASE_UNREACHABLE'],
    ] as const) {
      const requests = serveOnce(status, JSON.stringify({ ok: false, error: { code, message: `refused with ${status}`, target: 't' } }));
      await expect(call('tenants.detail', { id: 5 })).rejects.toMatchObject({ name: 'ApiError', code, message: `refused with ${status}`, target: 't' });
      expect(requests[0]!.url).toBe('/rpc/tenants.detail');
      expect((requests[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer the-token');
    }
  });

  it('still reads a successful call, and calls a status without an envelope a transport failure', async () => {
    serveOnce(200, JSON.stringify({ ok: true, result: session }));
    await expect(call('session.info', {})).resolves.toEqual(session);
    serveOnce(502, '<html>Bad Gateway</html>');
    await expect(call('session.info', {})).rejects.toBeInstanceOf(TransportError);
    serveOnce(401, 'no');
    await expect(call('session.info', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
