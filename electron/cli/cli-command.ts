import type { ParseArgsConfig } from 'node:util';
import type { ConsoleContext } from '../core/console-context.ts';
import type { CliIo } from './cli-output.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CliInvocation {
  readonly positionals: readonly string[];
  readonly options: OptionValues;
  readonly io: CliIo;
}

/**
 * One CLI command. Domain folders add theirs to `commands/` and the registry; `cli-main` parses the
 * options each declares plus the common ones, and opens the cluster for commands that need it.
 */
export interface CliCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly options?: OptionSpec;
  /** The most arguments (besides options) the command takes, when fixed: more is a wrong command line, not ignored. */
  readonly maxArguments?: number;
  /** With a console: `--profile` / `--rails-config` are accepted and the cluster is opened first. */
  readonly run: ((ctx: ConsoleContext, invocation: CliInvocation) => Promise<number>) | null;
  /** Without a console (demo, start, help-like commands). */
  readonly runStandalone?: (invocation: CliInvocation) => Promise<number>;
}

export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}
