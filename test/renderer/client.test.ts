import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, MalformedResponseError, call, readEnvelope, setTransport } from '../../renderer/src/api/client.ts';
import type { Transport } from '../../renderer/src/api/client.ts';
import { describeError } from '../../renderer/src/view/error-text.ts';

const session = { profile: 'staging', profileSource: '/tmp/p.json', version: '0.1.0', readOnly: false };

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
