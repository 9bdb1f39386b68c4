import { rename } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { largestWebsite, purgeWebsite, startRestoreFixture, websiteState, type RestoreFixture } from '../../support/restore-fixture.ts';
import { newestRestoreJob, runCli } from '../../support/restore-cli.ts';

/*
 * A replace taken up again after what may happen while it waits: a migration adds a tenant table (which
 * the fence did not cover when it went up, and which the application writes to), or the backup file is
 * moved away once the rows were verified (the steps after verify never read it).
 */

let f: RestoreFixture;
let site: number;
let archive: string;

beforeAll(async () => {
  f = await startRestoreFixture({ websites: 5 });
  site = await largestWebsite(f, 'shard_1');
  archive = await f.dump('shard_1', 'shard_1.dump');
}, 240_000);
afterAll(() => f?.stop());

it('a tenant table added while a replace was interrupted is fenced when it resumes, and what the website wrote there is held: the rollback puts it back', {
  timeout: 180_000,
}, async () => {
  await f.sql('shard_1', `UPDATE pwb_contacts SET first_name = 'since the backup' WHERE website_id = $1`, [site]);
  const before = await websiteState(f.pc, site);
  const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'after:clear' });
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  const job = (await newestRestoreJob(f.pc))!;
  // A migration adds a tenant table meanwhile, and the application writes the website's row there.
  await f.sql('shard_1', 'CREATE TABLE pwb_resume_probe (id serial PRIMARY KEY, website_id integer NOT NULL, note text)');
  try {
    await f.sql('shard_1', `INSERT INTO pwb_resume_probe (website_id, note) VALUES ($1, 'written while interrupted')`, [site]);
    const resumed = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ state: 'succeeded', verified: true });
    const probe = () => f.sql('shard_1', `SELECT note FROM pwb_resume_probe WHERE website_id = $1`, [site]);
    // Replaced like every other table of the website (the backup has none of it)...
    expect(await probe()).toEqual([]);
    // ...and held, so the rollback brings back the website as it was, that row too.
    const rolledBack = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ state: 'rolled_back' });
    expect(await probe()).toEqual([{ note: 'written while interrupted' }]);
    expect(await websiteState(f.pc, site)).toEqual(before);
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
  } finally {
    await f.sql('shard_1', 'DROP TABLE pwb_resume_probe');
  }
});

