import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { preflightMove } from '../../../electron/core/moves/move-preflight.ts';
import { createMove, runMove } from '../../../electron/core/moves/move-service.ts';
import { runDoctor } from '../../../electron/core/doctor/run-doctor.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';
import { otherWebsites, tenantSnapshot, websiteRows } from '../../support/tenant-snapshot.ts';

/*
 * PWB's foreign keys from tenant tables into the control plane (pwb_websites, pwb_users) on the real
 * layout: the primary and shard_2 (`schema:load`) enforce them, shard_1 (tenant tables only) cannot.
 * A move onto a database that enforces them checks, before anything changes, that the rows they
 * reference are there.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9, scale: 0.02 });
  ctx = await pc.open();
});
afterAll(() => pc.stop());

/** The website on `shard` with the most contacts (rows in the tables with keys into the control plane). */
async function siteOn(shard: string): Promise<number> {
  const ids = (await ctx.pools.primary().query<{ id: number }>(`SELECT id FROM pwb_websites WHERE coalesce(shard_name, 'default') = $1`, [shard])).rows.map(
    (r) => r.id,
  );
  const counted = await ctx.pools
    .get(shard)
    .query<{ id: number }>(`SELECT website_id::int AS id FROM pwb_contacts WHERE website_id = ANY($1::int[]) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, [
      ids,
    ]);
  return counted.rows[0]!.id;
}

async function onDatabase<T>(name: string, work: (client: Awaited<ReturnType<PrivateCluster['client']>>) => Promise<T>): Promise<T> {
  const client = await pc.client(name);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function jobsOf(site: number): Promise<number> {
  const r = await ctx.pools
    .primary()
    .query<{ n: number }>(`SELECT count(*)::int AS n FROM shard_console.move_jobs WHERE website_id = $1`, [site])
    .catch(() => ({ rows: [{ n: 0 }] }));
  return r.rows[0]!.n;
}

describe('moves onto a database that enforces the foreign keys into the control plane', () => {
  it("refuses a schema:load shard that lacks the website's pwb_websites row, naming table, key, rows and the fix; changes nothing", async () => {
    const site = await siteOn('default');
    const before = await tenantSnapshot(pc);
    const jobs = await jobsOf(site);
    const { result } = await preflightMove(ctx, site, 'shard_2');
    expect(result.ok).toBe(false);
    const missing = result.refusals.filter((r) => r.code === 'MISSING_REFERENCE');
    expect(missing.map((r) => r.table).sort()).toEqual([
      'pwb_contacts',
      'pwb_field_keys',
      'pwb_media',
      'pwb_media_folders',
      'pwb_messages',
      'pwb_support_tickets',
    ]);
    const contacts = missing.find((r) => r.table === 'pwb_contacts')!;
    const rows = websiteRows(before, site).tables.pwb_contacts!.rows;
    expect(contacts.message).toContain(
      `${rows} row(s) of website ${site} in pwb_contacts reference 1 pwb_websites row(s) that shard_2 does not have, through fk_rails_pwb_contacts_website (website_id = (${site}))`,
    );
    expect(contacts.message).toContain('copy them from the primary');
    expect(result.refusals.every((r) => r.code === 'MISSING_REFERENCE')).toBe(true);
    await expect(createMove(ctx, site, 'shard_2')).rejects.toMatchObject({ code: 'MOVE_REFUSED' });
    expect(await tenantSnapshot(pc)).toEqual(before);
    expect(await jobsOf(site)).toBe(jobs);

    // The operator's fix: the row on the shard. Then the move goes through, verified.
    await pc.admit(site, 'shard_2');
    const done = await runMove(ctx, (await createMove(ctx, site, 'shard_2')).id);
    expect(done.state).toBe('succeeded');
    expect(done.verification.every((v) => v.ok)).toBe(true);
    const after = await tenantSnapshot(pc);
    expect(websiteRows(after, site)).toEqual({ ...websiteRows(before, site), databases: ['shard_2'] });
    expect(otherWebsites(after, [site])).toEqual(otherWebsites(before, [site]));
  });

  it('refuses the primary when a ticket names a user the primary does not have, with the key; changes nothing', async () => {
    const site = await siteOn('shard_1');
    const ticket = await onDatabase('shard_1', async (c) => {
      const r = await c.query<{ id: string }>(
        `INSERT INTO pwb_support_tickets (website_id, ticket_number, subject, creator_id, created_at, updated_at)
         VALUES ($1, 'TKT-GHOST-1', 'user gone', 987654, now(), now()) RETURNING id::text`,
        [site],
      );
      return r.rows[0]!.id;
    });
    try {
      const before = await tenantSnapshot(pc);
      const { result } = await preflightMove(ctx, site, 'default');
      expect(result.refusals).toEqual([
        {
          code: 'MISSING_REFERENCE',
          table: 'pwb_support_tickets',
          message: expect.stringContaining(
            `1 row(s) of website ${site} in pwb_support_tickets reference 1 pwb_users row(s) that default does not have, through fk_rails_pwb_support_tickets_creator (creator_id = (987654))`,
          ),
        },
      ]);
      expect(await tenantSnapshot(pc)).toEqual(before);
    } finally {
      await onDatabase('shard_1', (c) => c.query('DELETE FROM pwb_support_tickets WHERE id = $1', [ticket]));
    }
    // Without the ghost the same move passes its preflight: the rest of its rows reference what the primary has.
    expect((await preflightMove(ctx, site, 'default')).result.ok).toBe(true);
  });

  it('moves a website shard -> primary -> shard in every layout pair, ending with the hashes it started with', async () => {
    const site = await siteOn('shard_1');
    const start = websiteRows(await tenantSnapshot(pc), site);
    const hashes: string[] = [];
    for (const to of ['default', 'shard_2', 'default', 'shard_1']) {
      await pc.admit(site, to);
      const done = await runMove(ctx, (await createMove(ctx, site, to)).id);
      expect(done.state, `to ${to}`).toBe('succeeded');
      hashes.push(JSON.stringify(done.verification.map((v) => [v.table, v.sourceRows, v.sourceHash, v.targetHash])));
    }
    expect(new Set(hashes).size).toBe(1);
    expect(websiteRows(await tenantSnapshot(pc), site)).toEqual(start);
  });
});

describe('the doctor on this layout', () => {
  it('reports no error on the clean cluster', async () => {
    const report = await runDoctor(ctx);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('calls rows whose website has no pwb_websites row on the primary orphans on every database, foreign key or not', async () => {
    // On the primary the key forbids such a row; one written past it (replica role, as a restore or a
    // replication tool can) is still an orphan. On the schema:load shard the key is satisfied by the
    // shard's own copy of a website the primary does not know: an orphan all the same.
    await onDatabase('default', async (c) => {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES (424242, 'orphan-primary', now(), now())`);
      await c.query('COMMIT');
    });
    await onDatabase('shard_2', async (c) => {
      await c.query(`INSERT INTO pwb_websites (id, subdomain, created_at, updated_at) VALUES (434343, 'ghost-on-shard', now(), now())`);
      await c.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES (434343, 'orphan-shard', now(), now())`);
    });
    try {
      const orphans = (await runDoctor(ctx)).findings.filter((f) => f.kind === 'orphaned-rows');
      expect(orphans).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ database: 'default', website: 424242, rows: 1, table: 'pwb_contacts' }),
          expect.objectContaining({ database: 'shard_2', website: 434343, rows: 1, table: 'pwb_contacts' }),
        ]),
      );
    } finally {
      await onDatabase('default', (c) => c.query(`DELETE FROM pwb_contacts WHERE first_name = 'orphan-primary'`));
      await onDatabase('shard_2', async (c) => {
        await c.query(`DELETE FROM pwb_contacts WHERE first_name = 'orphan-shard'`);
        await c.query('DELETE FROM pwb_websites WHERE id = 434343');
      });
    }
  });
});
