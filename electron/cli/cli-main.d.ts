import { type CliIo } from './cli-output.ts';
/** Exit codes: 0 done, 1 the operation failed or found a problem, 2 the command line was wrong. */
export declare function cliMain(argv: readonly string[], io?: CliIo): Promise<number>;
