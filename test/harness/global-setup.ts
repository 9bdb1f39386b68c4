import type { TestProject } from 'vitest/node';
import { startTestCluster, TEST_PASSWORD_VARIABLE } from './test-cluster.ts';
import type { TestClusterInfo } from './test-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: TestClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startTestCluster();
  // Test workers are forked after this runs and inherit it, so the profile's ${SC_TEST_PASSWORD} resolves.
  process.env[TEST_PASSWORD_VARIABLE] = cluster.password;
  const { stop, ...info } = cluster;
  project.provide('cluster', info);
  return stop;
}
