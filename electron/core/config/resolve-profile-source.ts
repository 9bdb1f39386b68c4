import { access } from 'node:fs/promises';
import { ConsoleError } from '../../../shared/errors.ts';
import { buildResolvedProfile } from './build-resolved-profile.ts';
import type { Environment } from './expand-variables.ts';
import { loadProfile, profileNotFound, type LoadProfileOptions } from './load-profile.ts';
import type { ResolvedProfile } from './profile-schema.ts';
import { importRailsDatabaseYml } from './rails-database-yml.ts';

export interface ProfileSourceArgs {
  /** `--profile FILE` */
  readonly profile?: string | undefined;
  /** `--rails-config FILE` */
  readonly railsConfig?: string | undefined;
  /** `--env NAME`: the Rails environment to read from `--rails-config`. */
  readonly env?: string | undefined;
}

export type ProfileSource =
  | { readonly kind: 'profile'; readonly path: string }
  | { readonly kind: 'rails'; readonly file: string; readonly environment: string };

/** Which configuration to load: `--profile`, then `$SHARD_CONSOLE_PROFILE`, then `--rails-config`; null if none. */
export function resolveProfileSource(args: ProfileSourceArgs, processEnv: Environment): ProfileSource | null {
  const path = args.profile || processEnv.SHARD_CONSOLE_PROFILE;
  if (path) return Object.freeze({ kind: 'profile', path });
  if (args.railsConfig) {
    const environment = args.env || processEnv.RAILS_ENV || 'development';
    return Object.freeze({ kind: 'rails', file: args.railsConfig, environment });
  }
  return null;
}

/** Resolves the source from the command line's options and the environment, and loads it. */
export async function loadClusterProfile(args: ProfileSourceArgs, options: LoadProfileOptions): Promise<ResolvedProfile> {
  const source = resolveProfileSource(args, options.env);
  if (source === null) {
    throw new ConsoleError(
      'CONFIG_NOT_FOUND',
      'No profile given. Run `shard-console demo` to create one, or pass --profile FILE / --rails-config FILE --env NAME.',
    );
  }
  return loadProfileSource(source, options);
}

/** Loads one source; a database.yml on its own becomes a profile named `rails:<environment>`. */
export async function loadProfileSource(source: ProfileSource, options: LoadProfileOptions): Promise<ResolvedProfile> {
  if (source.kind === 'profile') return loadProfile(source.path, options);
  await access(source.file).catch((error: NodeJS.ErrnoException) => {
    // Other failures (a folder, no permission) are reported by the importer with their own cause.
    if (error.code === 'ENOENT') throw profileNotFound(source.file);
  });
  const { databases } = await importRailsDatabaseYml(source.file, source.environment, { env: options.env });
  return buildResolvedProfile({ name: `rails:${source.environment}`, source: source.file, databases });
}
