import { describe, expect, it } from 'vitest';
import { CompletionContext } from '@codemirror/autocomplete';
import type { Completion, CompletionResult, CompletionSource } from '@codemirror/autocomplete';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { EditorState } from '@codemirror/state';
import {
  columnOptions,
  columnsInScopeSource,
  completionTables,
  keywordCompletion,
  sqlSchema,
  tablesNamedIn,
} from '../../renderer/src/view/query-completion.ts';
import type { CatalogTables } from '../../renderer/src/view/query-completion.ts';

const table = (
  name: string,
  kind: 'tenant' | 'global' | 'unscoped',
  columns: [string, string][],
  tenantKey: string | null = kind === 'tenant' ? 'website_id' : null,
) => ({
  table: name,
  kind,
  tenantKey,
  path: kind === 'tenant' ? [name] : [],
  primaryKey: ['id'],
  columns: columns.map(([n, type]) => ({ name: n, type })),
});

const catalog: CatalogTables = {
  databases: [
    {
      name: 'default',
      error: null,
      tables: [
        table('pwb_pages', 'tenant', [
          ['id', 'bigint'],
          ['website_id', 'integer'],
          ['slug', 'character varying'],
        ]),
        table('pwb_websites', 'global', [
          ['id', 'bigint'],
          ['subdomain', 'character varying'],
          ['shard_name', 'character varying'],
        ]),
        table('schema_migrations', 'unscoped', [['version', 'character varying']]),
      ],
    },
    {
      name: 'shard_1',
      error: null,
      tables: [
        table('pwb_pages', 'tenant', [
          ['id', 'bigint'],
          ['website_id', 'integer'],
          ['slug', 'character varying'],
        ]),
        table('schema_migrations', 'unscoped', [['version', 'character varying']]),
      ],
    },
    { name: 'shard_2', error: { code: 'DATABASE_UNREACHABLE', message: 'down' }, tables: [] },
  ],
};
const tables = completionTables(catalog);

/** What the editor offers at the end of `doc` (or at `|`), from every completion source the SQL language gives there. */
async function completionsAt(doc: string): Promise<Completion[]> {
  const pos = doc.includes('|') ? doc.indexOf('|') : doc.length;
  const text = doc.replace('|', '');
  const state = EditorState.create({
    doc: text,
    extensions: [
      sql({ dialect: PostgreSQL, schema: sqlSchema(tables), upperCaseKeywords: true, keywordCompletion }),
      PostgreSQL.language.data.of({ autocomplete: columnsInScopeSource(tables) }),
    ],
  });
  const context = new CompletionContext(state, pos, false);
  const sources = state.languageDataAt<CompletionSource>('autocomplete', pos);
  const results = (await Promise.all(sources.map((source) => source(context)))) as (CompletionResult | null)[];
  const word = text.slice(0, pos).match(/\w*$/)![0].toLowerCase();
  return results.flatMap((r) => r?.options ?? []).filter((o) => o.label.toLowerCase().startsWith(word));
}

describe('the catalog as completion', () => {
  it('merges every database’s tables: listed once, with where they are and their columns', () => {
    expect(tables.map((t) => [t.name, t.kind, t.databases])).toEqual([
      ['pwb_pages', 'tenant', ['default', 'shard_1']],
      ['pwb_websites', 'global', ['default']],
      ['schema_migrations', 'unscoped', ['default', 'shard_1']],
    ]);
    expect(tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'website_id', 'slug']);
  });

  it('calls a table tenant when any database classifies it so', () => {
    const mixed = completionTables({
      databases: [
        { name: 'a', error: null, tables: [table('t', 'unscoped', [])] },
        { name: 'b', error: null, tables: [table('t', 'tenant', [])] },
      ],
    });
    expect(mixed[0]!.kind).toBe('tenant');
  });

  it('offers tables while typing a name, tenant and global ones told apart', async () => {
    const options = await completionsAt('SELECT * FROM pwb_');
    const pages = options.find((o) => o.label === 'pwb_pages')!;
    const websites = options.find((o) => o.label === 'pwb_websites')!;
    expect(pages).toMatchObject({ detail: 'tenant table', section: { name: 'Tenant tables' } });
    expect(websites).toMatchObject({ detail: 'global table', section: { name: 'Global tables' } });
    expect(String(websites.info)).toContain('never on a shard');
  });

  it('offers a table’s columns after `table.` and after an alias', async () => {
    expect((await completionsAt('SELECT pwb_websites.')).map((o) => [o.label, o.detail])).toEqual([
      ['id', 'bigint'],
      ['subdomain', 'character varying'],
      ['shard_name', 'character varying'],
    ]);
    expect((await completionsAt('SELECT p.| FROM pwb_pages p')).map((o) => o.label)).toEqual(['id', 'website_id', 'slug']);
  });

  it('offers bare column names of the tables the statement names', async () => {
    const options = await completionsAt('SELECT count(*) FROM pwb_pages WHERE webs');
    expect(options.find((o) => o.label === 'website_id')).toMatchObject({ detail: 'integer · pwb_pages', section: { name: 'Columns' } });
    // No table named yet: no column is offered bare (`subdomain` waits for FROM pwb_websites).
    expect((await completionsAt('SELECT sub')).filter((o) => o.type === 'property')).toEqual([]);
  });

  it('puts keywords in a section of their own, upper-case', async () => {
    expect((await completionsAt('SELECT * FROM pwb_pages WHE')).find((o) => o.label === 'WHERE')).toMatchObject({ section: { name: 'Keywords' } });
  });

  it('finds the tables a statement names, quoted or not', () => {
    expect(tablesNamedIn('select * from PWB_PAGES join "pwb_websites" w on true', tables).map((t) => t.name)).toEqual(['pwb_pages', 'pwb_websites']);
    expect(columnOptions(tablesNamedIn('pwb_pages pwb_websites', tables)).find((o) => o.label === 'id')!.detail).toBe('bigint · pwb_pages, pwb_websites');
  });
});
