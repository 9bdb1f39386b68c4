import { describe, expect, it } from 'vitest';
import { QueryCache, queryKey } from '../../renderer/src/api/query-cache.ts';

describe('queryKey', () => {
  it('ignores key order and undefined values', () => {
    expect(queryKey('tenants.list', { sort: 'id', search: 'a', shard: undefined })).toBe(queryKey('tenants.list', { search: 'a', sort: 'id' }));
    expect(queryKey('tenants.list', { offset: 0 })).not.toBe(queryKey('tenants.list', { offset: 200 }));
  });
});

describe('QueryCache', () => {
  it('fetches once for concurrent readers and notifies subscribers', async () => {
    const cache = new QueryCache();
    let calls = 0;
    let notified = 0;
    cache.subscribe(() => (notified += 1));
    const fetcher = async () => {
      calls += 1;
      return 'answer';
    };
    await Promise.all([cache.load('k', fetcher), cache.load('k', fetcher)]);
    expect(calls).toBe(1);
    expect(cache.get('k')).toMatchObject({ status: 'success', data: 'answer' });
    expect(notified).toBe(2);
    await cache.load('k', fetcher);
    expect(calls).toBe(1);
  });

  it('keeps the previous data while refetching and after a failed refetch', async () => {
    const cache = new QueryCache();
    await cache.load('k', async () => 1);
    const refetch = cache.load('k', () => Promise.reject(new Error('down')), { force: true });
    expect(cache.get('k')).toMatchObject({ status: 'loading', data: 1 });
    await refetch;
    expect(cache.get('k')).toMatchObject({ status: 'error', data: 1 });
  });

  it('reads again after the read in flight when forced, once for every forced call meanwhile', async () => {
    // A job page: a progress event starts a read while the job still runs here; the job's end forces
    // another. Joining the read in flight would keep its answer (no Discard offered) for good.
    const cache = new QueryCache();
    let state = 'running';
    let release = () => {};
    const answers: string[] = [];
    const fetcher = () => {
      const seen = state;
      answers.push(seen);
      return answers.length === 1 ? new Promise<string>((done) => (release = () => done(seen))) : Promise.resolve(seen);
    };
    const first = cache.load('job', fetcher, { force: true });
    state = 'ended';
    const forced = [cache.load('job', fetcher, { force: true }), cache.load('job', fetcher, { force: true })];
    const plain = cache.load('job', fetcher);
    release();
    await Promise.all([first, plain, ...forced]);
    expect(answers).toEqual(['running', 'ended']);
    expect(cache.get('job')).toMatchObject({ status: 'success', data: 'ended' });
  });

  it('still reads again when the read in flight ends badly (a subscriber threw)', async () => {
    const cache = new QueryCache();
    let throwNext = false;
    cache.subscribe(() => {
      if (!throwNext) return;
      throwNext = false;
      throw new Error('a subscriber failed');
    });
    let release = (_: string) => {};
    const first = cache.load('k', () => new Promise<string>((done) => (release = done)));
    first.catch(() => {});
    throwNext = true;
    const forced = cache.load('k', async () => 'second', { force: true });
    release('first');
    await expect(first).rejects.toThrow('a subscriber failed');
    await forced;
    expect(cache.get('k')).toMatchObject({ status: 'success', data: 'second' });
  });

  it('an invalidated entry keeps its data until it is read again, and the next load reads it again', async () => {
    const cache = new QueryCache();
    let answer = 'before';
    const fetcher = async () => answer;
    await cache.load('moves.list {}', fetcher);
    answer = 'after';
    cache.invalidate('moves.');
    expect(cache.get('moves.list {}')).toMatchObject({ status: 'success', data: 'before' });
    expect(cache.isStale('moves.list {}')).toBe(true);
    const reading = cache.load('moves.list {}', fetcher);
    expect(cache.get('moves.list {}')).toMatchObject({ status: 'loading', data: 'before' });
    await reading;
    expect(cache.get('moves.list {}')).toMatchObject({ status: 'success', data: 'after' });
    expect(cache.isStale('moves.list {}')).toBe(false);
    answer = 'later';
    await cache.load('moves.list {}', fetcher);
    expect(cache.get('moves.list {}')).toMatchObject({ data: 'after' });
  });

  it('retries an entry that failed', async () => {
    const cache = new QueryCache();
    await cache.load('k', () => Promise.reject(new Error('down')));
    await cache.load('k', async () => 'ok');
    expect(cache.get('k')).toMatchObject({ status: 'success', data: 'ok' });
  });

  it('forgets the oldest entries beyond its size', async () => {
    const cache = new QueryCache(2);
    for (const key of ['a', 'b', 'c']) await cache.load(key, async () => key);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toMatchObject({ data: 'c' });
  });
});
