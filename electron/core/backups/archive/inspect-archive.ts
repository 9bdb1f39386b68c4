import type { ErrorInfo } from '../../../../shared/errors.ts';
import { ConsoleError } from '../../../../shared/errors.ts';
import type { ClassifyOptions } from '../../catalog/tenant-tables.ts';
import type { NotReadEntry } from './data-entries.ts';
import type { ArchiveProgressHandler, PgDumpArchive } from './pg-dump-archive.ts';
import { TenantRowCounter } from './tenant-row-counter.ts';
import type { AttributedRowHook, TableTally } from './tenant-row-counter.ts';
import { throttleProgress } from './throttle-progress.ts';

/** The profile's defaults: PWB's tenant key columns and control-plane tables. */
export const DEFAULT_TENANT_KEYS: readonly string[] = ['website_id', 'pwb_website_id'];
export const DEFAULT_GLOBAL_TABLES: readonly string[] = [
  'pwb_websites',
  'pwb_users',
  'pwb_user_memberships',
  'pwb_subscriptions',
  'pwb_agencies',
  'pwb_addresses',
];

export interface CountOptions {
  readonly tenantKeys?: readonly string[];
  readonly globalTables?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: ArchiveProgressHandler;
}

/** `complete`: every row read; `partial`: reading stopped inside it; `not reached`: reading stopped before it. */
export type TableCountStatus = 'complete' | 'partial' | 'not reached';

export interface TableRowCount {
  readonly table: string;
  readonly rows: number;
  readonly tenant: boolean;
  readonly status: TableCountStatus;
  /** Tenant rows that belong to no website: a NULL tenant key or foreign key, or a parent row missing from the archive. */
  readonly rowsWithoutWebsite: number;
  /** Tenant rows counted but not yet attributed when reading stopped (a pipe gave them before their parent). */
  readonly rowsNotAttributed: number;
}

export interface WebsiteRowCount {
  readonly websiteId: string;
  readonly rows: number;
  /** Rows per tenant table, FK-chain tables included; tables without rows of this website are left out. */
  readonly tables: Readonly<Record<string, number>>;
}

export interface ArchiveInspection {
  /** False when reading stopped at damage: the counts are the rows read before it, and `error` says where. */
  readonly complete: boolean;
  readonly error: ErrorInfo | null;
  readonly tables: readonly TableRowCount[];
  readonly websites: readonly WebsiteRowCount[];
  readonly notRead: readonly NotReadEntry[];
  readonly tenantTables: readonly string[];
  readonly globalTables: readonly string[];
  readonly unscopedTables: readonly string[];
}

/**
 * Exact row counts of an opened archive: per table, and per website across every tenant table (FK-chain
 * tables included), classified by the same rules as the live catalog. Damage does not throw the counts
 * away; an abort does throw.
 */
export async function inspectArchive(archive: PgDumpArchive, options: CountOptions = {}): Promise<ArchiveInspection> {
  const { counter, error } = await runCounter(archive, options, null);
  return {
    complete: error === null,
    error: error?.toInfo() ?? null,
    tables: counter.tables.map(tableCount).sort((a, b) => compareText(a.table, b.table)),
    websites: websiteCounts(counter),
    notRead: archive.notRead,
    tenantTables: [...counter.classification.tenantTables.keys()].sort(compareText),
    globalTables: counter.classification.globalTables,
    unscopedTables: counter.classification.unscopedTables,
  };
}

/** Runs the counter to the end or to damage; abort (and errors that are not about the archive) propagate. */
export async function runCounter(
  archive: PgDumpArchive,
  options: CountOptions,
  hook: AttributedRowHook | null,
  prepare?: (counter: TenantRowCounter) => void,
  parentsFirst = false,
): Promise<{ counter: TenantRowCounter; error: ConsoleError | null }> {
  const profile: ClassifyOptions = { tenantKeys: options.tenantKeys ?? DEFAULT_TENANT_KEYS, globalTables: options.globalTables ?? DEFAULT_GLOBAL_TABLES };
  const counter = new TenantRowCounter(archive, profile, hook);
  prepare?.(counter);
  const report = options.onProgress ? throttleProgress(options.onProgress) : null;
  const onChunk = report ? () => report({ phase: 'counting rows', done: archive.bytesRead, total: archive.totalBytes, unit: 'bytes' }) : undefined;
  let error: ConsoleError | null = null;
  try {
    await counter.run({ ...(options.signal ? { signal: options.signal } : {}), ...(onChunk ? { onChunk } : {}), parentsFirst });
  } catch (caught) {
    if (options.signal?.aborted || !(caught instanceof ConsoleError) || caught.code !== 'ARCHIVE_UNREADABLE') throw caught;
    error = caught;
  }
  error ??= archive.damage;
  report?.flush();
  return { counter, error };
}

function tableCount(t: TableTally): TableRowCount {
  const status: TableCountStatus = t.interrupted
    ? 'partial'
    : t.entriesRead === t.entries.length
      ? 'complete'
      : t.entriesRead > 0 || t.rows > 0
        ? 'partial'
        : 'not reached';
  return { table: t.name, rows: t.rows, tenant: t.tenant !== null, status, rowsWithoutWebsite: t.rowsWithoutWebsite, rowsNotAttributed: t.rowsWaiting };
}

function websiteCounts(counter: TenantRowCounter): WebsiteRowCount[] {
  const websites = counter.websiteKeys.map((websiteId, w) => {
    const perTable = counter.websiteRows(w);
    const tables: Record<string, number> = {};
    let rows = 0;
    for (const t of counter.tables) {
      const n = perTable[t.index]!;
      if (n > 0) tables[t.name] = n;
      rows += n;
    }
    return { websiteId, rows, tables };
  });
  return websites.sort((a, b) => compareWebsiteIds(a.websiteId, b.websiteId));
}

/** Numeric ids in numeric order, others as text. */
export function compareWebsiteIds(a: string, b: string): number {
  const numeric = /^-?\d+$/;
  if (numeric.test(a) && numeric.test(b)) return a.length !== b.length ? a.length - b.length : compareText(a, b);
  return compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
