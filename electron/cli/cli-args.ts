import { parseArgs } from 'node:util';
import { ConsoleError } from '../../shared/errors.ts';

/** Options every command understands; a command rejects the ones it does not use via `allowed`. */
const optionSpec = {
  profile: { type: 'string' },
  'rails-config': { type: 'string' },
  env: { type: 'string' },
  json: { type: 'boolean' },
  search: { type: 'string' },
  shard: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  sort: { type: 'string' },
  desc: { type: 'boolean' },
  port: { type: 'string' },
  dir: { type: 'string' },
  websites: { type: 'string' },
  scale: { type: 'string' },
  fresh: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliOptions = ReturnType<typeof parseCli>['options'];

export function parseCli(argv: readonly string[]) {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: optionSpec, allowPositionals: true, strict: true });
    return { command: positionals[0], positionals: positionals.slice(1), options: values };
  } catch (error) {
    throw new ConsoleError('INVALID_PARAMS', `${(error as Error).message}. Run \`shard-console help\` for usage.`);
  }
}

/** A whole, non-negative number option, or a clear usage error. */
export function intOption(value: string | undefined, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const min = bounds.min ?? 0;
  if (!/^\d+$/.test(value) || n < min || (bounds.max !== undefined && n > bounds.max)) {
    throw new ConsoleError('INVALID_PARAMS', `--${name} takes a whole number${bounds.max !== undefined ? ` from ${min} to ${bounds.max}` : ` of at least ${min}`}; got "${value}".`);
  }
  return n;
}

export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConsoleError('INVALID_PARAMS', `--${name} takes a positive number; got "${value}".`);
  return n;
}

export const USAGE = `Shard Console: see, move and verify PropertyWebBuilder tenants across PostgreSQL shards.

Usage: shard-console <command> [options]

Commands
  start                         open the console (desktop app, or browser mode without Electron);
                                without a profile it starts the embedded demo cluster
  demo [--dir D] [--websites N] [--scale X] [--fresh]
                                start a three-server demo cluster, seed it, print its profile path
  shards                        every database: role, reachable, version, size, websites
  tenants [--search S] [--shard NAME] [--limit N] [--offset N] [--sort id|subdomain|customDomain|shard] [--desc]
                                websites with their shard
  tenant ID                     rows and bytes per tenant table of one website
  serve [--port N]              browser mode: the console on a loopback URL with a token

Cluster selection (every command but demo)
  --profile FILE                a cluster profile (default: $SHARD_CONSOLE_PROFILE)
  --rails-config FILE --env NAME
                                read the databases from a Rails config/database.yml instead

  --json                        machine-readable output (field names are a stable contract)
`;
