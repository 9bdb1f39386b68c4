import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { ConsoleContext } from '../../../electron/core/console-context.ts';
import { createMove, runMove } from '../../../electron/core/moves/move-service.ts';
import { startPrivateCluster, type PrivateCluster } from '../../support/private-cluster.ts';

/*
 * Writers keep inserting and updating the moving website's rows, routed by its shard_name the way the
 * app routes them, and other websites' rows on both databases, for the whole move. Every acknowledged
 * write must be on the final database; every other write must have been rejected to the writer.
 */

let pc: PrivateCluster;
let ctx: ConsoleContext;
const clients = new Map<string, pg.Client>();

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9, scale: 0.02 });
  ctx = await pc.open();
  for (const name of ['default', 'shard_1', 'shard_2']) clients.set(name, await pc.client(name));
});
afterAll(async () => {
  for (const c of clients.values()) await c.end();
  await pc.stop();
});

async function routedTo(website: number): Promise<string> {
  const r = await clients.get('default')!.query(`SELECT coalesce(shard_name, 'default') AS s FROM pwb_websites WHERE id = $1`, [website]);
  return r.rows[0].s;
}

async function pick(shard: string, notIn: number[] = []): Promise<number> {
  const r = await clients
    .get('default')!
    .query(`SELECT w.id FROM pwb_websites w WHERE coalesce(w.shard_name, 'default') = $1 AND NOT (w.id = ANY($2::int[])) ORDER BY w.id LIMIT 1`, [
      shard,
      notIn,
    ]);
  return r.rows[0].id;
}

describe('a move under concurrent writes', () => {
  it('keeps every acknowledged write and rejects the rest; other websites are never blocked', async () => {
    const moving = await pick('default');
    const stayingOnSource = await pick('default', [moving]);
    const onTarget = await pick('shard_1');
    const target = 'shard_1';
    // A writer-owned row of the moving website, updated over and over.
    const seed = await clients
      .get('default')!
      .query(
        `INSERT INTO pwb_contacts (website_id, first_name, last_name, created_at, updated_at) VALUES ($1, 'writer-row', 'v0', now(), now()) RETURNING id`,
        [moving],
      );
    const updatedId = seed.rows[0].id;

    const acked: string[] = [];
    let lastAckedVersion = 'v0';
    let rejected = 0;
    const othersAcked = new Map<number, string[]>([
      [stayingOnSource, []],
      [onTarget, []],
    ]);
    const otherErrors: string[] = [];
    let running = true;

    const writer = (async () => {
      for (let n = 1; running; n++) {
        const home = clients.get(await routedTo(moving))!;
        try {
          await home.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, $2, now(), now())`, [moving, `w-${n}`]);
          acked.push(`w-${n}`);
        } catch (error) {
          if ((error as { code?: string }).code !== '55000') throw error;
          rejected += 1;
        }
        try {
          const r = await home.query(`UPDATE pwb_contacts SET last_name = $2 WHERE id = $1`, [updatedId, `v${n}`]);
          if (r.rowCount === 1) lastAckedVersion = `v${n}`;
        } catch (error) {
          if ((error as { code?: string }).code !== '55000') throw error;
          rejected += 1;
        }
        for (const [website, list] of othersAcked) {
          const db = clients.get(await routedTo(website))!;
          try {
            await db.query(`INSERT INTO pwb_contacts (website_id, first_name, created_at, updated_at) VALUES ($1, $2, now(), now())`, [website, `o-${n}`]);
            list.push(`o-${n}`);
          } catch (error) {
            otherErrors.push((error as Error).message);
          }
        }
      }
    })();

    await new Promise((r) => setTimeout(r, 300));
    const job = await createMove(ctx, moving, target);
    const done = await runMove(ctx, job.id);
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await writer;

    expect(done.state).toBe('succeeded');
    expect(rejected).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(0);
    expect(otherErrors).toEqual([]);

    const onFinal = await clients.get(target)!.query(`SELECT first_name FROM pwb_contacts WHERE website_id = $1 AND first_name LIKE 'w-%'`, [moving]);
    expect(onFinal.rows.map((r) => r.first_name).sort()).toEqual([...acked].sort());
    const row = await clients.get(target)!.query(`SELECT last_name FROM pwb_contacts WHERE id = $1`, [updatedId]);
    expect(row.rows[0].last_name).toBe(lastAckedVersion);
    const leftOnSource = await clients.get('default')!.query(`SELECT count(*)::int AS n FROM pwb_contacts WHERE website_id = $1`, [moving]);
    expect(leftOnSource.rows[0].n).toBe(0);

    for (const [website, list] of othersAcked) {
      const db = clients.get(await routedTo(website))!;
      const r = await db.query(`SELECT first_name FROM pwb_contacts WHERE website_id = $1 AND first_name LIKE 'o-%'`, [website]);
      expect(r.rows.map((x) => x.first_name).sort()).toEqual([...list].sort());
      expect(list.length).toBeGreaterThan(0);
    }
  });
});
