import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationRun } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { loadProfile } from '../../../electron/core/config/load-profile.ts';
import { memorySecretStore } from '../../../electron/core/config/secret-store.ts';
import { openConsole } from '../../../electron/core/console-context.ts';
import { schemaDrift } from '../../../electron/core/drift/schema-drift.ts';
import { migrateUp } from '../../../electron/core/migrations/migrate-up.ts';
import { migrationPlan } from '../../../electron/core/migrations/migration-plan.ts';
import { migrationStatus } from '../../../electron/core/migrations/migration-status.ts';
import { tenantDetail } from '../../../electron/core/tenants/tenant-detail.ts';
import { callMethod } from '../../support/test-console.ts';
import { restartServer, stopServer } from './server-control.ts';
import { startOwnCluster, type OwnCluster } from './own-cluster.ts';

const DATABASES = ['default', 'shard_1', 'shard_2'];
const bin = fileURLToPath(new URL('../../../bin/shard-console.js', import.meta.url));
let own: OwnCluster;
let ctx: ConsoleContext;
/** A server a test brought back: the harness stops only the processes it started, so this one is stopped here. */
let restarted: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  own = await startOwnCluster();
  ctx = await own.open();
}, 180_000);
afterAll(async () => {
  await ctx?.close();
  // Before the harness removes the data folders: a server still running writes into them.
  await restarted?.stop();
  await own?.stop();
});

const up = (c: ConsoleContext = ctx) => migrateUp(c, { parallel: 2 });
const byName = (run: MigrationRun, name: string) => run.databases.find((d) => d.name === name)!;

