import { ConsoleError } from '../../../shared/errors.ts';
import { formatBytes, formatCount, formatDuration } from '../../../shared/format.ts';
import { callMethod } from '../call-method.ts';
import { stringOption, type CliCommand } from '../cli-command.ts';
import { renderTable } from '../cli-output.ts';

export const shardsCommand: CliCommand = {
  name: 'shards',
  maxArguments: 0,
  usage: 'shards',
  summary: 'every database: role, reachable, version, size, websites; exit 1 when one is unreachable or a shard name is unknown',
  run: async (ctx, { options, io }) => {
    const overview = await callMethod(ctx, 'cluster.overview', {});
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
  },
};

export const shardCommand: CliCommand = {
  name: 'shard',
  maxArguments: 2,
  usage: "shard add NAME --url 'postgres://USER:${VAR}@HOST:PORT/DATABASE' (in single quotes: the shell must not expand ${VAR})",
  summary: 'add a shard: create its database, apply the tenant migrations, give its sequences their own id range, register it in the profile',
  options: { url: { type: 'string' } },
  run: async (ctx, { positionals, options, io }) => {
    const url = stringOption(options, 'url');
    if (positionals[0] !== 'add' || positionals[1] === undefined || url === undefined) {
      throw new ConsoleError(
        'INVALID_PARAMS',
        "Write `shard-console shard add NAME --url 'postgres://USER:${VAR}@HOST:PORT/DATABASE'` (the password as a ${VAR} reference, in single quotes so the shell passes it as written).",
      );
    }
    const result = await callMethod(ctx, 'cluster.addShard', { name: positionals[1], url });
    if (options.json) {
      io.out(JSON.stringify(result, null, 2));
      return 0;
    }
    io.out(`Added shard ${result.name} (${result.host}:${result.port}/${result.database}) to ${result.profile}.`);
    io.out(`${result.created ? 'Created the database; applied' : 'The database existed; applied'} ${result.applied.length} tenant migrations.`);
    // A database that existed may hold rows already, of websites that route elsewhere.
    if (!result.created) io.err('It may hold rows already: shard-console doctor lists any of websites that route elsewhere (misplaced).');
    io.out(
      renderTable(
        ['SEQUENCE', 'NEXT ID'],
        result.sequences.map((s) => [s.sequence, s.next]),
        [1],
      ),
    );
    return 0;
  },
};
