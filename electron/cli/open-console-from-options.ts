import { loadClusterProfile } from '../core/config/resolve-profile-source.ts';
import { envSecretReader } from '../core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../core/console-context.ts';
import { stringOption, type OptionValues } from './cli-command.ts';

/** `--profile`, `$SHARD_CONSOLE_PROFILE` or `--rails-config/--env`, loaded and opened. */
export async function openConsoleFromOptions(options: OptionValues): Promise<ConsoleContext> {
  const profile = await loadClusterProfile(
    { profile: stringOption(options, 'profile'), railsConfig: stringOption(options, 'rails-config'), env: stringOption(options, 'env') },
    { env: process.env, secrets: envSecretReader(process.env) },
  );
  return openConsole(profile);
}