async function hasColumn(db: string, table: string, column: string): Promise<boolean> {
  const rows = await own.sql(db, `SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, [table, column]);
  return rows.length === 1;
}

async function versionCount(db: string, version: string): Promise<number> {
  return (await own.sql<{ n: number }>(db, 'SELECT count(*)::int AS n FROM schema_migrations WHERE version = $1', [version]))[0]!.n;
}

describe('migrations on every database', () => {
  it('keeps versions in a Rails-compatible schema_migrations and shows a fresh cluster up to date', async () => {
    for (const db of DATABASES) {
      const columns = await own.sql(
        db,
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'schema_migrations'`,
      );
      expect(columns).toEqual([{ column_name: 'version', data_type: 'character varying', is_nullable: 'NO' }]);
    }
    const status = await migrationStatus(ctx);
    for (const db of status.databases) {
      expect(db.reachable).toBe(true);
      expect(db.pending).toEqual([]);
      // A schema:load shard (shard_2) was built from every table: its global versions show as applied, not unknown.
      const everything = db.role === 'primary' || own.cluster.layouts[db.name] === 'schema-load-shard';
      expect(db.applied.length, db.name).toBe(everything ? status.migrations.length : status.migrations.filter((m) => m.set === 'tenant').length);
      expect(db.unknown, db.name).toEqual([]);
      expect(db.applied.every((a) => a.checksum === 'match' && a.appliedAt !== null)).toBe(true);
    }
  });

  it('applies a new tenant migration on the primary and every shard, a global one on the primary only', async () => {
    await own.addMigration('tenant', '20990101000001', 'add_color_to_pwb_pages', 'ALTER TABLE pwb_pages ADD COLUMN color character varying;');
    await own.addMigration('global', '20990101000002', 'create_pwb_global_probe', 'CREATE TABLE pwb_global_probe (id integer PRIMARY KEY);');
    const before = await migrationStatus(ctx);
    expect(before.databases.map((d) => d.pending.map((p) => p.version))).toEqual([
      ['20990101000001', '20990101000002'],
      ['20990101000001'],
      ['20990101000001'],
    ]);

    const progress: MigrationRun[] = [];
    const run = await migrateUp(ctx, { parallel: 2, onChange: (r) => progress.push(r) });
    expect(run.state).toBe('succeeded');
    expect(run.total).toBe(4);
    expect(run.done).toBe(4);
    expect(byName(run, 'default').applied).toEqual(['20990101000001', '20990101000002']);
    expect(byName(run, 'shard_1').applied).toEqual(['20990101000001']);
    expect(byName(run, 'shard_2').applied).toEqual(['20990101000001']);
    // Progress was reported while it ran, the primary before any shard started.
    const firstShardRunning = progress.findIndex((p) => p.databases.some((d) => d.name !== 'default' && d.state === 'running'));
    const primaryDone = progress.findIndex((p) => p.databases.find((d) => d.name === 'default')?.state === 'applied');
    expect(primaryDone).toBeGreaterThanOrEqual(0);
    expect(firstShardRunning).toBeGreaterThan(primaryDone);

    for (const db of DATABASES) expect(await hasColumn(db, 'pwb_pages', 'color')).toBe(true);
    const probe = await Promise.all(DATABASES.map((db) => own.sql(db, `SELECT to_regclass('pwb_global_probe')::text AS t`)));
    expect(probe.map((rows) => rows[0].t)).toEqual(['pwb_global_probe', null, null]);
    const after = await migrationStatus(ctx);
    for (const db of after.databases) {
      expect(db.pending).toEqual([]);
      expect(db.applied.find((a) => a.version === '20990101000001')).toMatchObject({ checksum: 'match', appliedAt: expect.any(String) });
    }
    // A second run has nothing to do.
    const again = await up();
    expect(again.databases.map((d) => d.state)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
  });

  it('dry run prints the SQL and order per database and changes nothing', async () => {
    const sql = 'ALTER TABLE pwb_contents ADD COLUMN dry_probe integer;';
    await own.addMigration('tenant', '20990102000001', 'add_dry_probe', sql);
    const ledgerBefore = await Promise.all(DATABASES.map((db) => own.sql(db, 'SELECT * FROM shard_console.migration_checksums ORDER BY version')));
    const plan = await migrationPlan(ctx, { parallel: 3 });
    expect(plan.databases.map((d) => [d.name, d.stage, d.steps.map((s) => s.version)])).toEqual([
      ['default', 1, ['20990102000001']],
      ['shard_1', 2, ['20990102000001']],
      ['shard_2', 2, ['20990102000001']],
    ]);
    expect(plan.databases[0]!.steps[0]!.sql).toBe(sql);
    for (const db of DATABASES) {
      expect(await hasColumn(db, 'pwb_contents', 'dry_probe')).toBe(false);
      expect(await versionCount(db, '20990102000001')).toBe(0);
    }
    const ledgerAfter = await Promise.all(DATABASES.map((db) => own.sql(db, 'SELECT * FROM shard_console.migration_checksums ORDER BY version')));
    expect(ledgerAfter).toEqual(ledgerBefore);
    expect((await up()).state).toBe('succeeded');
  });

  it('a run given the plan it was reviewed by refuses files added or edited since, before any database is touched', async () => {
    await own.addMigration('tenant', '20990102000002', 'add_seen_probe', 'ALTER TABLE pwb_contents ADD COLUMN seen_probe integer;');
    const reviewed = await migrationPlan(ctx, { parallel: 2 });
    await own.addMigration('tenant', '20990102000003', 'add_unseen_probe', 'ALTER TABLE pwb_contents ADD COLUMN unseen_probe integer;');
    await expect(callMethod(ctx, 'migrations.up', { planDigest: reviewed.filesDigest })).rejects.toMatchObject({ code: 'PLAN_CHANGED' });
    // The run checks the files it runs too (a file changed between the call and the run's own reading).
    const run = await migrateUp(ctx, { parallel: 2, planDigest: reviewed.filesDigest });
    expect(run).toMatchObject({ state: 'failed', error: { code: 'PLAN_CHANGED' } });
    for (const db of DATABASES) expect(await versionCount(db, '20990102000002')).toBe(0);
    const current = await migrationPlan(ctx, { parallel: 2 });
    expect(current.filesDigest).not.toBe(reviewed.filesDigest);
    expect((await migrateUp(ctx, { parallel: 2, planDigest: current.filesDigest })).state).toBe('succeeded');
    for (const db of DATABASES) expect(await hasColumn(db, 'pwb_contents', 'unseen_probe')).toBe(true);
  });

  it('with one shard down, reports every database exactly; a second run after it is back finishes the job', async () => {
    await own.addMigration('tenant', '20990103000001', 'add_down_probe', 'ALTER TABLE pwb_links ADD COLUMN down_probe integer;');
    // shard_1 stands for a shard from before slots were kept: with shard_2's slot unread, none is decided for it.
    await own.sql('shard_1', 'ALTER TABLE shard_console.sequence_slot RENAME TO sequence_slot_kept');
    await stopServer(own.cluster, 'shard_2');
    let run: MigrationRun;
    let down: Awaited<ReturnType<typeof migrationStatus>>;
    try {
      run = await up();
      down = await migrationStatus(ctx);
    } finally {
      // Stopped by the file's afterAll (a hook registered inside a test never runs).
      restarted = await restartServer(own.cluster, 'shard_2');
    }
    expect(run.state).toBe('failed');
    expect(byName(run, 'default')).toMatchObject({ state: 'applied', applied: ['20990103000001'], pending: [] });
    expect(byName(run, 'shard_1')).toMatchObject({ state: 'applied', applied: ['20990103000001'], pending: [] });
    expect(byName(run, 'shard_2')).toMatchObject({ state: 'unreachable', applied: [], error: { code: 'DATABASE_UNREACHABLE' } });
    expect(down.databases.find((d) => d.name === 'shard_2')).toMatchObject({ reachable: false, error: { code: 'DATABASE_UNREACHABLE' } });
    expect(await own.sql('shard_1', `SELECT to_regclass('shard_console.sequence_slot') IS NULL AS none`)).toEqual([{ none: true }]);
    await own.sql('shard_1', 'ALTER TABLE shard_console.sequence_slot_kept RENAME TO sequence_slot');

    const back = await migrationStatus(ctx);
    const cell = (db: string) => {
      const d = back.databases.find((x) => x.name === db)!;
      return d.applied.some((a) => a.version === '20990103000001') ? 'applied' : d.pending.some((p) => p.version === '20990103000001') ? 'pending' : 'other';
    };
    expect(DATABASES.map(cell)).toEqual(['applied', 'applied', 'pending']);

    const second = await up();
    expect(second.state).toBe('succeeded');
    expect(second.databases.map((d) => [d.name, d.state, d.applied])).toEqual([
      ['default', 'up-to-date', []],
      ['shard_1', 'up-to-date', []],
      ['shard_2', 'applied', ['20990103000001']],
    ]);
    for (const db of DATABASES) expect(await hasColumn(db, 'pwb_links', 'down_probe')).toBe(true);
  });

  it('a migration failing on one shard rolls back there, is reported with its error, and the others apply', async () => {
    // Someone added the column by hand on shard_1: the migration's ALTER fails there.
    await own.sql('shard_1', 'ALTER TABLE pwb_pages ADD COLUMN fail_probe integer');
    await own.addMigration(
      'tenant',
      '20990104000001',
      'add_fail_probe',
      'CREATE TABLE pwb_fail_probe (id integer);\nALTER TABLE pwb_pages ADD COLUMN fail_probe integer;',
    );
    await own.addMigration('tenant', '20990104000002', 'after_fail_probe', 'ALTER TABLE pwb_pages ADD COLUMN after_fail_probe integer;');
    const run = await up();
    expect(run.state).toBe('failed');
    expect(byName(run, 'default')).toMatchObject({ state: 'applied', applied: ['20990104000001', '20990104000002'] });
    expect(byName(run, 'shard_2')).toMatchObject({ state: 'applied', applied: ['20990104000001', '20990104000002'] });
    const failed = byName(run, 'shard_1');
    expect(failed).toMatchObject({ state: 'failed', applied: [], pending: ['20990104000001', '20990104000002'], error: { code: 'MIGRATION_FAILED' } });
    expect(failed.failed?.version).toBe('20990104000001');
    expect(failed.failed?.error).toMatch(/fail_probe.*already exists/);
    // It ran on the primary first: the advice is to fix the database, never to edit a file that ran somewhere.
    expect(failed.error?.message).toMatch(
      /It ran on default(, shard_2)? already, so leave its file as it is .*: fix what on shard_1 makes it fail, then run again\.$/,
    );
    // Rolled back: the table the same file created first is not there, and no version was recorded.
    expect((await own.sql('shard_1', `SELECT to_regclass('pwb_fail_probe')::text AS t`))[0].t).toBeNull();
    expect(await versionCount('shard_1', '20990104000001')).toBe(0);

    const status = await migrationStatus(ctx);
    const shard1 = status.databases.find((d) => d.name === 'shard_1')!;
    expect(shard1.failed).toEqual([
      expect.objectContaining({ version: '20990104000001', error: expect.stringMatching(/already exists/), failedAt: expect.any(String) }),
    ]);
    expect(shard1.pending.map((p) => p.version)).toEqual(['20990104000002']);

    await own.sql('shard_1', 'ALTER TABLE pwb_pages DROP COLUMN fail_probe');
    const retry = await up();
    expect(retry.state).toBe('succeeded');
    expect(byName(retry, 'shard_1').applied).toEqual(['20990104000001', '20990104000002']);
    expect((await migrationStatus(ctx)).databases.every((d) => d.failed.length === 0 && d.pending.length === 0)).toBe(true);

    // Failing on the primary, it ran nowhere: fixing the file is the way, and the run after that applies it.
    const file = await own.addMigration('tenant', '20990104000003', 'wrong_probe', 'ALTER TABLE pwb_no_such_table ADD COLUMN wrong_probe integer;');
    const wrong = await up();
    expect(byName(wrong, 'default').error?.message).toMatch(
      /It has run on no database yet: fix the migration, or what on default makes it fail, then run again\.$/,
    );
    expect(byName(wrong, 'shard_1').state).toBe('skipped');
    await writeFile(file, 'ALTER TABLE pwb_pages ADD COLUMN wrong_probe integer;');
    expect((await up()).state).toBe('succeeded');
  });

  it("a migration waiting for a table another session reads gives up after the lock timeout, rolled back and pending, instead of stalling that table's queries", async () => {
    await own.addMigration('tenant', '20990104500001', 'add_lock_probe', 'ALTER TABLE pwb_pages ADD COLUMN lock_probe integer;');
    const reader = await own.client('shard_1');
    try {
      // A long reader of the table (the application's report, a move's copy).
      await reader.query('BEGIN');
      await reader.query('SELECT 1 FROM pwb_pages LIMIT 1');
      const started = performance.now();
      const run = await migrateUp(ctx, { parallel: 2, lockTimeoutSeconds: 1 });
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(run.state).toBe('failed');
      expect(byName(run, 'shard_2')).toMatchObject({ state: 'applied', applied: ['20990104500001'] });
      const stalled = byName(run, 'shard_1');
      expect(stalled).toMatchObject({ state: 'failed', pending: ['20990104500001'] });
      expect(stalled.failed?.error).toContain(
        "it waited 1 s for a table that another session (the application, a move's copy, a long report) was using, and was rolled back",
      );
      expect(await hasColumn('shard_1', 'pwb_pages', 'lock_probe')).toBe(false);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    const retry = await up();
    expect(retry.state).toBe('succeeded');
    expect(byName(retry, 'shard_1').applied).toEqual(['20990104500001']);
  });

  it('a run of one database, failing there, names where the migration ran already: never "fix the file"', async () => {
    await own.sql('shard_2', 'ALTER TABLE pwb_pages ADD COLUMN ahead_probe integer');
    await own.addMigration('tenant', '20990104600001', 'add_ahead_probe', 'ALTER TABLE pwb_pages ADD COLUMN ahead_probe integer;');
    // Applied on the primary and shard_1, failing on shard_2; then run on shard_2 alone.
    expect(byName(await up(), 'shard_2').state).toBe('failed');
    const alone = await migrateUp(ctx, { database: 'shard_2', parallel: 2 });
    expect(byName(alone, 'shard_2').error?.message).toMatch(/It ran on default, shard_1 already, so leave its file as it is/);
    await own.sql('shard_2', 'ALTER TABLE pwb_pages DROP COLUMN ahead_probe');
    expect((await up()).state).toBe('succeeded');
  });

  it('a run of shards alone runs only what ran on the primary: a tenant migration new there is not started on them', async () => {
    await own.addMigration('tenant', '20990104650001', 'add_follow_probe', 'ALTER TABLE pwb_pages ADD COLUMN follow_probe integer;');
    const alone = await migrateUp(ctx, { database: 'shard_1', parallel: 2 });
    expect(alone.state).toBe('failed');
    expect(byName(alone, 'shard_1')).toMatchObject({ state: 'skipped', applied: [], pending: ['20990104650001'] });
    expect(byName(alone, 'shard_1').error?.message).toBe(
      'Not started: shards follow the primary, and 20990104650001 has not run on default. Run the migrations on default first (or on every database), then on shard_1.',
    );
    expect(await hasColumn('shard_1', 'pwb_pages', 'follow_probe')).toBe(false);
    expect(byName(await migrateUp(ctx, { database: 'default', parallel: 2 }), 'default').state).toBe('applied');
    expect(byName(await migrateUp(ctx, { database: 'shard_1', parallel: 2 }), 'shard_1')).toMatchObject({ state: 'applied', applied: ['20990104650001'] });
    expect((await up()).state).toBe('succeeded');
  });

  it('a file edited after it ran on some databases is refused where it is still pending, before any database is touched', async () => {
    await own.addMigration('tenant', '20990104700001', 'add_edit_probe', '-- a probe column\nALTER TABLE pwb_links ADD COLUMN edit_probe integer;\n');
    expect(byName(await migrateUp(ctx, { database: 'default', parallel: 1 }), 'default').state).toBe('applied');
    expect(byName(await migrateUp(ctx, { database: 'shard_1', parallel: 1 }), 'shard_1').state).toBe('applied');
    const file = `${own.migrationsDir}/tenant/20990104700001_add_edit_probe.sql`;
    const original = await readFile(file, 'utf8');
    await writeFile(file, 'ALTER TABLE pwb_links ADD COLUMN edit_probe bigint;\n');
    // Another migration pending everywhere: nothing at all runs.
    await own.addMigration('tenant', '20990104700002', 'add_edit_probe_two', 'ALTER TABLE pwb_links ADD COLUMN edit_probe_two integer;');
    try {
      const refused = await up();
      expect(refused.state).toBe('failed');
      expect(refused.error).toMatchObject({
        code: 'MIGRATION_EDITED',
        message: expect.stringMatching(
          /^Nothing was run: tenant\/20990104700001_add_edit_probe\.sql \(it ran on default, shard_1 as it was before\) changed since it ran.*Put the file back as it ran/,
        ),
      });
      expect(await hasColumn('shard_2', 'pwb_links', 'edit_probe')).toBe(false);
      for (const db of DATABASES) expect(await hasColumn(db, 'pwb_links', 'edit_probe_two')).toBe(false);
    } finally {
      await writeFile(file, original);
    }
    // The same file with Windows line ends is the file that ran.
    await writeFile(file, original.replace(/\n/g, '\r\n'));
    try {
      expect((await up()).state).toBe('succeeded');
      const status = await migrationStatus(ctx);
      for (const db of status.databases) expect(db.applied.find((a) => a.version === '20990104700001')?.checksum, db.name).toBe('match');
    } finally {
      await writeFile(file, original);
    }
    // An older console on a Windows checkout recorded the sha256 of the CRLF text: the LF file here is it.
    const crlf = createHash('sha256').update(original.replace(/\n/g, '\r\n'), 'utf8').digest('hex');
    await own.sql('shard_1', `UPDATE shard_console.migration_checksums SET checksum = $1 WHERE version = '20990104700001'`, [crlf]);
    expect((await migrationStatus(ctx)).databases.find((d) => d.name === 'shard_1')!.applied.find((a) => a.version === '20990104700001')?.checksum).toBe(
      'match',
    );
    for (const db of DATABASES) expect(await hasColumn(db, 'pwb_links', 'edit_probe')).toBe(true);
  });

  it("a table a migration creates hands out ids from each database's own block, so a website moved between them brings no id the target hands out", async () => {
    await own.addMigration(
      'tenant',
      '20990104900001',
      'create_block_probe',
      'CREATE TABLE pwb_block_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, code integer GENERATED BY DEFAULT AS IDENTITY);\nINSERT INTO pwb_block_probe (website_id) VALUES (1);',
    );
    expect((await up()).state).toBe('succeeded');
    const next = async (db: string) =>
      (await own.sql<{ id: string; code: string }>(db, 'INSERT INTO pwb_block_probe (website_id) VALUES (2) RETURNING id::text, code::text'))[0]!;
    // The primary's block starts at 1; shard N's at N blocks (2^40 for bigint, 2^26 for integer). The row
    // the migration wrote itself took id 1 everywhere, before its sequence was placed.
    expect(await next('default')).toEqual({ id: '2', code: '2' });
    expect(await next('shard_1')).toEqual({ id: String(2n ** 40n), code: String(2 ** 26) });
    expect(await next('shard_2')).toEqual({ id: String(2n * 2n ** 40n), code: String(2 * 2 ** 26) });
    // A table dropped and made again under the same names has a new sequence: placed in the block again.
    await own.addMigration(
      'tenant',
      '20990104900002',
      'remake_block_probe',
      'DROP TABLE pwb_block_probe;\nCREATE TABLE pwb_block_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL, code integer);',
    );
    expect((await up()).state).toBe('succeeded');
    const insert = async (db: string) => (await own.sql<{ id: string }>(db, 'INSERT INTO pwb_block_probe (website_id) VALUES (3) RETURNING id::text'))[0]!.id;
    expect(await insert('shard_1')).toBe(String(2n ** 40n));
    expect(await insert('default')).toBe('1');
    // A sequence renamed (its ids handed out, its table emptied since) is the same sequence: it goes on where it was.
    await own.sql('shard_1', 'DELETE FROM pwb_block_probe');
    await own.addMigration('tenant', '20990104900003', 'rename_block_probe_seq', 'ALTER SEQUENCE pwb_block_probe_id_seq RENAME TO pwb_block_probe_id_seq2;');
    expect((await up()).state).toBe('succeeded');
    expect(await insert('shard_1')).toBe(String(2n ** 40n + 1n));
  });

  it("a shard's block is the one recorded on it, not its place in the profile: shards reordered, a shard from before slots were kept", async () => {
    // The harness seeds each shard in its block and records it there; shard_2 stands for a shard added
    // before slots were kept (nothing recorded).
    expect(await own.sql('shard_1', 'SELECT slot FROM shard_console.sequence_slot')).toEqual([{ slot: 1 }]);
    await own.sql('shard_2', 'DROP TABLE shard_console.sequence_slot');
    const profile = JSON.parse(await readFile(own.profilePath, 'utf8'));
    const reordered = { ...profile, shards: { shard_2: profile.shards.shard_2, shard_1: profile.shards.shard_1 } };
    const reorderedPath = own.profilePath.replace(/\.json$/, '-reordered.json');
    await writeFile(reorderedPath, JSON.stringify(reordered, null, 2), { mode: 0o600 });
    const other = await openConsole(await loadProfile(reorderedPath, { env: own.env, secrets: memorySecretStore() }));
    try {
      await own.addMigration(
        'tenant',
        '20990104900004',
        'create_slot_probe',
        'CREATE TABLE pwb_slot_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL);',
      );
      expect((await up(other)).state).toBe('succeeded');
      const first = async (db: string) => (await own.sql<{ id: string }>(db, 'INSERT INTO pwb_slot_probe (website_id) VALUES (1) RETURNING id::text'))[0]!.id;
      // shard_1 keeps its recorded block (the profile's order would give it block 2, shard_2's). shard_2's
      // place in this profile (1) is shard_1's block: it gets the first free one, and keeps it from now on.
      expect(await first('shard_1')).toBe(String(2n ** 40n));
      expect(await first('shard_2')).toBe(String(3n * 2n ** 40n));
      expect(await own.sql('shard_2', 'SELECT slot FROM shard_console.sequence_slot')).toEqual([{ slot: 3 }]);
      // A drift fix makes a missing table's sequence start in the shard's own block, in either profile order.
      await own.sql('shard_2', 'DROP TABLE pwb_slot_probe');
      for (const c of [ctx, other]) {
        const missing = (await schemaDrift(c)).drift.find((d) => d.database === 'shard_2' && d.kind === 'missing-table' && d.table.endsWith('pwb_slot_probe'));
        expect(missing?.fix).toContain(`START WITH ${3n * 2n ** 40n}`);
      }
      await own.sql('shard_2', 'CREATE TABLE pwb_slot_probe (id bigserial PRIMARY KEY, website_id bigint NOT NULL)');
    } finally {
      await other.close();
    }
  });

  it('two consoles running at once do not both apply: each version runs once, the other run reports LOCKED', async () => {
    await own.addMigration('tenant', '20990105000001', 'slow_probe', 'SELECT pg_sleep(1);\nCREATE TABLE pwb_concurrent_probe (id integer);');
    const other = await own.open();
    try {
      const runs = await Promise.all([up(ctx), up(other)]);
      for (const db of DATABASES) {
        const appliedBy = runs.filter((r) => byName(r, db).applied.includes('20990105000001'));
        expect(appliedBy, db).toHaveLength(1);
        expect(await versionCount(db, '20990105000001')).toBe(1);
      }
      const loser = runs.find((r) => r.state === 'failed')!;
      const winner = runs.find((r) => r.state === 'succeeded')!;
      expect(loser).toBeDefined();
      expect(winner).toBeDefined();
      const locked = loser.databases.find((d) => d.state === 'locked')!;
      expect(locked.error).toMatchObject({
        code: 'LOCKED',
        message: expect.stringMatching(/already running on .*held by shard-console.*wait for the other run/),
      });
      expect((await up()).databases.every((d) => d.state === 'up-to-date')).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('a session killed mid-migration is reported on its database, the console keeps running, and a second run applies it', async () => {
    await own.addMigration('tenant', '20990105500001', 'killed_probe', 'SELECT pg_sleep(3);\nCREATE TABLE pwb_killed_probe (id integer);');
    const running = up();
    const sleeping = async () =>
      (await own.sql<{ pid: number }>('shard_1', `SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()`))[0];
    let victim: { pid: number } | undefined;
    for (let i = 0; i < 200 && !victim; i++) {
      victim = await sleeping();
      if (!victim) await new Promise((r) => setTimeout(r, 50));
    }
    expect(victim).toBeDefined();
    await own.sql('shard_1', 'SELECT pg_terminate_backend($1)', [victim!.pid]);
    // Before, the broken connection's 'error' event had no listener: it ended the process (here, the test run).
    const run = await running;
    const killed = byName(run, 'shard_1');
    expect(killed.state).toMatch(/^(unreachable|failed)$/);
    expect(killed.error?.message).toMatch(/terminat/i);
    expect(byName(run, 'shard_2').applied).toEqual(['20990105500001']);
    expect(await versionCount('shard_1', '20990105500001')).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(byName(await up(), 'shard_1').applied).toEqual(['20990105500001']);
  });

  it('flags an applied file that was edited afterwards, and versions the folder does not have', async () => {
    const file = `${own.migrationsDir}/tenant/20990101000001_add_color_to_pwb_pages.sql`;
    const original = await readFile(file, 'utf8');
    await writeFile(file, `${original}\n-- edited after it ran\n`);
    await own.sql('shard_2', `INSERT INTO schema_migrations (version) VALUES ('20010101000000')`);
    try {
      const status = await migrationStatus(ctx);
      for (const db of status.databases) {
        expect(db.applied.find((a) => a.version === '20990101000001')?.checksum, db.name).toBe('edited');
        expect(db.applied.filter((a) => a.checksum === 'edited')).toHaveLength(1);
      }
      expect(status.databases.find((d) => d.name === 'shard_2')!.unknown).toEqual([{ version: '20010101000000', appliedAt: null }]);
      expect(status.databases.find((d) => d.name === 'shard_1')!.unknown).toEqual([]);
    } finally {
      await writeFile(file, original);
      await own.sql('shard_2', `DELETE FROM schema_migrations WHERE version = '20010101000000'`);
    }
    const restored = await migrationStatus(ctx);
    expect(restored.databases.every((d) => d.applied.every((a) => a.checksum === 'match'))).toBe(true);
  });

  it('flags a pending migration older than ones applied (a merged branch): it runs after them, out of order', async () => {
    await own.addMigration('tenant', '20990101500000', 'from_a_branch', 'ALTER TABLE pwb_pages ADD COLUMN branch_probe integer;');
    const status = await migrationStatus(ctx);
    for (const db of status.databases) {
      expect(db.pending, db.name).toEqual([{ version: '20990101500000', name: 'from_a_branch', set: 'tenant', outOfOrder: true }]);
    }
    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'migrate', 'status', '--profile', own.profilePath],
        { env: { ...own.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(cli.stdout).toMatch(/20990101500000 +from_a_branch +tenant +pending\* +pending\* +pending\*/);
    expect(cli.stderr).toContain('shard_1: pending* 20990101500000_from_a_branch is older than migrations applied there already, so it runs after them');
    expect((await up()).state).toBe('succeeded');
    expect((await migrationStatus(ctx)).databases.every((d) => d.pending.length === 0)).toBe(true);
  });

  it('runs from the command line: a dry run prints the SQL and applies nothing, then `migrate up` shows progress and applies it', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, ...args, '--profile', own.profilePath],
          { env: { ...own.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    await own.addMigration('tenant', '20990106000001', 'add_cli_probe', 'ALTER TABLE pwb_pages ADD COLUMN cli_probe integer;');
    const dry = await run(['migrate', 'up', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('== default (step 1, first and alone): 1 to apply');
    expect(dry.stdout).toContain('ALTER TABLE pwb_pages ADD COLUMN cli_probe integer;');
    for (const db of DATABASES) expect(await versionCount(db, '20990106000001')).toBe(0);
    // A shard alone does not run ahead of the primary: exit 1, the shard not started.
    const upOnOne = await run(['migrate', 'up', '--database', 'shard_1', '--json']);
    expect(upOnOne.code, upOnOne.stderr).toBe(1);
    expect(JSON.parse(upOnOne.stdout).databases.map((d: { name: string; state: string; applied: string[] }) => [d.name, d.state, d.applied])).toEqual([
      ['shard_1', 'skipped', []],
    ]);
    const upAll = await run(['migrate', 'up']);
    expect(upAll.code, upAll.stderr).toBe(0);
    // Progress on stderr, from the run's events: migrations done of those pending, and where it is.
    expect(upAll.stderr).toMatch(/\d\/3 migrations · default: 20990106000001/);
    expect(upAll.stdout).toMatch(/shard_1\s+applied/);
    for (const db of DATABASES) expect(await versionCount(db, '20990106000001')).toBe(1);
  });

  it('writes an audit entry for every run', async () => {
    const rows = await own.sql('default', `SELECT outcome FROM shard_console.audit_log WHERE action = 'migrations.up' ORDER BY id`);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows.map((r) => r.outcome)).toContain('failed');
    expect(rows.every((r) => r.outcome !== 'started')).toBe(true);
  });

  it("the website's page shows a tenant table the console's migrations just created (no stale catalog)", async () => {
    const [site] = await own.sql<{ id: number; shard: string }>(
      'default',
      `SELECT id, coalesce(shard_name, 'default') AS shard FROM pwb_websites ORDER BY id LIMIT 1`,
    );
    const before = await tenantDetail(ctx, site!.id);
    expect(before.tables.map((t) => t.table)).not.toContain('pwb_custom_fields');
    await own.addMigration(
      'tenant',
      '20990107000001',
      'create_pwb_custom_fields',
      'CREATE TABLE pwb_custom_fields (id bigserial PRIMARY KEY, website_id integer NOT NULL, name text);',
    );
    expect((await up()).state).toBe('succeeded');
    await own.sql(before.database, 'INSERT INTO pwb_custom_fields (website_id, name) VALUES ($1, $2)', [site!.id, 'colour']);
    const after = await tenantDetail(ctx, site!.id);
    expect(after.tables.find((t) => t.table === 'pwb_custom_fields')).toMatchObject({ rows: 1 });
    expect(after.totalRows).toBe(before.totalRows + 1);
  });

  it("a file's session settings (search_path, role) end with it: the next file and the version's record see the database as the run began", async () => {
    await own.addMigration('tenant', '20990108000001', 'path_probe_schema', 'CREATE SCHEMA mig_probe;\nSET search_path = mig_probe, public;');
    await own.addMigration('tenant', '20990108000002', 'path_probe_table', 'CREATE TABLE pwb_path_probe (id integer);');
    // A file that leaves schema_migrations off its search_path is still recorded where the ledger is.
    await own.addMigration('tenant', '20990108000003', 'path_probe_only', 'SET search_path = mig_probe;\nCREATE TABLE path_probe_inner (id integer);');
    // A file that makes its tables the application owner's: the next file's are not.
    for (const db of DATABASES) await own.sql(db, 'CREATE ROLE mig_probe_owner; GRANT CREATE ON SCHEMA public TO mig_probe_owner');
    await own.addMigration('tenant', '20990108000004', 'role_probe_owned', 'SET ROLE mig_probe_owner;\nCREATE TABLE pwb_owned_probe (id integer);');
    await own.addMigration('tenant', '20990108000005', 'role_probe_next', 'CREATE TABLE pwb_next_probe (id integer);');
    const run = await up();
    expect(run.state, JSON.stringify(run.databases.map((d) => d.failed))).toBe('succeeded');
    for (const db of DATABASES) {
      const owners = await own.sql(
        db,
        `SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname IN ('pwb_owned_probe', 'pwb_next_probe') ORDER BY 1`,
      );
      expect(owners, db).toEqual([
        { relname: 'pwb_next_probe', owner: own.cluster.servers[0]!.user },
        { relname: 'pwb_owned_probe', owner: 'mig_probe_owner' },
      ]);
      const [where] = await own.sql(
        db,
        `SELECT to_regclass('public.pwb_path_probe')::text AS outside, to_regclass('mig_probe.pwb_path_probe')::text AS inside, to_regclass('mig_probe.path_probe_inner')::text AS inner`,
      );
      expect(where, db).toEqual({ outside: 'pwb_path_probe', inside: null, inner: 'mig_probe.path_probe_inner' });
      expect(await versionCount(db, '20990108000003'), db).toBe(1);
    }
  });

  it('refuses a file with no statement yet (as migration new writes it) before any database is touched', async () => {
    const file = await own.addMigration('tenant', '20990109000001', 'not_written_yet', '-- add_thing: runs on the primary and every shard.\n\n');
    const run = await up();
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(run.error?.message).toBe(
      `Nothing was run: ${file} holds no SQL statement yet, and would be recorded as run with nothing in it. Write the migration's SQL first, or delete the file.`,
    );
    for (const db of DATABASES) expect(await versionCount(db, '20990109000001'), db).toBe(0);
    await writeFile(file, 'ALTER TABLE pwb_pages ADD COLUMN written_probe integer;');
    expect((await up()).state).toBe('succeeded');
  });

  it('a file that ran empty somewhere already (recorded before the rule) runs as it ran on the databases still lacking it', async () => {
    await own.addMigration('tenant', '20990109100001', 'ran_empty', '-- nothing yet\n');
    await own.sql('default', `INSERT INTO schema_migrations (version) VALUES ('20990109100001')`);
    const run = await up();
    expect(run.state, JSON.stringify(run.error)).toBe('succeeded');
    for (const db of DATABASES) expect(await versionCount(db, '20990109100001'), db).toBe(1);
  });

  it("a failure says where in the file it is and passes on the server's hint", async () => {
    const file = await own.addMigration(
      'tenant',
      '20990109000002',
      'broken_probe',
      'CREATE TABLE pwb_hint_probe (id integer);\nCREATE VIEW pwb_hint_view AS SELECT id FROM pwb_hint_probe;\n  DROP TABLE pwb_hint_probe;',
    );
    const failed = byName(await up(), 'default').failed;
    expect(failed?.error).toContain('cannot drop table pwb_hint_probe because other objects depend on it');
    expect(failed?.error).toContain('Use DROP ... CASCADE to drop the dependent objects too.');
    await writeFile(file, 'CREATE TABLE pwb_hint_probe (id integer,\n  name text,);');
    const syntax = byName(await up(), 'default').failed;
    expect(syntax?.error).toMatch(/^syntax error at or near "\)" \(line 2, column 13\)/);
    await writeFile(file, 'CREATE TABLE pwb_hint_probe (id integer);');
    expect((await up()).state).toBe('succeeded');
  });
});
