// First of the console's own modules, before its code allocates: see young-generation.ts.
import '../core/young-generation.ts';
import { ConsoleError, type ErrorInfo } from '../../shared/errors.ts';
import { clusterOptions, commonOptions, parseCommandLine } from './cli-args.ts';
import { assertArgumentsPrintable } from './cli-arguments-check.ts';
import type { CliCommand } from './cli-command.ts';
import { guardStreams, processIo, type CliIo } from './cli-output.ts';
export { flushProcessOutput } from './cli-output.ts';
import { openConsoleFromOptions } from './open-console-from-options.ts';
import { STOPPED_EXIT } from './follow-job.ts';
import { redactSecrets } from '../core/log/redact-secrets.ts';
import { shardCommand, shardsCommand } from './commands/cluster-commands.ts';
import { driftCommand, lintCommand } from './commands/drift-commands.ts';
import { tenantCommand, tenantsCommand } from './commands/tenant-commands.ts';
import { sizesCommand } from './commands/size-commands.ts';
import { doctorCommand } from './commands/doctor-commands.ts';
import { demoCommand, serveCommand, startCommand } from './commands/server-commands.ts';
import { migrateCommand, migrationCommand } from './commands/migration-commands.ts';
import { moveCommand, movesCommand, verifyCommand } from './commands/move-commands.ts';
import { backupCommand } from './commands/backup-commands.ts';
import { jobsCommand } from './commands/job-commands.ts';
import { queryCommand } from './commands/query-commands.ts';
import { restoreCommand, restoresCommand } from './commands/restore-commands.ts';

/** Every command, in the order `help` lists them. */
const commands: readonly CliCommand[] = [
  startCommand,
  demoCommand,
  shardsCommand,
  tenantsCommand,
  tenantCommand,
  sizesCommand,
  doctorCommand,
  moveCommand,
  movesCommand,
  verifyCommand,
  jobsCommand,
  queryCommand,
  backupCommand,
  restoreCommand,
  restoresCommand,
  migrateCommand,
  migrationCommand,
  driftCommand,
  lintCommand,
  shardCommand,
  serveCommand,
];

function usage(): string {
  return [
    'Shard Console: see, move and verify PropertyWebBuilder tenants across PostgreSQL shards.',
    '',
    'Usage: shard-console <command> [options]',
    '',
    ...commands.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Choosing the cluster (commands that talk to one):',
    '  --profile FILE                  a cluster profile (default: $SHARD_CONSOLE_PROFILE, unless --rails-config is given)',
    '  --rails-config FILE --env NAME  the databases of a Rails config/database.yml',
    '  --json                          machine-readable output; the field names are a stable contract',
    '',
    'Exit codes: 0 done, 1 failed or found a problem, 2 wrong command line, 130 stopped with Ctrl-C (a job stopped at a safe point: resume it).',
  ].join('\n');
}

/** One command's usage and summary, for `help CMD`, `CMD --help` and `CMD -h`. */
function commandHelp(command: CliCommand, io: CliIo): number {
  io.out(`Usage: shard-console ${command.usage}\n\n${command.summary}`);
  return 0;
}

export async function cliMain(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  guardStreams();
  const json = argv.includes('--json');
  try {
    assertArgumentsPrintable(argv);
    // The command is the first word that is not an option or the value of a cluster option before it
    // (`shard-console --profile p.json shards` works as well as `shard-console shards --profile p.json`).
    const valued = new Set(['--profile', '--rails-config', '--env']);
    const name = argv.find((a, i) => !a.startsWith('-') && !valued.has(argv[i - 1] ?? ''));
    const asked = name === 'help' || argv.includes('--help') || argv.includes('-h');
    if (!name && !asked) {
      // No command: a wrong command line, said where errors go (and as JSON to a --json reader).
      throw new ConsoleError('INVALID_PARAMS', `No command given. Usage:\n${usage()}`);
    }
    // `help` alone lists every command; `help CMD`, `CMD --help` and `CMD -h` tell that command's usage.
    const topic = name === 'help' ? argv.slice(argv.indexOf('help') + 1).find((a) => !a.startsWith('-')) : name;
    if (!topic) {
      io.out(usage());
      return 0;
    }
    const command = commands.find((c) => c.name === topic);
    if (!command) throw new ConsoleError('INVALID_PARAMS', `Unknown command ${JSON.stringify(topic)}. Run \`shard-console help\` for the list.`);
    if (name === 'help' || argv.includes('--help') || argv.includes('-h')) return commandHelp(command, io);
    const rest = argv.filter((_a, i) => i !== argv.indexOf(topic));
    const spec = { ...commonOptions, ...(command.run ? clusterOptions : {}), ...command.options };
    const { positionals, options } = parseCommandLine(rest, spec);
    // `-h` grouped with other short options (`-yh`) asks for help as well: the command must not run.
    if (options.help) return commandHelp(command, io);
    if (command.maxArguments !== undefined && positionals.length > command.maxArguments)
      throw new ConsoleError(
        'INVALID_PARAMS',
        `${topic} takes ${command.maxArguments === 0 ? 'no arguments' : command.maxArguments === 1 ? 'one argument' : `${command.maxArguments} arguments`}, not ${positionals.map((p) => JSON.stringify(redactSecrets(p, []).slice(0, 40))).join(' ')}. Usage: shard-console ${command.usage}`,
      );
    const invocation = { positionals, options, io };
    if (!command.run) return await command.runStandalone!(invocation);
    const ctx = await openConsoleFromOptions(options);
    try {
      return await command.run(ctx, invocation);
    } finally {
      await ctx.close();
    }
  } catch (error) {
    const info: ErrorInfo =
      error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: `Unexpected failure: ${(error as Error)?.stack ?? String(error)}` };
    if (json) io.out(JSON.stringify({ ok: false, error: info }, null, 2));
    io.err(`error [${info.code}]: ${info.message}`);
    // Stopped with Ctrl-C (the call aborted, CANCELLED): the shell's code for SIGINT, as jobs stopped exit.
    return info.code === 'INVALID_PARAMS' ? 2 : info.code === 'CANCELLED' ? STOPPED_EXIT : 1;
  }
}
