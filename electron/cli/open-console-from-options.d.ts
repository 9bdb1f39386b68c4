import { type ConsoleContext } from '../core/console-context.ts';
import type { CliOptions } from './cli-args.ts';
/** `--profile`, `$SHARD_CONSOLE_PROFILE` or `--rails-config/--env`, loaded and opened. */
export declare function openConsoleFromOptions(options: CliOptions): Promise<ConsoleContext>;