it('a replace killed after its verification resumes to its end without the backup file, moved away meanwhile', { timeout: 180_000 }, async () => {
  const killed = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes'], { failpoint: 'after:views' });
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  const job = (await newestRestoreJob(f.pc))!;
  await rename(archive, `${archive}.moved`);
  try {
    const resumed = await runCli(f.pc, ['restore', 'resume', job.id, '--json']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ state: 'succeeded', verified: true });
    expect(await f.sql('shard_1', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
  } finally {
    await rename(`${archive}.moved`, archive);
  }
  expect((await runCli(f.pc, ['restore', 'discard', job.id, '--yes'])).code).toBe(0);
});

it('an empty-place restore resumed after the website wrote into a tenant table added meanwhile is refused before its switch, and rolls back', {
  timeout: 180_000,
}, async () => {
  const gone = await largestWebsite(f, 'default');
  const backup = await f.dump('default', 'default.dump');
  await purgeWebsite(f, 'default', gone);
  const killed = await runCli(f.pc, ['restore', String(gone), '--from', backup, '--to', 'shard_1', '--yes'], { failpoint: 'after:load' });
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  const job = (await newestRestoreJob(f.pc))!;
  await f.sql('default', 'CREATE TABLE pwb_resume_probe (id serial PRIMARY KEY, website_id integer NOT NULL)');
  try {
    // Written where the website still routes, into the table its fence did not cover.
    await f.sql('default', 'INSERT INTO pwb_resume_probe (website_id) VALUES ($1)', [gone]);
    const resumed = await runCli(f.pc, ['restore', 'resume', job.id]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(
      `wrote rows on default into pwb_resume_probe (1), tenant tables added since this restore began, so that is no longer an empty place`,
    );
    expect((await f.sql('default', `SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [gone]))[0].s).toBe('default');
    const rolledBack = await runCli(f.pc, ['restore', 'rollback', job.id, '--json']);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    // The loaded rows came off shard_1; the row the website wrote stays where it routes.
    expect((await websiteState(f.pc, gone)).databases).toEqual([]);
    expect(await f.sql('default', 'SELECT count(*)::int AS n FROM pwb_resume_probe WHERE website_id = $1', [gone])).toEqual([{ n: 1 }]);
    expect(await f.sql('default', `SELECT * FROM shard_console.fenced_websites`)).toEqual([]);
  } finally {
    await f.sql('default', 'DROP TABLE pwb_resume_probe');
  }
});

it('a side-by-side restore keeps a tenant table whose schema__table name is longer than PostgreSQL keeps, and drop-schema drops it', {
  timeout: 180_000,
}, async () => {
  const long = `website_${'visit_statistics_'.repeat(3)}daily`;
  expect(Buffer.byteLength(`analytics__${long}`)).toBeGreaterThan(63);
  await f.sql('shard_1', `CREATE SCHEMA analytics; CREATE TABLE analytics.${long} (id bigserial PRIMARY KEY, website_id integer NOT NULL, note text)`);
  try {
    await f.sql('shard_1', `INSERT INTO analytics.${long} (website_id, note) VALUES ($1, 'kept aside')`, [site]);
    const backup = await f.dump('shard_1', 'long-names.dump');
    const restored = await runCli(f.pc, ['restore', String(site), '--from', backup, '--into-schema', 'side_long', '--yes', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    const sides = await f.sql(
      'shard_1',
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'side_long' AND c.relkind = 'r' AND c.relname LIKE 'analytics%'`,
    );
    expect(sides.map((r) => r.relname)).toEqual([expect.stringMatching(/^analytics__website_visit_statistics_[a-z_]*_[0-9a-f]{8}$/)]);
    expect(await f.sql('shard_1', `SELECT note FROM side_long.${sides[0]!.relname}`)).toEqual([{ note: 'kept aside' }]);
    const dropped = await runCli(f.pc, ['restore', 'drop-schema', 'side_long', '--yes']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(await f.sql('shard_1', `SELECT 1 FROM pg_namespace WHERE nspname = 'side_long'`)).toEqual([]);
  } finally {
    await f.sql('shard_1', 'DROP SCHEMA analytics CASCADE');
  }
});

it("restores a partitioned tenant table whose partitions were dumped with their columns in another order, and a mismatch names that row's key", {
  timeout: 180_000,
}, async () => {
  await f.sql(
    'shard_1',
    `CREATE TABLE pwb_visits (id bigint NOT NULL, website_id integer NOT NULL, note text, PRIMARY KEY (id, website_id)) PARTITION BY RANGE (id);
     CREATE TABLE pwb_visits_low PARTITION OF pwb_visits FOR VALUES FROM (0) TO (100);
     CREATE TABLE pwb_visits_high (note text, website_id integer NOT NULL, id bigint NOT NULL);
     ALTER TABLE pwb_visits ATTACH PARTITION pwb_visits_high FOR VALUES FROM (100) TO (MAXVALUE);`,
  );
  try {
    await f.sql('shard_1', `INSERT INTO pwb_visits (id, website_id, note) SELECT i, $1, 'visit ' || i FROM unnest(ARRAY[1, 2, 101, 102]) AS i`, [site]);
    const backup = await f.dump('shard_1', 'partitions.dump');
    // One partition's rows left out of the dump: a replace would empty it for the website.
    const partial = await f.dump('shard_1', 'partition-excluded.dump', { extraArgs: ['--exclude-table-data=pwb_visits_high'] });
    const lacking = await runCli(f.pc, ['restore', String(site), '--from', partial, '--replace', '--yes']);
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toMatch(/ARCHIVE_LACKS_DATA|has pwb_visits_high in its schema but not its rows/);
    // Dumped --load-via-partition-root, every partition's COPY names the root: all of them are there all the same.
    const viaRoot = await f.dump('shard_1', 'via-root.dump', { extraArgs: ['--load-via-partition-root'] });
    const planned = await runCli(f.pc, ['restore', String(site), '--from', viaRoot, '--into-schema', 'via_root_check', '--yes', '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    expect((await runCli(f.pc, ['restore', 'drop-schema', 'via_root_check', '--yes'])).code).toBe(0);
    const replacedViaRoot = await runCli(f.pc, ['restore', String(site), '--from', viaRoot, '--replace', '--yes', '--json']);
    expect(replacedViaRoot.code, replacedViaRoot.stderr).toBe(0);
    expect((await runCli(f.pc, ['restore', 'discard', JSON.parse(replacedViaRoot.stdout).jobId, '--yes'])).code).toBe(0);
    await f.sql('shard_1', `UPDATE pwb_visits SET note = 'changed since' WHERE website_id = $1`, [site]);
    const restored = await runCli(f.pc, ['restore', String(site), '--from', backup, '--replace', '--yes', '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await f.sql('shard_1', 'SELECT id::int, note FROM pwb_visits WHERE website_id = $1 ORDER BY id', [site])).toEqual([
      { id: 1, note: 'visit 1' },
      { id: 2, note: 'visit 2' },
      { id: 101, note: 'visit 101' },
      { id: 102, note: 'visit 102' },
    ]);
    expect((await runCli(f.pc, ['restore', 'discard', JSON.parse(restored.stdout).jobId, '--yes'])).code).toBe(0);
    // A row the target changes as it is loaded (a trigger that fires whatever the session) fails the
    // verification, and the message names that row's key in the partition whose columns were reordered.
    await f.sql(
      'shard_1',
      `CREATE FUNCTION pwb_visits_skew() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 102 THEN NEW.note := 'skewed'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER skew BEFORE INSERT ON pwb_visits_high FOR EACH ROW EXECUTE FUNCTION pwb_visits_skew();
       ALTER TABLE pwb_visits_high ENABLE ALWAYS TRIGGER skew;`,
    );
    const skewed = await runCli(f.pc, ['restore', String(site), '--from', backup, '--replace', '--yes']);
    expect(skewed.code).toBe(1);
    expect(skewed.stderr).toContain(`pwb_visits: 4 rows in the archive, 4 on shard_1, first differences (102,${site}) differs.`);
    const job = (await newestRestoreJob(f.pc))!;
    await f.sql('shard_1', 'DROP TRIGGER skew ON pwb_visits_high');
    expect((await runCli(f.pc, ['restore', 'rollback', job.id])).code).toBe(0);
  } finally {
    await f.sql('shard_1', 'DROP TABLE pwb_visits; DROP FUNCTION IF EXISTS pwb_visits_skew()');
  }
});

it('a restore refuses a tenant table with INHERITS children, naming it, and changes nothing', { timeout: 180_000 }, async () => {
  await f.sql(
    'shard_1',
    'CREATE TABLE pwb_visit_logs (id bigserial PRIMARY KEY, website_id integer NOT NULL); CREATE TABLE pwb_visit_logs_2026 () INHERITS (pwb_visit_logs)',
  );
  try {
    await f.sql('shard_1', 'INSERT INTO pwb_visit_logs_2026 (website_id) VALUES ($1)', [site]);
    const before = await websiteState(f.pc, site);
    const refused = await runCli(f.pc, ['restore', String(site), '--from', archive, '--replace', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pwb_visit_logs has inheritance children (pwb_visit_logs_2026, made with INHERITS, not partitions)');
    expect(await websiteState(f.pc, site)).toEqual(before);
    expect(await f.sql('shard_1', 'SELECT count(*)::int AS n FROM ONLY pwb_visit_logs_2026')).toEqual([{ n: 1 }]);
  } finally {
    await f.sql('shard_1', 'DROP TABLE pwb_visit_logs CASCADE');
  }
});
