import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { bumpSequences } from '../../../electron/core/moves/bump-sequences.ts';
import type { ScopedTable } from '../../../electron/core/moves/tenant-scope.ts';
import { openTestConsole } from '../../support/test-console.ts';

/*
 * Sequences after a move or a restore: raised past the ids that arrived, never set back. A sequence is
 * shared by every website of the database, so setting it to a value it already had (another session's
 * nextval may have come between) would hand an id out twice.
 */

const SCHEMA = 'sc_bump_sequences';
let ctx: ConsoleContext;
const table = { table: { schema: SCHEMA, table: 'items' } } as unknown as ScopedTable;
const sql = (text: string) => ctx.pools.get('shard_1').query<Record<string, string>>(text);
const nextValue = async () => (await sql(`SELECT nextval('${SCHEMA}.items_id_seq')::text AS v`)).rows[0]!.v;

beforeAll(async () => {
  ctx = await openTestConsole();
  await sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}; CREATE TABLE ${SCHEMA}.items (id serial PRIMARY KEY)`);
});

afterAll(async () => {
  await sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await ctx.close();
});

describe('bumpSequences', () => {
  it('leaves a sequence already past the ids that arrived untouched, its next value included', async () => {
    await sql(`TRUNCATE ${SCHEMA}.items; INSERT INTO ${SCHEMA}.items (id) SELECT generate_series(1, 10); SELECT setval('${SCHEMA}.items_id_seq', 50, false)`);
    expect(await bumpSequences(ctx.pools.get('shard_1'), [table])).toEqual([]);
    // Set again to what it read, 50 would have been skipped (or, with a nextval between, handed out twice).
    expect(await nextValue()).toBe('50');
  });

  it('raises one behind the ids past the highest, also when its next value is the highest id itself, and only once', async () => {
    await sql(`TRUNCATE ${SCHEMA}.items; INSERT INTO ${SCHEMA}.items (id) VALUES (1), (100); SELECT setval('${SCHEMA}.items_id_seq', 100, false)`);
    expect(await bumpSequences(ctx.pools.get('shard_1'), [table])).toEqual([{ sequence: `${SCHEMA}.items_id_seq`, value: '100' }]);
    expect(await bumpSequences(ctx.pools.get('shard_1'), [table])).toEqual([]);
    expect(await nextValue()).toBe('101');
    await sql(`INSERT INTO ${SCHEMA}.items (id) VALUES (500)`);
    expect(await bumpSequences(ctx.pools.get('shard_1'), [table])).toEqual([{ sequence: `${SCHEMA}.items_id_seq`, value: '500' }]);
    expect(await nextValue()).toBe('501');
  });

  it('raises a sequence a column draws its default from without owning it (one sequence shared by two tables), past both', async () => {
    await sql(`CREATE SEQUENCE ${SCHEMA}.shared_seq;
      CREATE TABLE ${SCHEMA}.notes (id bigint PRIMARY KEY DEFAULT nextval('${SCHEMA}.shared_seq'), label text DEFAULT 'n');
      CREATE TABLE ${SCHEMA}.tags (id bigint PRIMARY KEY DEFAULT nextval('${SCHEMA}.shared_seq'));
      INSERT INTO ${SCHEMA}.notes (id) VALUES (70); INSERT INTO ${SCHEMA}.tags (id) VALUES (90)`);
    const of = (name: string) => ({ table: { schema: SCHEMA, table: name } }) as unknown as ScopedTable;
    expect(await bumpSequences(ctx.pools.get('shard_1'), [of('notes'), of('tags')])).toEqual([
      { sequence: `${SCHEMA}.shared_seq`, value: '70' },
      { sequence: `${SCHEMA}.shared_seq`, value: '90' },
    ]);
    expect((await sql(`SELECT nextval('${SCHEMA}.shared_seq')::text AS v`)).rows[0]!.v).toBe('91');
  });
});
