import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref, navSection } from '../../renderer/src/router/routes.ts';
import {
  DEFAULT_TARGET_FORM,
  describeTarget,
  expectedDatabases,
  formFromTarget,
  targetFromForm,
  websiteTargetNote,
} from '../../renderer/src/view/query-target.ts';
import { statementPreview, savedQueryName } from '../../renderer/src/view/query-library.ts';

const known = [
  { name: 'default', role: 'primary' as const },
  { name: 'shard_1', role: 'shard' as const },
  { name: 'shard_2', role: 'shard' as const },
];

describe('the query target picker', () => {
  it('names all databases, the shards, the ticked ones or one website', () => {
    expect(targetFromForm(DEFAULT_TARGET_FORM)).toEqual({ target: { kind: 'all' }, problem: null });
    expect(targetFromForm({ ...DEFAULT_TARGET_FORM, kind: 'shards' })).toEqual({ target: { kind: 'shards' }, problem: null });
    expect(targetFromForm({ ...DEFAULT_TARGET_FORM, kind: 'databases', names: ['shard_2'] })).toEqual({
      target: { kind: 'databases', names: ['shard_2'] },
      problem: null,
    });
    expect(targetFromForm({ ...DEFAULT_TARGET_FORM, kind: 'website', websiteId: ' 42 ' })).toEqual({ target: { kind: 'website', id: 42 }, problem: null });
  });

  it('says why a form names no target yet', () => {
    expect(targetFromForm({ ...DEFAULT_TARGET_FORM, kind: 'databases' }).problem).toBe('Tick at least one database to run on.');
    for (const id of ['', '0', '-3', '4.5', 'abc', '99999999999999999999'])
      expect(targetFromForm({ ...DEFAULT_TARGET_FORM, kind: 'website', websiteId: id }).target).toBeNull();
  });

  it('re-opens a saved target in the form, and keeps the form for an entry without one', () => {
    expect(formFromTarget({ kind: 'website', id: 7 })).toMatchObject({ kind: 'website', websiteId: '7' });
    expect(formFromTarget({ kind: 'databases', names: ['default'] })).toMatchObject({ kind: 'databases', names: ['default'] });
    const current = { ...DEFAULT_TARGET_FORM, kind: 'shards' as const };
    expect(formFromTarget(undefined, current)).toBe(current);
  });

  it('knows which databases will answer, except a website’s (routed by the server)', () => {
    expect(expectedDatabases({ kind: 'all' }, known)).toEqual(['default', 'shard_1', 'shard_2']);
    expect(expectedDatabases({ kind: 'shards' }, known)).toEqual(['shard_1', 'shard_2']);
    expect(expectedDatabases({ kind: 'databases', names: ['shard_2', 'default'] }, known)).toEqual(['default', 'shard_2']);
    expect(expectedDatabases({ kind: 'website', id: 1 }, known)).toEqual([]);
  });

  it('describes targets for the history list and explains $1 for a website', () => {
    expect(describeTarget(undefined)).toBe('all databases');
    expect(describeTarget({ kind: 'databases', names: ['shard_1', 'shard_2'] })).toBe('shard_1, shard_2');
    expect(describeTarget({ kind: 'website', id: 42 })).toBe('website 42');
    expect(describeTarget({ kind: 'shards' })).toBe('shards only');
    expect(websiteTargetNote('42')).toContain('$1 is 42');
    expect(websiteTargetNote('42')).toContain('shard_name');
  });
});

describe('the query route and the library list', () => {
  it('has its own hash route and nav entry', () => {
    expect(parseRoute('#/query')).toEqual({ name: 'query' });
    expect(routeHref({ name: 'query' })).toBe('#/query');
    expect(navSection({ name: 'query' })).toBe('query');
  });

  it('previews a statement on one line', () => {
    expect(statementPreview('SELECT id\n  FROM   pwb_pages\n')).toBe('SELECT id FROM pwb_pages');
    expect(statementPreview('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(savedQueryName('  pages  ')).toBe('pages');
    expect(savedQueryName('   ')).toBeNull();
  });
});
