import type { ErrorInfo } from '../../../../shared/errors.ts';
import { decodeCopyRow } from './copy-fields.ts';
import { runCounter } from './inspect-archive.ts';
import type { CountOptions } from './inspect-archive.ts';
import type { PgDumpArchive } from './pg-dump-archive.ts';
import type { AttributedRowHook, TenantRowCounter } from './tenant-row-counter.ts';

export interface WebsiteTableRows {
  readonly table: string;
  readonly rows: number;
  /** The COPY column order of `sample`'s rows. */
  readonly columns: readonly string[];
  /** The first rows (up to `sampleRows`), decoded; empty when no sample was asked for. */
  readonly sample: ReadonlyArray<ReadonlyArray<string | null>>;
  /** Why fewer rows were sampled than asked for and than there are, if so. */
  readonly sampleNote: string | null;
}

export interface WebsiteRows {
  readonly websiteId: string;
  readonly complete: boolean;
  readonly error: ErrorInfo | null;
  readonly rows: number;
  /** Every tenant table with rows of this website, FK-chain tables included. */
  readonly tables: readonly WebsiteTableRows[];
}

/**
 * One website's rows in an archive: exact counts per tenant table and, with `sampleRows`, its first rows
 * of each decoded. Reads the whole archive once, like inspectArchive (a chain table's rows are found
 * through their parents). Through a pipe, a chain table that comes before its parent is counted but not
 * sampled: keeping its rows until the parent arrives could need unbounded memory.
 */
export async function websiteRows(archive: PgDumpArchive, websiteId: string, options: CountOptions & { sampleRows?: number } = {}): Promise<WebsiteRows> {
  const limit = options.sampleRows ?? 0;
  const samples = new Map<number, Array<Array<string | null>>>();
  const encoding = archive.textEncoding;
  let target = -1;
  const hook: AttributedRowHook | null =
    limit > 0
      ? (table, website, buf, start, end) => {
          if (website !== target || website < 0) return;
          let sample = samples.get(table.index);
          if (!sample) samples.set(table.index, (sample = []));
          if (sample.length < limit) sample.push(decodeCopyRow(buf.subarray(start, end), encoding));
        }
      : null;
  // Samples need parents first: a piped archive on disk is worth a scan for its offsets then.
  const prepare = (c: TenantRowCounter) => {
    target = c.registerWebsite(websiteId);
  };
  const { counter, error } = await runCounter(archive, options, hook, prepare, limit > 0);
  const perTable = target >= 0 ? counter.websiteRows(target) : undefined;
  const tables: WebsiteTableRows[] = [];
  for (const t of counter.tables) {
    const rows = perTable?.[t.index] ?? 0;
    if (rows === 0 || !t.tenant) continue;
    const sample = samples.get(t.index) ?? [];
    const unsampled = limit > 0 && sample.length < Math.min(limit, rows);
    tables.push({
      table: t.name,
      rows,
      columns: t.entries[0]?.columns ?? [],
      sample,
      sampleNote: unsampled ? 'read before its parent table (this archive can only be read in order): counted, not sampled' : null,
    });
  }
  tables.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
  return { websiteId, complete: error === null, error: error?.toInfo() ?? null, rows: tables.reduce((n, t) => n + t.rows, 0), tables };
}
