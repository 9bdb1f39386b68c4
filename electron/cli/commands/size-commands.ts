import type { LargestTenantsResult, ShardSizesResult } from '../../../shared/contract.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';
import { callMethod } from '../call-method.ts';
import { intOption } from '../cli-args.ts';
import { stringOption, type CliCommand } from '../cli-command.ts';
import { renderTable, type CliIo } from '../cli-output.ts';
import { callWithProgress } from '../follow-job.ts';
import { isOrphanedTenant } from '../../../shared/orphaned-tenant.ts';

/** The stable `sizes --json` shape: the contract fields, plus context (figure, share, growth) that scripts may ignore. */
export function sizesJson(sizes: ShardSizesResult, largest: LargestTenantsResult) {
  return {
    takenAt: sizes.takenAt,
    /** Whether this look was stored for the trend, and why not (a read-only profile never stores one). */
    snapshot: { stored: sizes.snapshotTaken, skipped: sizes.snapshotSkipped },
    /** Why the tenants' subdomains and shards are missing (the primary did not answer); null when they are there. */
    websitesError: largest.websitesError,
    databases: sizes.databases.map((d) => {
      const tenants = largest.databases.find((l) => l.name === d.name);
      return {
        name: d.name,
        reachable: d.reachable,
        sizeBytes: d.sizeBytes,
        websites: d.websites,
        growthBytes: d.growth?.bytes ?? null,
        tables: d.tables.map((t) => ({
          table: t.table,
          kind: t.kind,
          heapBytes: t.heapBytes,
          indexBytes: t.indexBytes,
          toastBytes: t.toastBytes,
          rowsEstimate: t.rowsEstimate,
        })),
        tenantFigures: tenants?.figure ?? 'estimate',
        largestTenants: (tenants?.largest ?? []).map((t) => ({ id: t.id, bytes: t.bytes, rows: t.rows, share: t.share })),
        error: d.error ?? tenants?.error ?? null,
      };
    }),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(share >= 0.1 ? 0 : 1)}%`;

/** One database's size, its tables, and its largest tenants, as tables for a person. */
function printDatabaseSizes(io: CliIo, d: ShardSizesResult['databases'][number], largest: LargestTenantsResult): void {
  const growth = d.growth ? `, ${d.growth.bytes >= 0 ? '+' : ''}${formatBytes(d.growth.bytes)} since ${d.growth.sinceAt}` : '';
  io.out(`${d.name} (${d.role}): ${formatBytes(d.sizeBytes)}, ${formatCount(d.websites)} websites${growth}`);
  io.out(
    renderTable(
      ['TABLE', 'KIND', 'HEAP', 'INDEX', 'TOAST', 'TOTAL', 'ROWS (EST.)'],
      d.tables.map((t) => [
        t.table,
        t.kind,
        formatBytes(t.heapBytes),
        formatBytes(t.indexBytes),
        formatBytes(t.toastBytes),
        formatBytes(t.totalBytes),
        formatCount(t.rowsEstimate),
      ]),
      [2, 3, 4, 5, 6],
    ),
  );
  const tenants = largest.databases.find((l) => l.name === d.name);
  if (tenants?.error) io.err(`${d.name}: its largest tenants could not be estimated: ${tenants.error.message}`);
  if (tenants && tenants.largest.length > 0) {
    io.out(`\nlargest tenants on ${d.name} (${tenants.figure}; share of ${formatBytes(tenants.tenantDataBytes)} tenant data):`);
    io.out(
      renderTable(
        ['WEBSITE', 'SUBDOMAIN', 'BYTES', 'ROWS', 'SHARE'],
        tenants.largest.map((t) => [
          String(t.id),
          t.subdomain ?? (isOrphanedTenant(t, largest.websitesError === null) ? '(no website)' : '—'),
          formatBytes(t.bytes),
          formatCount(t.rows),
          percent(t.share),
        ]),
        [0, 2, 3, 4],
      ),
    );
  }
  io.out('');
}

export const sizesCommand: CliCommand = {
  name: 'sizes',
  maxArguments: 0,
  usage: 'sizes [--database NAME] [--limit N]',
  summary:
    'size per database and table (heap, index, TOAST, rows), growth, and the largest tenants (estimated); exit 1 when a database does not answer or its tenants cannot be estimated',
  options: { database: { type: 'string' }, limit: { type: 'string' } },
  run: async (ctx, { options, io }) => {
    const database = stringOption(options, 'database');
    const limit = intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 10;
    // Progress on stderr while both scans run; Ctrl-C stops them (their statements are cancelled).
    const [sizes, largest] = await callWithProgress(io, (call) =>
      Promise.all([
        callMethod(ctx, 'shards.sizes', database ? { database } : {}, call),
        callMethod(ctx, 'shards.largestTenants', database ? { database, limit } : { limit }, call),
      ]),
    );
    // A database whose largest tenants could not be estimated (a GROUP BY past the statement timeout) fails too, said below.
    const failed = sizes.databases.some((d) => !d.reachable) || largest.databases.some((l) => l.error !== null);
    if (options.json) {
      io.out(JSON.stringify(sizesJson(sizes, largest), null, 2));
      return failed ? 1 : 0;
    }
    for (const d of sizes.databases) {
      if (d.reachable) printDatabaseSizes(io, d, largest);
      else io.err(`${d.name}: ${d.error?.message ?? 'unreachable'}`);
    }
    if (largest.websitesError !== null)
      io.err(`Tenants not named: ${largest.websitesError.message} Whether any rows belong to no website is not known; run again once the primary answers.`);
    const stored = sizes.snapshotTaken ? 'one stored now' : `none stored now: ${sizes.snapshotSkipped}`;
    io.out(
      `Snapshots: at most one per database every ${sizes.snapshotIntervalMinutes} minutes (${stored}). Exact bytes of one website: shard-console tenant ID.`,
    );
    return failed ? 1 : 0;
  },
};
