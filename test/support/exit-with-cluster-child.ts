import { startEmbeddedCluster } from '../../electron/core/demo/embedded-cluster.ts';

/*
 * Starts one embedded server in the folder given, prints its port, then exits without stopping it, as
 * the desktop app does when its shutdown outlasts the quit timeout. The test checks the server went.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: exit-with-cluster-child.ts DIR');
const cluster = await startEmbeddedCluster({ dir, names: ['solo'], auth: { kind: 'trust' }, fsync: false });
process.stdout.write(`${JSON.stringify({ port: cluster.servers[0]!.port })}\n`);
process.exit(0);
