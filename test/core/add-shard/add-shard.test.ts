import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addShard } from '../../../electron/core/add-shard/add-shard.ts';
import { ADD_SHARD_LOCK_KEY } from '../../../electron/core/add-shard/add-shard-lock.ts';
import { assignSequenceRanges, SEQUENCE_BLOCK } from '../../../electron/core/add-shard/sequence-ranges.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { createDispatcher } from '../../../electron/core/dispatch/dispatcher.ts';
import { createHandlers } from '../../../electron/core/dispatch/handlers.ts';
import { schemaDrift } from '../../../electron/core/drift/schema-drift.ts';
import { migrateUp } from '../../../electron/core/migrations/migrate-up.ts';
import { migrationStatus } from '../../../electron/core/migrations/migration-status.ts';
import { createMove, moveJobView, runMove, runMoveInBackground } from '../../../electron/core/moves/move-service.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole } from '../../../electron/core/console-context.ts';
import { startOwnCluster, type OwnCluster } from '../migrations/own-cluster.ts';

const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
let own: OwnCluster;
let ctx: ConsoleContext;
let port: number;

beforeAll(async () => {
  own = await startOwnCluster();
  ctx = await own.open();
  port = own.cluster.servers.find((s) => s.name === 'shard_2')!.port;
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  await own?.stop();
});

const urlFor = (database: string, password = '${SC_TEST_PASSWORD}') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;

async function refusal(params: { name: string; url: string }): Promise<ConsoleError> {
  const error = await addShard(ctx, params, { env: own.env }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConsoleError);
  return error as ConsoleError;
}

