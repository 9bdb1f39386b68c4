import os from 'node:os';
import path from 'node:path';

/**
 * The per-user folder of the console's own files (backups by default, query history, the log), by each
 * OS's convention for app data: `%LOCALAPPDATA%\shard-console`, `~/Library/Application Support/shard-console`,
 * `$XDG_DATA_HOME/shard-console` (`~/.local/share/shard-console`). SHARD_CONSOLE_DATA_DIR overrides it.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.SHARD_CONSOLE_DATA_DIR && path.isAbsolute(env.SHARD_CONSOLE_DATA_DIR)) return env.SHARD_CONSOLE_DATA_DIR;
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA ?? path.win32.join(home, 'AppData', 'Local'), 'shard-console');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'shard-console');
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.posix.join(home, '.local', 'share');
  return path.posix.join(dataHome, 'shard-console');
}
