import { parseArgs } from 'node:util';
import { ConsoleError } from '../../shared/errors.ts';
import type { OptionSpec } from './cli-command.ts';
import { redactSecrets } from '../core/log/redact-secrets.ts';

/** Options every command understands. */
export const commonOptions: OptionSpec = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** How every command that talks to a cluster chooses it. */
export const clusterOptions: OptionSpec = {
  profile: { type: 'string' },
  'rails-config': { type: 'string' },
  env: { type: 'string' },
};

export function parseCommandLine(argv: readonly string[], options: OptionSpec) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: OptionSpec; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new ConsoleError('INVALID_PARAMS', `${commandLineProblem(error as Error & { code?: string })} Run \`shard-console help\` for usage.`);
  }
  assertNoRepeatedValues(parsed.tokens, options);
  assertNoEmptyValues(parsed.values as Record<string, unknown>);
  return { positionals: parsed.positionals, options: parsed.values as Record<string, string | boolean | undefined> };
}

/**
 * An option given an empty value: most often a shell variable that was not set (`--profile "$P"`). Taken
 * as absent, `--profile ""` fell back to $SHARD_CONSOLE_PROFILE, another cluster than the one meant.
 */
function assertNoEmptyValues(values: Record<string, unknown>): void {
  const empty = Object.entries(values).find(([, value]) => value === '' || (Array.isArray(value) && value.includes('')));
  if (empty === undefined) return;
  throw new ConsoleError(
    'INVALID_PARAMS',
    `--${empty[0]} was given an empty value (a shell variable that is not set?). Give it a value, or leave the option out. Nothing was run.`,
  );
}

/** An option that takes one value, given twice: Node keeps the last and drops the first without a word. */
function assertNoRepeatedValues(tokens: ReadonlyArray<{ kind: string; name?: string; value?: string | undefined }>, options: OptionSpec): void {
  const seen = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const spec = (options as Record<string, { type: string; multiple?: boolean }>)[token.name];
    if (spec?.type !== 'string' || spec.multiple) continue;
    const earlier = seen.get(token.name);
    if (earlier !== undefined && earlier !== token.value) {
      throw new ConsoleError(
        'INVALID_PARAMS',
        `--${token.name} was given twice (${JSON.stringify(redactSecrets(earlier, []))} and ${JSON.stringify(redactSecrets(token.value ?? '', []))}) and takes one value. Give it once (run the command again for the other).`,
      );
    }
    seen.set(token.name, token.value ?? '');
  }
}

/** Node's parseArgs complaint said in the command line's own terms (its own words mention `-XYZ` and `'-- "--x"`). */
function commandLineProblem(error: Error & { code?: string }): string {
  const option = /'(--?[A-Za-z0-9][A-Za-z0-9-]*)/.exec(error.message)?.[1];
  if (option === undefined) return `${error.message.replace(/\s+/g, ' ').replace(/\.?$/, '.')}`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `There is no option ${option} for this command (an argument that starts with "-" goes after --, as in -- ${option}).`;
  if (/does not take an argument/.test(error.message)) return `${option} is a switch and takes no value: give ${option} alone.`;
  return `${option} needs a value: give ${option} VALUE (a value that starts with "-" as ${option}=-VALUE).`;
}

/** A whole number option within bounds, or a clear usage error. */
export function intOption(value: string | boolean | undefined, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  const min = bounds.min ?? 0;
  if (!/^\d+$/.test(value) || n < min || (bounds.max !== undefined && n > bounds.max)) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `--${name} takes a whole number${bounds.max !== undefined ? ` from ${min} to ${bounds.max}` : ` of at least ${min}`}; got "${value}".`,
    );
  }
  return n;
}

/** The website id a command takes as its first argument (ID): a whole number PostgreSQL's integer holds. */
export function websiteIdArgument(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2_147_483_647)
    throw new ConsoleError('INVALID_PARAMS', `Give the website id (ID) as a whole number from 1 to 2147483647; got "${value}".`);
  return Number(value);
}

export function numberOption(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConsoleError('INVALID_PARAMS', `--${name} takes a positive number; got "${value}".`);
  return n;
}

/**
 * Refuses options the command declares but this verb does not use: one command declares the options of
 * all its verbs, and an option given to the wrong one was ignored (`move resume JOB --to shard_3`).
 */
export function refuseOptions(options: Record<string, unknown>, names: readonly string[], what: string): void {
  const given = names.filter((name) => options[name] !== undefined);
  if (given.length === 0) return;
  const list = given.map((name) => `--${name}`).join(', ');
  throw new ConsoleError('INVALID_PARAMS', `${what} does not take ${list}: it would be ignored. Leave ${given.length === 1 ? 'it' : 'them'} out.`);
}
