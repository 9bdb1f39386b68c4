import { ConsoleError, type ErrorInfo } from '../../shared/errors.ts';
import type { MethodName, MethodParams, MethodResult } from '../../shared/contract.ts';
import { formatBytes, formatCount, formatDuration } from '../../shared/format.ts';
import type { ConsoleContext } from '../core/console-context.ts';
import { openConsoleFromOptions } from './open-console-from-options.ts';
import { createDispatcher } from '../core/dispatch/dispatcher.ts';
import { createHandlers } from '../core/dispatch/handlers.ts';
import { intOption, parseCli, USAGE, type CliOptions } from './cli-args.ts';
import { processIo, renderTable, type CliIo } from './cli-output.ts';
import { runDemoCommand, runServeCommand, runStartCommand } from './cli-server-commands.ts';

/** Exit codes: 0 done, 1 the operation failed or found a problem, 2 the command line was wrong. */
export async function cliMain(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let json = argv.includes('--json');
  try {
    const { command, positionals, options } = parseCli(argv);
    json = options.json === true;
    if (!command || command === 'help' || options.help) {
      io.out(USAGE);
      return command || options.help ? 0 : 2;
    }
    switch (command) {
      case 'demo':
        return await runDemoCommand(options, io);
      case 'start':
        return await runStartCommand(options, io);
      case 'serve':
        return await withConsole(options, (ctx) => runServeCommand(ctx, options, io));
      case 'shards':
        return await withConsole(options, (ctx) => shardsCommand(ctx, options, io));
      case 'tenants':
        return await withConsole(options, (ctx) => tenantsCommand(ctx, options, io));
      case 'tenant':
        return await withConsole(options, (ctx) => tenantCommand(ctx, positionals, options, io));
      default:
        throw new ConsoleError('INVALID_PARAMS', `Unknown command "${command}". Run \`shard-console help\` for the list.`);
    }
  } catch (error) {
    const info: ErrorInfo =
      error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL', message: `Unexpected failure: ${(error as Error)?.stack ?? String(error)}` };
    reportError(io, info, json);
    return info.code === 'INVALID_PARAMS' ? 2 : 1;
  }
}

function reportError(io: CliIo, error: ErrorInfo, json: boolean): void {
  if (json) io.out(JSON.stringify({ ok: false, error }, null, 2));
  io.err(`error [${error.code}]: ${error.message}`);
}

async function withConsole(options: CliOptions, run: (ctx: ConsoleContext) => Promise<number>): Promise<number> {
  const ctx = await openConsoleFromOptions(options);
  try {
    return await run(ctx);
  } finally {
    await ctx.close();
  }
}

/** Every CLI command goes through the same dispatcher as IPC and HTTP: one validation, one error shape. */
async function call<M extends MethodName>(ctx: ConsoleContext, method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
  const dispatch = createDispatcher(createHandlers(ctx));
  const envelope = await dispatch(method, params);
  if (!envelope.ok) throw ConsoleError.fromInfo(envelope.error);
  return envelope.result as MethodResult<M>;
}

async function shardsCommand(ctx: ConsoleContext, options: CliOptions, io: CliIo): Promise<number> {
  const overview = await call(ctx, 'cluster.overview', {});
  const problems = overview.databases.some((d) => !d.reachable) || overview.unknownShardNames.length > 0;
  if (options.json) {
    io.out(JSON.stringify(overview, null, 2));
    return problems ? 1 : 0;
  }
  io.out(
    renderTable(
      ['DATABASE', 'ROLE', 'WHERE', 'REACHABLE', 'LATENCY', 'VERSION', 'SIZE', 'WEBSITES'],
      overview.databases.map((d) => [
        d.name,
        d.role,
        `${d.host}:${d.port}/${d.database}`,
        d.reachable ? 'yes' : 'NO',
        formatDuration(d.latencyMs),
        d.serverVersion ?? '—',
        formatBytes(d.sizeBytes),
        formatCount(d.websites),
      ]),
      [4, 6, 7],
    ),
  );
  for (const d of overview.databases) if (d.error) io.err(`${d.name}: ${d.error.message}`);
  for (const name of overview.unknownShardNames) {
    const count = overview.shards.find((s) => s.shard === name)?.websites ?? 0;
    io.err(`error: ${formatCount(count)} websites have shard_name "${name}", which no configured database carries.`);
  }
  return problems ? 1 : 0;
}

async function tenantsCommand(ctx: ConsoleContext, options: CliOptions, io: CliIo): Promise<number> {
  const sort = options.sort ?? 'id';
  if (!['id', 'subdomain', 'customDomain', 'shard'].includes(sort)) {
    throw new ConsoleError('INVALID_PARAMS', `--sort takes id, subdomain, customDomain or shard; got "${sort}".`);
  }
  const params: MethodParams<'tenants.list'> = {
    limit: intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 50,
    offset: intOption(options.offset, 'offset') ?? 0,
    sort: sort as 'id',
    direction: options.desc ? 'desc' : 'asc',
  };
  if (options.search !== undefined) params.search = options.search;
  if (options.shard !== undefined) params.shard = options.shard;
  const page = await call(ctx, 'tenants.list', params);
  if (options.json) {
    io.out(JSON.stringify(page, null, 2));
    return 0;
  }
  io.out(
    renderTable(
      ['ID', 'SUBDOMAIN', 'CUSTOM DOMAIN', 'SHARD'],
      page.items.map((t) => [String(t.id), t.subdomain ?? '—', t.customDomain ?? '—', t.configured ? t.shard : `${t.shard} (not configured!)`]),
      [0],
    ),
  );
  const first = page.items.length ? (params.offset ?? 0) + 1 : 0;
  io.out(`rows ${formatCount(first)}–${formatCount((params.offset ?? 0) + page.items.length)} of ${formatCount(page.total)}`);
  return 0;
}

async function tenantCommand(ctx: ConsoleContext, positionals: readonly string[], options: CliOptions, io: CliIo): Promise<number> {
  const id = intOption(positionals[0], 'id (the website id)', { min: 1, max: 2_147_483_647 });
  if (id === undefined) throw new ConsoleError('INVALID_PARAMS', 'Give the website id: `shard-console tenant 42`. Find it with `shard-console tenants --search NAME`.');
  const detail = await call(ctx, 'tenants.detail', { id });
  if (options.json) {
    io.out(JSON.stringify(detail, null, 2));
    return 0;
  }
  io.out(`website ${detail.id} ${detail.subdomain ?? ''}${detail.customDomain ? ` (${detail.customDomain})` : ''}`);
  io.out(`shard ${detail.shard} on database ${detail.database}: ${formatCount(detail.totalRows)} rows, ${formatBytes(detail.totalBytes)}\n`);
  io.out(
    renderTable(
      ['TABLE', 'ROWS', 'BYTES', 'VIA'],
      detail.tables.map((t) => [t.table, formatCount(t.rows), formatBytes(t.bytes), t.via]),
      [1, 2],
    ),
  );
  return 0;
}

