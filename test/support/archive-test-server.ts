import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedCluster } from '../../electron/core/demo/embedded-cluster.ts';
import type { EmbeddedServer } from '../../electron/core/demo/embedded-cluster.ts';

/** The machine's only pg_dump: 15, which refuses newer servers, hence PostgreSQL 15 servers in these tests. */
export const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';

/** A bare PostgreSQL 15 server for archive tests, and pg_dump against it (password through PGPASSWORD, never argv). */
export interface ArchiveTestServer {
  readonly server: EmbeddedServer;
  readonly password: string;
  readonly pool: pg.Pool;
  /** A scratch folder for dumps, removed by stop(). */
  readonly dumps: string;
  /** Runs pg_dump with `args` (connection options added); `stdoutTo` sends its output to a file through a pipe. */
  pgDump(args: readonly string[], options?: { stdoutTo?: string; database?: string }): Promise<void>;
  stop(): Promise<void>;
}

export async function startArchiveTestServer(): Promise<ArchiveTestServer> {
  // Directly under the temp folder: the postgres OS user must be able to create the data folder.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sc-archive-pg-'));
  const dumps = await mkdtemp(path.join(os.tmpdir(), 'sc-archive-dumps-'));
  const password = randomBytes(18).toString('base64url');
  const cluster = await startEmbeddedCluster({ dir, names: ['archive'], auth: { kind: 'password', password }, fsync: false, major: 15 });
  const server = cluster.servers[0]!;
  const pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password, database: server.database, max: 3 });
  pool.on('error', () => undefined);
  return {
    server,
    password,
    pool,
    dumps,
    pgDump: (args, options = {}) => runPgDump(server, password, args, options),
    async stop() {
      await pool.end();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
      await rm(dumps, { recursive: true, force: true });
    },
  };
}

export function runPgDump(
  server: EmbeddedServer,
  password: string,
  args: readonly string[],
  options: { stdoutTo?: string; database?: string } = {},
): Promise<void> {
  const connection = ['-h', server.host, '-p', String(server.port), '-U', server.user, '-d', options.database ?? server.database];
  return new Promise((resolve, reject) => {
    const child = spawn(PG_DUMP, [...connection, ...args], {
      env: { ...process.env, PGPASSWORD: password },
      stdio: ['ignore', options.stdoutTo ? 'pipe' : 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    let written: Promise<void> = Promise.resolve();
    if (options.stdoutTo) {
      // pg_dump sees a pipe, not a file: a custom archive written this way has no data offsets.
      const out = createWriteStream(options.stdoutTo);
      child.stdout!.pipe(out);
      written = new Promise((done, fail) => {
        out.on('finish', done);
        out.on('error', fail);
      });
    }
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`pg_dump ${args.join(' ')} exited ${code}: ${err}`));
      else written.then(resolve, reject);
    });
  });
}
