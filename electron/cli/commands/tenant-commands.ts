import type { MethodParams } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';
import { callMethod } from '../call-method.ts';
import { intOption, websiteIdArgument } from '../cli-args.ts';
import { stringOption, type CliCommand } from '../cli-command.ts';
import { renderTable } from '../cli-output.ts';

const sorts = ['id', 'subdomain', 'customDomain', 'shard'] as const;

export const tenantsCommand: CliCommand = {
  name: 'tenants',
  maxArguments: 0,
  usage: 'tenants [--search S] [--shard NAME] [--limit N] [--offset N] [--sort id|subdomain|customDomain|shard] [--desc]',
  summary: 'websites with their shard, paged',
  options: {
    search: { type: 'string' },
    shard: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    sort: { type: 'string' },
    desc: { type: 'boolean' },
  },
  run: async (ctx, { options, io }) => {
    const sort = stringOption(options, 'sort') ?? 'id';
    if (!(sorts as readonly string[]).includes(sort)) throw new ConsoleError('INVALID_PARAMS', `--sort takes ${sorts.join(', ')}; got "${sort}".`);
    const offset = intOption(options.offset, 'offset', { min: 0, max: 10_000_000 }) ?? 0;
    const params: MethodParams<'tenants.list'> = {
      limit: intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 50,
      offset,
      sort: sort as (typeof sorts)[number],
      direction: options.desc ? 'desc' : 'asc',
    };
    const search = stringOption(options, 'search');
    const shard = stringOption(options, 'shard');
    if (search !== undefined) params.search = search;
    if (shard !== undefined) params.shard = shard;
    const page = await callMethod(ctx, 'tenants.list', params);
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
    const first = page.items.length ? offset + 1 : 0;
    io.out(`rows ${formatCount(first)}–${formatCount(offset + page.items.length)} of ${formatCount(page.total)}`);
    return 0;
  },
};

export const tenantCommand: CliCommand = {
  name: 'tenant',
  maxArguments: 1,
  usage: 'tenant ID',
  summary: 'rows and bytes per tenant table of one website, on the database that holds it',
  run: async (ctx, { positionals, options, io }) => {
    const id = websiteIdArgument(positionals[0]);
    if (id === undefined)
      throw new ConsoleError('INVALID_PARAMS', 'Give the website id: `shard-console tenant 42`. Find it with `shard-console tenants --search NAME`.');
    const detail = await callMethod(ctx, 'tenants.detail', { id });
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
  },
};
