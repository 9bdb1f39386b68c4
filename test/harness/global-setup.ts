import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTestCluster, TEST_PASSWORD_VARIABLE } from './test-cluster.ts';
import type { TestClusterInfo } from './test-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: TestClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The console's per-user files (audit of read-only consoles, query history, logs) go to a folder of
  // this run, never the user's own; test workers are forked after this and inherit it.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'shard-console-data-'));
  process.env.SHARD_CONSOLE_DATA_DIR = dataDir;
  const cluster = await startTestCluster();
  // Test workers are forked after this runs and inherit it, so the profile's ${SC_TEST_PASSWORD} resolves.
  process.env[TEST_PASSWORD_VARIABLE] = cluster.password;
  const { stop, ...info } = cluster;
  project.provide('cluster', info);
  return async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
