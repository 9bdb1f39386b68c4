import type { ConsoleContext } from '../core/console-context.ts';
import { type CliOptions } from './cli-args.ts';
import type { CliIo } from './cli-output.ts';
export declare const RENDERER_DIR: string;
export declare function runDemoCommand(options: CliOptions, io: CliIo): Promise<number>;
export declare function runServeCommand(ctx: ConsoleContext, options: CliOptions, io: CliIo): Promise<number>;
/** `npm start`: the desktop app where Electron is installed, browser mode otherwise; the demo cluster when no profile is given. */
export declare function runStartCommand(options: CliOptions, io: CliIo): Promise<number>;
