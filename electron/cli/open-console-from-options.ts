import { loadClusterProfile } from '../core/config/resolve-profile-source.ts';
import { envSecretReader } from '../core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../core/console-context.ts';
import type { CliOptions } from './cli-args.ts';

/** `--profile`, `$SHARD_CONSOLE_PROFILE` or `--rails-config/--env`, loaded and opened. */
export async function openConsoleFromOptions(options: CliOptions): Promise<ConsoleContext> {
  const profile = await loadClusterProfile(
    { profile: options.profile, railsConfig: options['rails-config'], env: options.env },
    { env: process.env, secrets: envSecretReader(process.env) },
  );
  return openConsole(profile);
}
