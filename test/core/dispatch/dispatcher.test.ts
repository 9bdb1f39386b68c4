import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../electron/core/dispatch/dispatcher.ts';
import { createHandlers, type Handlers } from '../../../electron/core/dispatch/handlers.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { ConsoleError } from '../../../shared/errors.ts';

function handlersWith(overrides: Partial<Handlers>): Handlers {
  return { ...createHandlers({} as ConsoleContext), ...overrides };
}

describe('dispatcher', () => {
  it('refuses an unknown method with UNKNOWN_METHOD and lists the known ones', async () => {
    const dispatch = createDispatcher(handlersWith({}));
    const envelope = await dispatch('tenants.drop', {});
    expect(envelope).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    if (!envelope.ok) expect(envelope.error.message).toContain('tenants.list');
  });

  it('validates params before the handler runs and names the bad field', async () => {
    let called = false;
    const dispatch = createDispatcher(
      handlersWith({
        'tenants.detail': async () => {
          called = true;
          throw new Error('unreachable');
        },
      }),
    );
    const envelope = await dispatch('tenants.detail', { id: 'DROP TABLE' });
    expect(called).toBe(false);
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    if (!envelope.ok) expect(envelope.error.message).toMatch(/^Invalid parameters for tenants\.detail: id:/);
    expect(await dispatch('tenants.list', { limit: 5, extra: true })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
  });

  it('applies defaults from the contract', async () => {
    let seen: unknown;
    const dispatch = createDispatcher(
      handlersWith({
        'tenants.list': async (params) => {
          seen = params;
          return { total: 0, items: [] };
        },
      }),
    );
    expect(await dispatch('tenants.list', undefined)).toEqual({ ok: true, result: { total: 0, items: [] } });
    expect(seen).toEqual({ limit: 50, offset: 0, sort: 'id', direction: 'asc' });
  });

  it('passes ConsoleErrors through as envelopes and wraps anything else as INTERNAL', async () => {
    const dispatch = createDispatcher(
      handlersWith({
        'tenants.detail': async () => {
          throw new ConsoleError('WEBSITE_NOT_FOUND', 'No website with id 9.', { target: '9' });
        },
        'cluster.overview': async () => {
          throw new TypeError('boom');
        },
      }),
    );
    expect(await dispatch('tenants.detail', { id: 9 })).toEqual({ ok: false, error: { code: 'WEBSITE_NOT_FOUND', message: 'No website with id 9.', target: '9' } });
    const internal = await dispatch('cluster.overview', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!internal.ok) expect(internal.error.message).toContain('boom');
  });

  it('catches a result that breaks the contract when asked to validate results', async () => {
    const dispatch = createDispatcher(handlersWith({ 'tenants.list': async () => ({ total: 'many', items: [] }) as never }), { validateResults: true });
    const envelope = await dispatch('tenants.list', {});
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!envelope.ok) expect(envelope.error.message).toContain('breaks the contract');
  });
});
