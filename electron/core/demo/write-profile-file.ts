import { writeFileAtomic } from '../query/atomic-file.ts';
import { profileFileSchema } from '../config/profile-schema.ts';
import type { ConnectionEntry, ProfileFile } from '../config/profile-schema.ts';
import type { EmbeddedServer } from './embedded-cluster.ts';
import { DEFAULT_SHARD } from './plan-demo-websites.ts';

/**
 * A profile for servers started here: `default` is the primary, every other server a shard of the
 * same name. `password` goes in verbatim, so pass an `${ENV_VAR}` reference, never a secret.
 */
export function profileForServers(name: string, servers: readonly EmbeddedServer[], password?: string): ProfileFile {
  const entry = (server: EmbeddedServer): ConnectionEntry => ({
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    ...(password === undefined ? {} : { password }),
  });
  const primary = servers.find((server) => server.name === DEFAULT_SHARD);
  const shards = Object.fromEntries(servers.filter((server) => server.name !== DEFAULT_SHARD).map((server) => [server.name, entry(server)]));
  return { name, ...(primary ? { primary: entry(primary) } : {}), shards };
}

/**
 * Validates and writes a profile readable by its owner only (it names hosts and users), atomically: a
 * new file then a rename, so a symbolic link planted at its name (the demo folder belongs to the
 * postgres user when run as root) is replaced, never followed.
 */
export async function writeProfileFile(file: string, profile: ProfileFile): Promise<void> {
  const valid = profileFileSchema.parse(profile);
  await writeFileAtomic(file, `${JSON.stringify(valid, null, 2)}\n`, 0o600);
}
