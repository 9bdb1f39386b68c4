import { cliMain, flushProcessOutput } from '../../electron/cli/cli-main.ts';

/*
 * The CLI, and on stderr at the end one JSON line with this process's peak RSS. The restore bench
 * bundles this file and runs it in plain Node (as the bundled CLI runs), so the peak RSS is the
 * console's and the runtime's, not a TypeScript loader's.
 */

const code = await cliMain(process.argv.slice(2));
await flushProcessOutput();
process.stderr.write(`\n${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
process.exit(code);
