import { readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedCluster } from '../../electron/core/demo/embedded-cluster.ts';

/*
 * Run by packaged-layout.test.ts from inside a copy of the packaged app, bundled with the main
 * process's Vite settings: starts one embedded PostgreSQL server the way the demo does, and prints
 * the server's version and the executable its backend runs (so the test sees it is the unpacked one).
 */

const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-packaged-probe-'));
const cluster = await startEmbeddedCluster({ dir, names: ['probe'], auth: { kind: 'trust' }, fresh: true, fsync: false });
try {
  const server = cluster.servers[0]!;
  const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user: server.user });
  client.on('error', () => {});
  await client.connect();
  const { rows } = await client.query<{ version: string; pid: number }>('SELECT current_setting($1) AS version, pg_backend_pid() AS pid', ['server_version']);
  const { version, pid } = rows[0]!;
  const executable = readlinkSync(`/proc/${pid}/exe`);
  await client.end();
  process.stdout.write(`${JSON.stringify({ version, executable })}\n`);
} finally {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
}
