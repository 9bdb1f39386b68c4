import os from 'node:os';
import path from 'node:path';
import { isRoot } from './postgres-os-user.ts';

export interface DemoDirContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  root: boolean;
}

/** Where the demo keeps its databases between runs, following each OS's convention for app data. */
export function defaultDemoDir(context: Partial<DemoDirContext> = {}): string {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.home ?? os.homedir();
  const root = context.root ?? isRoot();
  // PostgreSQL refuses to run as root, so a root-run demo hands the data to the `postgres` OS user,
  // which cannot enter /root (0700): keep the data in a system location it can reach instead.
  if (root && platform !== 'win32') return '/var/lib/shard-console/demo';
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA ?? path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(base, 'shard-console', 'demo');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'shard-console', 'demo');
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.posix.join(home, '.local', 'share');
  return path.posix.join(dataHome, 'shard-console', 'demo');
}
