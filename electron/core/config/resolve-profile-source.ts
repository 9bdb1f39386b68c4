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

/**
 * Which configuration to load: what the command line names (`--profile` or `--rails-config`, never
 * both), then `$SHARD_CONSOLE_PROFILE`; null if none. A flag always beats the environment: an exported
 * profile must not silently run a command the operator pointed at a database.yml.
 */
export function resolveProfileSource(args: ProfileSourceArgs, processEnv: Environment): ProfileSource | null {
  if (args.profile && args.railsConfig) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `Both --profile ${args.profile} and --rails-config ${args.railsConfig} were given, and they may name different clusters. Give one of them.`,
    );
  }
  if (args.env && !args.railsConfig) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `--env ${args.env} names an environment of a Rails database.yml: give it with --rails-config FILE, or leave it out.`,
    );
  }
  if (args.profile) return Object.freeze({ kind: 'profile', path: args.profile });
  if (args.railsConfig) {
    const environment = args.env || processEnv.RAILS_ENV || 'development';
    return Object.freeze({ kind: 'rails', file: args.railsConfig, environment });
  }
  const path = processEnv.SHARD_CONSOLE_PROFILE;
  return path ? Object.freeze({ kind: 'profile', path }) : null;
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
