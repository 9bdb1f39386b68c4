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

  it("raises a sequence past the arrived ids of its own block only: ids from another database's block never pull it into that block", async () => {
    // integer blocks are 2^26 ids: this database's sequence is in block 0, the website came from block 1's database.
    await sql(`TRUNCATE ${SCHEMA}.items; INSERT INTO ${SCHEMA}.items (id) VALUES (100), (${2 ** 26 + 5}), (150); SELECT setval('${SCHEMA}.items_id_seq', 120)`);
    expect(await bumpSequences(ctx.pools.get('shard_1'), [table])).toEqual([{ sequence: `${SCHEMA}.items_id_seq`, value: '150' }]);
    expect(await nextValue()).toBe('151');
    // A bigint sequence in block 1 (2^40): the primary's ids that arrived (block 0) are below it, ids of block 2 above it.
    const block = 2n ** 40n;
    await sql(`CREATE TABLE ${SCHEMA}.big (id bigserial PRIMARY KEY); SELECT setval('${SCHEMA}.big_id_seq', ${block + 10n});
      INSERT INTO ${SCHEMA}.big (id) VALUES (3), (${block + 50n}), (${2n * block + 7n})`);
    const big = { table: { schema: SCHEMA, table: 'big' } } as unknown as ScopedTable;
    expect(await bumpSequences(ctx.pools.get('shard_1'), [big])).toEqual([{ sequence: `${SCHEMA}.big_id_seq`, value: String(block + 50n) }]);
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