describe('adding a shard', () => {
  it('creates the database, applies the tenant migrations, gives every sequence its own range, registers it and shows it on the overview', async () => {
    const result = await addShard(ctx, { name: 'shard_3', url: urlFor('pwb_shard_3') }, { env: own.env });
    const tenantFiles = (await migrationStatus(ctx)).migrations.filter((m) => m.set === 'tenant').map((m) => m.version);
    expect(result).toMatchObject({ name: 'shard_3', port, database: 'pwb_shard_3', created: true, applied: tenantFiles, profile: own.profilePath });

    // The running console picked it up: status, overview and drift all include it.
    const status = await migrationStatus(ctx);
    expect(status.databases.find((d) => d.name === 'shard_3')).toMatchObject({ reachable: true, pending: [], failed: [], unknown: [] });
    const dispatch = createDispatcher(createHandlers(ctx), { validateResults: true });
    const overview = await dispatch('cluster.overview', {});
    expect(overview.ok).toBe(true);
    const databases = overview.ok ? (overview.result as { databases: Array<{ name: string; reachable: boolean; websites: number | null }> }).databases : [];
    expect(databases.find((d) => d.name === 'shard_3')).toMatchObject({ reachable: true, websites: 0 });
    expect((await schemaDrift(ctx)).drift).toEqual([]);

    // Written to the profile with the password still a ${VAR} reference.
    const written = JSON.parse(await readFile(own.profilePath, 'utf8'));
    expect(written.shards.shard_3).toEqual({ url: urlFor('pwb_shard_3') });
    expect(JSON.stringify(written)).not.toContain(own.cluster.password);

    // Every sequence of the new shard starts in its own block, above every id any other database has used.
    expect(result.sequences.length).toBeGreaterThan(10);
    const shard3 = await own.client('shard_2', 'pwb_shard_3');
    const others = await Promise.all(['default', 'shard_1', 'shard_2'].map(async (db) => [db, await own.client(db)] as const));
    try {
      for (const { sequence, next } of result.sequences) {
        const info = (await shard3.query(`SELECT data_type::text AS type FROM pg_sequences WHERE sequencename = $1`, [sequence])).rows[0];
        const block = SEQUENCE_BLOCK[info.type]!;
        expect(BigInt(next) % block, sequence).toBe(0n);
        expect(BigInt(next) >= 3n * block, sequence).toBe(true);
        const first = BigInt((await shard3.query(`SELECT nextval($1::regclass)::text AS v`, [sequence])).rows[0].v);
        expect(first).toBe(BigInt(next));
        for (const [db, client] of others) {
          const owner = (
            await client.query(
              `SELECT s.last_value::text AS last, format('%I.%I', n.nspname, t.relname) AS tbl, a.attname AS col
               FROM pg_sequences s JOIN pg_class c ON c.relname = s.sequencename
               JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'a' JOIN pg_class t ON t.oid = d.refobjid
               JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
               WHERE s.sequencename = $1`,
              [sequence],
            )
          ).rows[0];
          const used = (await client.query(`SELECT coalesce(max(${owner.col}), 0)::text AS m FROM ${owner.tbl}`)).rows[0].m;
          expect(first > BigInt(used) && first > BigInt(owner.last ?? 0), `${sequence} on ${db}`).toBe(true);
        }
      }
    } finally {
      await Promise.all([shard3, ...others.map(([, c]) => c)].map((c) => c.end()));
    }
  });

  it("receives a move: a website copied onto it keeps its rows, and the shard's own ids stay clear of the moved ones", async () => {
    const site = (
      await own.sql(
        'default',
        `SELECT a.website_id AS id FROM pwb_realty_assets a JOIN pwb_websites w ON w.id = a.website_id AND coalesce(w.shard_name, 'default') = 'default'
         GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      )
    )[0].id as number;
    const pages = (await own.sql('default', 'SELECT count(*)::int AS n, max(id)::text AS top FROM pwb_pages WHERE website_id = $1', [site]))[0];
    expect(pages.n).toBeGreaterThan(0);
    const job = await createMove(ctx, site, 'shard_3');
    const done = await runMove(ctx, job.id);
    expect(done.state).toBe('succeeded');
    expect((await own.sql('default', `SELECT shard_name FROM pwb_websites WHERE id = $1`, [site]))[0].shard_name).toBe('shard_3');
    const shard3 = await own.client('shard_2', 'pwb_shard_3');
    try {
      expect((await shard3.query('SELECT count(*)::int AS n FROM pwb_pages WHERE website_id = $1', [site])).rows[0].n).toBe(pages.n);
      const next = BigInt((await shard3.query(`SELECT nextval('pwb_pages_id_seq')::text AS v`)).rows[0].v);
      expect(next > BigInt(pages.top)).toBe(true);
      expect(next >= 3n * SEQUENCE_BLOCK.bigint!).toBe(true);
    } finally {
      await shard3.end();
    }
  });

  it('refuses a name or a database already in use, and a URL with a password in clear, changing nothing', async () => {
    const before = await readFile(own.profilePath, 'utf8');
    expect((await refusal({ name: 'shard_3', url: urlFor('pwb_other') })).code).toBe('SHARD_EXISTS');
    expect((await refusal({ name: 'default', url: urlFor('pwb_other') })).code).toBe('SHARD_EXISTS');
    const sameDatabase = await refusal({ name: 'shard_9', url: `postgres://postgres:\${SC_TEST_PASSWORD}@localhost:${port}/pwb_shard_2` });
    expect(sameDatabase.code).toBe('SHARD_EXISTS');
    expect(sameDatabase.message).toContain('already in the profile as shard_2');
    const clear = await refusal({ name: 'shard_9', url: urlFor('pwb_shard_9', 'hunter2') });
    expect(clear.code).toBe('CONFIG_INVALID');
    expect(clear.message).toMatch(/password in clear.*\$\{VAR\}/);
    expect(clear.message).not.toContain('hunter2');
    expect(clear.message).toContain('in single quotes');
    // A wrong password: the --url (and the variable it names) to fix, not an entry the profile does not have yet.
    const wrong = await addShard(ctx, { name: 'shard_9', url: urlFor('pwb_shard_9', '${SC_WRONG_PW}') }, { env: { ...own.env, SC_WRONG_PW: 'nope' } }).catch(
      (e: unknown) => e,
    );
    expect(wrong).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('Check the user and password for the --url given for shard_9') });
    // What a shell makes of an unquoted ${VAR} that is not set: no password at all, never written.
    const empty = await refusal({ name: 'shard_9', url: urlFor('pwb_shard_9', '') });
    expect(empty).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('has an empty password (USER:@HOST)') });
    expect(await readFile(own.profilePath, 'utf8')).toBe(before);
    const created = await own.sql('shard_2', `SELECT datname FROM pg_database WHERE datname IN ('pwb_other', 'pwb_shard_9')`);
    expect(created).toEqual([]);
  });

  it("a role that may not create tables in the new database: the server's refusal, told with the privilege to grant (not an internal error), nothing registered", async () => {
    const before = await readFile(own.profilePath, 'utf8');
    await own.sql('shard_2', `CREATE ROLE sc_adder LOGIN PASSWORD 'adder-pw'`);
    await own.sql('shard_2', 'CREATE DATABASE pwb_not_mine');
    const notMine = await own.client('shard_2', 'pwb_not_mine');
    await notMine.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await notMine.end();
    try {
      const url = `postgres://sc_adder:\${SC_ADDER_PW}@127.0.0.1:${port}/pwb_not_mine`;
      const error = await addShard(ctx, { name: 'shard_9', url }, { env: { ...own.env, SC_ADDER_PW: 'adder-pw' } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DATABASE_ERROR', message: expect.stringContaining('GRANT CREATE ON SCHEMA "public" TO "sc_adder"') });
      expect(await readFile(own.profilePath, 'utf8')).toBe(before);
      // Granted that, the console's own schema needs CREATE on the database: the next refusal says so.
      const granted = await own.client('shard_2', 'pwb_not_mine');
      await granted.query('GRANT CREATE ON SCHEMA public TO sc_adder');
      await granted.end();
      const again = await addShard(ctx, { name: 'shard_9', url }, { env: { ...own.env, SC_ADDER_PW: 'adder-pw' } }).catch((e: unknown) => e);
      expect(again).toMatchObject({ code: 'DATABASE_ERROR', message: expect.stringContaining('GRANT CREATE ON DATABASE "pwb_not_mine" TO "sc_adder"') });
      expect(await readFile(own.profilePath, 'utf8')).toBe(before);
    } finally {
      await own.sql('shard_2', 'DROP DATABASE IF EXISTS pwb_not_mine');
      await own.sql('shard_2', 'DROP OWNED BY sc_adder').catch(() => {});
      await own.sql('shard_2', 'DROP ROLE IF EXISTS sc_adder');
    }
  });

  it("refuses a database that already holds websites' rows (a copy of another database), changing nothing", async () => {
    const before = await readFile(own.profilePath, 'utf8');
    await own.sql('shard_2', 'CREATE DATABASE pwb_copyish');
    const copy = await own.client('shard_2', 'pwb_copyish');
    try {
      await copy.query('CREATE TABLE pwb_leftover (id bigserial PRIMARY KEY, website_id bigint); INSERT INTO pwb_leftover (website_id) VALUES (NULL), (7)');
      const refused = await refusal({ name: 'shard_9', url: urlFor('pwb_copyish') });
      expect(refused).toMatchObject({
        code: 'SHARD_EXISTS',
        message: expect.stringContaining('already holds website rows (pwb_leftover has rows of website 7'),
      });
      expect(await readFile(own.profilePath, 'utf8')).toBe(before);
      // Nothing was applied there either.
      expect((await copy.query(`SELECT to_regclass('schema_migrations') AS t`)).rows[0].t).toBeNull();
    } finally {
      await copy.end();
      await own.sql('shard_2', 'DROP DATABASE pwb_copyish');
    }
  });

  it('never sets a sequence of a database that existed back below ids it holds (the ids would be handed out twice)', async () => {
    // shard_3's block starts at 3 * 2^40; a row there as a database added before (and forgotten) would hold it.
    const top = 3n * SEQUENCE_BLOCK.bigint! + 5n;
    const shard3 = await own.client('shard_2', 'pwb_shard_3');
    try {
      await shard3.query(`INSERT INTO pwb_contacts (id, website_id, created_at, updated_at) VALUES ($1, NULL, now(), now())`, [top.toString()]);
      const others = ['default', 'shard_1', 'shard_2'].map((n) => ctx.pools.get(n));
      const assigned = await assignSequenceRanges(ctx.pools.get('shard_3'), others, 3);
      expect(assigned.find((a) => a.sequence === 'pwb_contacts_id_seq')?.next).toBe((top + 1n).toString());
      // Nor is a value handed out again (the first test took each sequence's first one, 3 * 2^40).
      expect(assigned.find((a) => a.sequence === 'pwb_links_id_seq')?.next).toBe((3n * SEQUENCE_BLOCK.bigint! + 1n).toString());
      const inserted = await shard3.query(`INSERT INTO pwb_contacts (website_id, created_at, updated_at) VALUES (NULL, now(), now()) RETURNING id::text`);
      expect(BigInt(inserted.rows[0].id)).toBe(top + 1n);
    } finally {
      await shard3.query('DELETE FROM pwb_contacts WHERE website_id IS NULL').catch(() => {});
      await shard3.end();
    }
  });

  it("counts a block another database reserved but has not used yet: the next database's ids start above it", async () => {
    // shard_3's pwb_pages ids set to start high, none handed out yet: pg_sequences shows no last value.
    const reserved = 9n * SEQUENCE_BLOCK.bigint!;
    const shard3 = await own.client('shard_2', 'pwb_shard_3');
    try {
      await shard3.query(`SELECT setval('pwb_pages_id_seq', $1::int8, false)`, [reserved.toString()]);
      expect((await shard3.query(`SELECT last_value FROM pg_sequences WHERE sequencename = 'pwb_pages_id_seq'`)).rows[0].last_value).toBeNull();
      const assigned = await assignSequenceRanges(ctx.pools.get('shard_1'), [ctx.pools.get('default'), ctx.pools.get('shard_3')], 1);
      expect(BigInt(assigned.find((a) => a.sequence === 'pwb_pages_id_seq')!.next)).toBe(reserved + SEQUENCE_BLOCK.bigint!);
    } finally {
      await shard3.end();
    }
  });

  it('waits for a move running in this console: adding a shard would reopen the pools under it', async () => {
    const [site] = await own.sql<{ id: number }>(
      'default',
      `SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = 'default' ORDER BY id LIMIT 1`,
    );
    const job = await createMove(ctx, site!.id, 'shard_1');
    runMoveInBackground(ctx, job, 'test');
    const busy = await refusal({ name: 'shard_8', url: urlFor('pwb_shard_8') });
    expect(busy.code).toBe('JOB_BUSY');
    expect(busy.message).toContain(`Move job ${job.id} is running in this console`);
    for (let i = 0; i < 300 && (await moveJobView(ctx, job.id)).live; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await moveJobView(ctx, job.id)).state).toBe('succeeded');
    expect(await own.sql('shard_2', `SELECT datname FROM pg_database WHERE datname = 'pwb_shard_8'`)).toEqual([]);
  });

  it('works from the command line, which reads the profile it wrote', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, ...args, '--profile', own.profilePath],
          { env: { ...own.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const added = await run(['shard', 'add', 'shard_4', '--url', urlFor('pwb_shard_4'), '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'shard_4', created: true });
    const shards = await run(['shards', '--json']);
    expect(JSON.parse(shards.stdout).databases.map((d: { name: string }) => d.name)).toEqual(['default', 'shard_1', 'shard_2', 'shard_3', 'shard_4']);
    const status = await run(['migrate', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const out = JSON.parse(status.stdout);
    for (const db of out.databases) expect(Object.keys(db)).toEqual(expect.arrayContaining(['name', 'applied', 'pending', 'failed', 'unknown']));
    expect(out.databases.find((d: { name: string }) => d.name === 'shard_4').pending).toEqual([]);

    // This console opened the profile before the CLI added shard_4: on its stale view it would register
    // shard_4's database a second time, with shard_4's block of ids. Refused, nothing written.
    const before = await readFile(own.profilePath, 'utf8');
    const stale = await refusal({ name: 'shard_9', url: urlFor('pwb_shard_4') });
    expect(stale).toMatchObject({ code: 'ACTION_NOT_ALLOWED', message: expect.stringContaining(`lists shard_4, which this console does not have`) });
    expect(await readFile(own.profilePath, 'utf8')).toBe(before);
    await ctx.close();
    ctx = await own.open();
  });

  it('a tenant migration failing on the new database leaves the profile as it was and says to fix the database, then resumes', async () => {
    const before = await readFile(own.profilePath, 'utf8');
    await own.sql('shard_2', 'CREATE DATABASE pwb_shard_half');
    const half = await own.client('shard_2', 'pwb_shard_half');
    try {
      // Someone made a table by hand there that the first tenant migrations create.
      await half.query('CREATE TABLE pwb_pages (id integer)');
      const failed = await refusal({ name: 'shard_half', url: urlFor('pwb_shard_half') });
      expect(failed.code).toBe('MIGRATION_FAILED');
      expect(failed.message).toMatch(
        /failed on the new shard shard_half: .*pwb_pages.* already exists.*\. The shard was not added to the profile\. Fix what on shard_half makes it fail, not the file/,
      );
      expect(await readFile(own.profilePath, 'utf8')).toBe(before);
      await half.query('DROP TABLE pwb_pages');
    } finally {
      await half.end();
    }
    const added = await addShard(ctx, { name: 'shard_half', url: urlFor('pwb_shard_half') }, { env: own.env });
    expect(added).toMatchObject({ name: 'shard_half', created: false });
  });

  it('refuses while another console is adding a shard, naming who, changing nothing', async () => {
    const before = await readFile(own.profilePath, 'utf8');
    const other = await own.client('default');
    try {
      await other.query(`SET application_name = 'the other console'`);
      await other.query('SELECT pg_advisory_lock($1::int8)', [ADD_SHARD_LOCK_KEY.toString()]);
      const busy = await refusal({ name: 'shard_busy', url: urlFor('pwb_shard_busy') });
      expect(busy.code).toBe('LOCKED');
      expect(busy.message).toMatch(
        /^Another console is adding a shard to this cluster right now \(held by the other console as postgres.*\)\. Nothing was created for shard_busy\. Wait for it/,
      );
      expect(await readFile(own.profilePath, 'utf8')).toBe(before);
      expect(await own.sql('shard_2', `SELECT datname FROM pg_database WHERE datname = 'pwb_shard_busy'`)).toEqual([]);
    } finally {
      await other.end();
    }
    // The lock went with the other console's session.
    expect(await addShard(ctx, { name: 'shard_busy', url: urlFor('pwb_shard_busy') }, { env: own.env })).toMatchObject({ name: 'shard_busy', created: true });
  });

  it('two consoles adding shards at the same moment: one is added, the other refused with nothing created', async () => {
    const second = await own.open();
    try {
      const outcomes = await Promise.allSettled([
        addShard(ctx, { name: 'shard_a', url: urlFor('pwb_shard_a') }, { env: own.env }),
        addShard(second, { name: 'shard_b', url: urlFor('pwb_shard_b') }, { env: own.env }),
      ]);
      const added = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.name] : []));
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as ConsoleError] : []));
      expect(added).toHaveLength(1);
      expect(['LOCKED', 'ACTION_NOT_ALLOWED']).toContain(refused[0]?.code);
      const loser = added[0] === 'shard_a' ? 'shard_b' : 'shard_a';
      const shards = Object.keys(JSON.parse(await readFile(own.profilePath, 'utf8')).shards);
      expect(shards).toContain(added[0]);
      expect(shards).not.toContain(loser);
      expect(await own.sql('shard_2', `SELECT datname FROM pg_database WHERE datname = $1`, [`pwb_${loser}`])).toEqual([]);
    } finally {
      await second.close();
      await ctx.close();
      ctx = await own.open();
    }
  });

  it('works with a pool of one connection: the lock takes a connection of its own', async () => {
    const profile = JSON.parse(await readFile(own.profilePath, 'utf8'));
    const onePath = own.profilePath.replace(/\.json$/, '-one.json');
    await writeFile(onePath, JSON.stringify({ ...profile, pool: { ...profile.pool, max: 1, connectTimeoutMs: 2000 } }));
    const one = openConsole(await loadProfile(onePath, { env: own.env, secrets: memorySecretStore() }));
    try {
      expect(await addShard(one, { name: 'shard_one', url: urlFor('pwb_shard_one') }, { env: own.env })).toMatchObject({ name: 'shard_one', created: true });
    } finally {
      await one.close();
    }
  });

  it('runs on the new shard only what ran on the primary: an edited file is refused before anything is created, a pending one waits for migrate up', async () => {
    const file = path.join(own.migrationsDir, 'tenant', '20240102000001_create_pwb_pages_and_page_parts.sql');
    const ran = await readFile(file, 'utf8');
    const exists = async (db: string) => (await own.sql('shard_2', 'SELECT 1 FROM pg_database WHERE datname = $1', [db])).length === 1;
    await writeFile(file, `${ran}\nALTER TABLE pwb_pages ADD COLUMN edited_after integer;\n`);
    try {
      const edited = await refusal({ name: 'shard_edited', url: urlFor('pwb_shard_edited') });
      expect(edited.code).toBe('MIGRATION_EDITED');
      expect(edited.message).toContain('Nothing was created: tenant/20240102000001_create_pwb_pages_and_page_parts.sql changed since it ran on default');
      expect(await exists('pwb_shard_edited')).toBe(false);
    } finally {
      await writeFile(file, ran);
    }
    await own.addMigration('tenant', '20990201000001', 'add_later_probe', 'ALTER TABLE pwb_pages ADD COLUMN later_probe integer;');
    const added = await addShard(ctx, { name: 'shard_later', url: urlFor('pwb_shard_later') }, { env: own.env });
    expect(added.applied).not.toContain('20990201000001');
    const later = await own.open();
    try {
      const status = await migrationStatus(later);
      expect(status.databases.find((d) => d.name === 'shard_later')!.pending.map((p) => p.version)).toEqual(['20990201000001']);
      expect(status.databases.find((d) => d.name === 'default')!.pending.map((p) => p.version)).toEqual(['20990201000001']);
    } finally {
      await later.close();
    }
  });

  it("a shard added after another left the profile takes a block no database has: slots are recorded on the shards, not read from the profile's order", async () => {
    const profile = JSON.parse(await readFile(own.profilePath, 'utf8'));
    const { shard_1: _left, ...shards } = profile.shards;
    const withoutPath = own.profilePath.replace(/\.json$/, '-without-shard-1.json');
    await writeFile(withoutPath, JSON.stringify({ ...profile, shards }), { mode: 0o600 });
    const without = openConsole(await loadProfile(withoutPath, { env: own.env, secrets: memorySecretStore() }));
    try {
      await addShard(without, { name: 'shard_after', url: urlFor('pwb_shard_after') }, { env: own.env });
      const slotOf = async (name: string, database?: string) => {
        const client = await own.client(name === 'shard_after' ? 'shard_2' : name, database);
        try {
          return (await client.query<{ slot: number }>('SELECT slot FROM shard_console.sequence_slot')).rows[0]?.slot ?? null;
        } finally {
          await client.end();
        }
      };
      const taken = [await slotOf('shard_1'), await slotOf('shard_2'), await slotOf('shard_2', 'pwb_shard_3')];
      const slot = await slotOf('shard_after', 'pwb_shard_after');
      expect(taken).toEqual([1, 2, 3]);
      // The profile lists 1 + the shards left (the old rule, their count, gave a slot another shard has).
      expect(slot).toBeGreaterThan(Math.max(...(taken as number[])));
      // A table a migration creates then hands out ids from the new shard's own block there.
      await own.addMigration('tenant', '20990201000002', 'create_after_probe', 'CREATE TABLE pwb_after_probe (id bigserial PRIMARY KEY, website_id bigint);');
      expect((await migrateUp(without, { parallel: 2 })).state).toBe('succeeded');
      const first = await own.client('shard_2', 'pwb_shard_after');
      try {
        const id = (await first.query<{ id: string }>('INSERT INTO pwb_after_probe (website_id) VALUES (1) RETURNING id::text')).rows[0]!.id;
        expect(id).toBe(String(BigInt(slot!) * SEQUENCE_BLOCK.bigint!));
      } finally {
        await first.end();
      }
    } finally {
      await without.close();
    }
  });
});
