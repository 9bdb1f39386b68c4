import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EmbeddedCluster, startEmbeddedCluster } from '../../../electron/core/demo/embedded-cluster.ts';
import { waitForOlderTransactions } from '../../../electron/core/moves/write-fence.ts';

/*
 * The wait for transactions older than the fence counts the sessions that write a website's rows
 * without being client backends: a logical replication apply worker (a shard subscribed to another
 * database) runs its transactions as a background process. Here one is held inside its transaction by
 * a trigger that sleeps, as a long remote transaction would hold it, and the wait must name it.
 */

let dir: string;
let cluster: EmbeddedCluster;
const password = randomBytes(18).toString('base64url');
const clients: pg.Client[] = [];

async function connect(database: string): Promise<pg.Client> {
  const server = cluster.servers[0]!;
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password, database });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-fence-wait-'));
  cluster = await startEmbeddedCluster({ dir, names: ['pub'], auth: { kind: 'password', password }, fsync: false, settings: ['wal_level=logical'] });
  const admin = await connect(cluster.servers[0]!.database);
  await admin.query('CREATE DATABASE sub');
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('waits for a logical replication apply worker inside its transaction, and names it when it gives up', async () => {
  const server = cluster.servers[0]!;
  const pub = await connect(server.database);
  const sub = await connect('sub');
  const table = 'CREATE TABLE pwb_contacts (id bigint PRIMARY KEY, website_id integer NOT NULL)';
  await pub.query(table);
  await sub.query(table);
  // On the subscriber, an apply worker's insert sleeps inside its transaction (REPLICA: fired for it).
  await sub.query(`CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$`);
  await sub.query('CREATE TRIGGER slow BEFORE INSERT ON pwb_contacts FOR EACH ROW EXECUTE FUNCTION slow()');
  await sub.query('ALTER TABLE pwb_contacts ENABLE REPLICA TRIGGER slow');
  await pub.query('CREATE PUBLICATION contacts FOR TABLE pwb_contacts');
  // A subscription to a database of the same server needs its slot made beforehand.
  await pub.query(`SELECT pg_create_logical_replication_slot('contacts_sub', 'pgoutput')`);
  const conninfo = `host=${server.host} port=${server.port} dbname=${server.database} user=${server.user} password=${password}`;
  await sub.query(`CREATE SUBSCRIPTION contacts_sub CONNECTION '${conninfo}' PUBLICATION contacts WITH (create_slot = false, copy_data = false)`);
  try {
    await pub.query('INSERT INTO pwb_contacts VALUES (1, 42)');
    let worker: { pid: number; backend_type: string } | undefined;
    for (let i = 0; i < 150 && !worker; i += 1) {
      const r = await sub.query<{ pid: number; backend_type: string }>(
        `SELECT pid, backend_type FROM pg_stat_activity WHERE datname = 'sub' AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()`,
      );
      worker = r.rows[0];
      if (!worker) await new Promise((r) => setTimeout(r, 200));
    }
    expect(worker, 'the apply worker reached the sleeping trigger').toBeDefined();
    expect(worker!.backend_type).not.toBe('client backend');
    const handle = { query: sub.query.bind(sub) as never, target: { name: 'shard_9' } } as unknown as Parameters<typeof waitForOlderTransactions>[0];
    await expect(waitForOlderTransactions(handle, 600)).rejects.toMatchObject({
      code: 'MOVE_FAILED',
      message: expect.stringContaining(`pid ${worker!.pid} (a ${worker!.backend_type}) since`),
    });
  } finally {
    await sub.query('ALTER SUBSCRIPTION contacts_sub DISABLE');
    await sub.query('ALTER SUBSCRIPTION contacts_sub SET (slot_name = NONE)');
    await sub.query('DROP SUBSCRIPTION contacts_sub');
    await pub.query(`SELECT pg_drop_replication_slot('contacts_sub') FROM pg_replication_slots WHERE slot_name = 'contacts_sub' AND NOT active`);
  }
}, 120_000);
