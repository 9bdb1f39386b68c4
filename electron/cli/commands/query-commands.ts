import { readFile } from 'node:fs/promises';
import type { QueryTargetParam } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { shownRowsAsText } from '../../../shared/query-result-text.ts';
import { formatCount } from '../../../shared/format.ts';
import { callMethod } from '../call-method.ts';
import { intOption } from '../cli-args.ts';
import { stringOption, type CliCommand, type CliInvocation, type OptionValues } from '../cli-command.ts';
import { renderTable } from '../cli-output.ts';
import { withInterrupt } from '../follow-job.ts';

const USAGE = 'query SQL|--file F [--database NAME]... [--shards] [--website ID] [--limit N] [--timeout S] [--json|--csv]';

function usageError(detail: string): ConsoleError {
  return new ConsoleError('INVALID_PARAMS', `${detail} Usage: shard-console ${USAGE}`);
}

/** Where the statement runs: every database, the shards, the named ones, or one website's. */
function targetOf(options: OptionValues): QueryTargetParam {
  const databases = (options.database as unknown as string[] | undefined) ?? [];
  const website = intOption(options.website, 'website', { min: 1, max: 2_147_483_647 });
  const chosen = [databases.length > 0, options.shards === true, website !== undefined].filter(Boolean).length;
  if (chosen > 1) throw usageError('Choose one target: --database NAME (repeatable), --shards or --website ID.');
  if (website !== undefined) return { kind: 'website', id: website };
  if (options.shards === true) return { kind: 'shards' };
  if (databases.length > 0) return { kind: 'databases', names: databases };
  return { kind: 'all' };
}

async function statementOf({ positionals, options }: CliInvocation): Promise<string> {
  const file = stringOption(options, 'file');
  if (file !== undefined && positionals.length > 0) throw usageError('Give the statement or --file, not both.');
  if (file !== undefined)
    return readFile(file, 'utf8').catch((error: Error) => Promise.reject(usageError(`--file ${file} cannot be read (${error.message}).`)));
  if (positionals.length !== 1 || positionals[0]!.trim() === '') throw usageError('Give one statement (quote it), or --file F.');
  return positionals[0]!;
}

/**
 * `shard-console query`: one read-only statement on every database at once. Rows come back with the
 * database they came from; a database that fails is reported beside the others' rows (exit 1), and
 * Ctrl-C cancels the statement everywhere.
 */
export const queryCommand: CliCommand = {
  name: 'query',
  usage: USAGE,
  summary:
    "run one read-only statement on every database (or the shards, chosen ones, one website's) in a READ ONLY transaction; rows with their database; exit 1 when a database failed",
  options: {
    file: { type: 'string' },
    database: { type: 'string', multiple: true },
    shards: { type: 'boolean' },
    website: { type: 'string' },
    limit: { type: 'string' },
    timeout: { type: 'string' },
    csv: { type: 'boolean' },
  },
  run: async (ctx, invocation) => {
    const { options, io } = invocation;
    if (options.json && options.csv) throw usageError('Choose --json or --csv.');
    const sql = await statementOf(invocation);
    const limit = intOption(options.limit, 'limit', { min: 1, max: 100_000 }) ?? 1000;
    const timeoutSeconds = intOption(options.timeout, 'timeout', { min: 1, max: 86_400 });
    const controller = new AbortController();
    const result = await withInterrupt(
      io,
      () => controller.abort(),
      () =>
        callMethod(
          ctx,
          'query.run',
          { sql, target: targetOf(options), limit, session: `cli-${process.pid}`, ...(timeoutSeconds ? { timeoutSeconds } : {}) },
          { signal: controller.signal },
        ),
    );
    await callMethod(ctx, 'query.close', { session: `cli-${process.pid}` }).catch(() => {});
    const failed = result.databases.filter((d) => d.error !== null);
    if (options.json) io.out(JSON.stringify({ columns: result.columns, rows: result.rows, databases: result.databases }, null, 2));
    else if (options.csv) io.out(shownRowsAsText('csv', result.columns, result.rows));
    else {
      io.out(
        renderTable(
          ['database', ...result.columns.map((c) => c.name)],
          result.rows.map((r) => [r.database, ...r.values.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v)))]),
        ),
      );
      io.out(
        `\n${result.databases.map((d) => `${d.name}: ${formatCount(d.rows)} rows${d.truncated ? ' (more: raise --limit)' : ''}, ${Math.round(d.ms)} ms`).join('; ')}`,
      );
    }
    for (const d of failed) io.err(`${d.name}: ${d.error!.sqlstate ? `[${d.error!.sqlstate}] ` : ''}${d.error!.message}`);
    return failed.length > 0 ? 1 : 0;
  },
};
