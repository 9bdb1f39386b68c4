import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../electron/core/dispatch/dispatcher.ts';
import { createHandlers, type ConsoleHandlers, type Handlers } from '../../../electron/core/dispatch/handlers.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { ConsoleError } from '../../../shared/errors.ts';

function handlersWith(overrides: Partial<Handlers>): ConsoleHandlers {
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
    expect(await dispatch('tenants.detail', { id: 9 })).toEqual({
      ok: false,
      error: { code: 'WEBSITE_NOT_FOUND', message: 'No website with id 9.', target: '9' },
    });
    const internal = await dispatch('cluster.overview', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!internal.ok) expect(internal.error.message).toContain('boom');
  });

  it('delivers events the contract allows and stops at one that breaks it, when asked to validate', async () => {
    const jobId = '5b0c2f7e-9d3a-4c1b-8e6f-2a4d6c8e0f13';
    const good = { type: 'progress', jobId, kind: 'move', phase: 'copy', done: 1, total: 2, unit: 'tables' } as const;
    const dispatch = createDispatcher(
      handlersWith({
        'jobs.watch': async (_params, call) => {
          call.emit(good);
          call.emit({ ...good, unit: 'parsecs' } as never);
          throw new Error('unreachable: the second event must stop the call');
        },
      }),
      { validateResults: true },
    );
    const delivered: unknown[] = [];
    const envelope = await dispatch('jobs.watch', { jobId }, { onEvent: (event) => delivered.push(event) });
    expect(delivered).toEqual([good]);
    expect(envelope).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('an event of jobs.watch breaks the contract: unit') },
    });
  });

  it('catches a result that breaks the contract when asked to validate results', async () => {
    const dispatch = createDispatcher(handlersWith({ 'tenants.list': async () => ({ total: 'many', items: [] }) as never }), { validateResults: true });
    const envelope = await dispatch('tenants.list', {});
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!envelope.ok) expect(envelope.error.message).toContain('breaks the contract');
  });
});

describe('control characters at the contract boundary', () => {
  const reached: unknown[] = [];
  const dispatch = createDispatcher(
    handlersWith({
      'tenants.list': async (params) => {
        reached.push(params);
        return { total: 0, items: [] };
      },
      'cluster.addShard': async (params) => {
        reached.push(params);
        throw new Error('must not run');
      },
    }),
  );

  it('refuses NUL anywhere, before the schema and the handler, naming the parameter and the code point', async () => {
    const envelope = await dispatch('cluster.addShard', { name: 'shard_9', url: 'postgres://h/pwb\u0000x' });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', target: 'cluster.addShard', details: { path: 'url', codePoint: 'U+0000' } } });
    if (!envelope.ok) {
      expect(envelope.error.message).toContain('url holds the control character U+0000');
      expect(envelope.error.message).toMatch(/Remove it and send the value again/);
      expect(envelope.error.message).not.toContain('\u0000');
    }
    expect(reached).toEqual([]);
  });

  it('refuses C0 and C1 controls, DEL and lone surrogates, in values, nested values and keys', async () => {
    for (const [params, path] of [
      [{ search: 'a\u0001' }, 'search'],
      [{ search: '\u001b[2J' }, 'search'],
      [{ search: 'x\u007f' }, 'search'],
      [{ search: 'x\u0085' }, 'search'],
      [{ search: 'x\u009b' }, 'search'],
      [{ search: 'x\ud83d' }, 'search'],
      [{ search: { deeper: ['ok', 'b\u0000'] } }, 'search.deeper[1]'],
      [{ 'lim\u0000it': 1 }, 'a parameter name'],
    ] as const) {
      const envelope = await dispatch('tenants.list', params);
      expect(envelope, JSON.stringify(path)).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', details: { path } } });
    }
    expect(reached).toEqual([]);
  });

  it('accepts tab, newline and carriage return (multi-line SQL) and ordinary Unicode', async () => {
    for (const search of ['a\tb', 'line 1\nline 2\r\n', 'Zürich 東京 😀', '\u202e']) {
      expect(await dispatch('tenants.list', { search: search.slice(0, 200) })).toMatchObject({ ok: true });
    }
  });

  it('refuses params nested deeper than any method takes, without walking them to the end', async () => {
    let nested: unknown = 'x';
    for (let i = 0; i < 100_000; i++) nested = [nested];
    expect(await dispatch('tenants.list', { search: nested })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
  });

  it('says what to do when the schema refuses a parameter', async () => {
    const envelope = await dispatch('tenants.list', { limit: 0 });
    if (envelope.ok) throw new Error('expected a refusal');
    expect(envelope.error.message).toMatch(/^Invalid parameters for tenants\.list: limit: .*Correct the parameters named and call again/);
  });
});
