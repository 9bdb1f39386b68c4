import { InFlightBytes } from './oversized-rows.ts';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { ConsoleError, errorCodes, type ErrorCode } from '../../../shared/errors.ts';
import type { CallContext } from '../call-context.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { AtomicFileWriter } from './atomic-file.ts';
import { ColumnUnion } from './column-union.ts';
import { DatabaseCursor, EXPORT_FETCH_MAX_BYTES } from './database-cursor.ts';
import { describeQueryError } from './describe-query-error.ts';
import type { QueryEngine } from './query-engine.ts';
import { readOnlySettings } from './query-settings.ts';
import type { QueryColumn, QueryDatabaseOutcome, QueryTarget } from './query-types.ts';
import type { ReadOnlySettings } from './read-only-session.ts';
import { resolveQueryTargets } from './resolve-query-targets.ts';
import { resultTextFormat, type ExportFormat, type ResultTextFormat } from '../../../shared/query-result-text.ts';
import { guardStatement } from './sql-statement-guard.ts';

export interface ExportRequest {
  readonly sql: string;
  readonly target: QueryTarget;
  readonly file: string;
  readonly format: ExportFormat;
  readonly timeoutSeconds?: number;
  /** Replace a file already there (the operator said so); otherwise it is refused and left as it was. */
  readonly overwrite?: boolean;
}

/** Progress, per database, after each page written. */
export interface ExportProgressEvent {
  readonly type: 'progress';
  readonly database: string;
  readonly rowsWritten: number;
}

export interface ExportResult {
  readonly file: string;
  readonly format: ExportFormat;
  readonly bytes: number;
  readonly columns: readonly QueryColumn[];
  readonly databases: readonly QueryDatabaseOutcome[];
}

/** Rows per FETCH while exporting: a few hundred kilobytes per database in memory at a time. */
const EXPORT_PAGE_ROWS = 1000;

/**
 * Every row of every database of the target, no cap, streamed to `file` page by page: each database's
 * cursor is read only as fast as the file takes the rows (backpressure), so memory holds one page per
 * database, never the result. The file appears only when every database gave all its rows (written to a
 * temporary file beside it, renamed at the end): the export promises every row, so a database that fails
 * fails the export, its error names the database, the others' statements are cancelled, and no partial
 * file is left, as after a cancel. Columns are the union (see ColumnUnion) in the target's database order;
 * rows of different databases interleave by page.
 */
/** The file names an export may write: the format's extension, never a hidden file (a shell's start-up file, say). */
const EXTENSIONS: Readonly<Record<ExportRequest['format'], readonly string[]>> = { csv: ['.csv'], json: ['.json'], ndjson: ['.ndjson', '.jsonl'] };

function assertExportName(file: string, format: ExportRequest['format']): void {
  const name = path.basename(file);
  const extensions = EXTENSIONS[format];
  if (!name.startsWith('.') && extensions.some((e) => name.toLowerCase().endsWith(e) && name.length > e.length)) return;
  throw new ConsoleError(
    'INVALID_PARAMS',
    `An export is written only to a file named *${extensions.join(' or *')}, never a hidden one, and "${name.slice(0, 80)}" is not: nothing was written. Pick a name like query-export${extensions[0]}.`,
    { target: file },
  );
}

export async function exportQueryToFile(engine: QueryEngine, call: CallContext<ExportProgressEvent>, request: ExportRequest): Promise<ExportResult> {
  assertExportName(request.file, request.format);
  const statement = guardStatement(request.sql);
  const settings = readOnlySettings(engine.ctx.profile, { timeoutSeconds: request.timeoutSeconds, keepOpenMs: engine.keepOpenMs, cursorTupleFraction: 1 });
  const plan = await resolveQueryTargets(engine.ctx, request.target, statement);
  await engine.openRuns.makeRoom(plan.databases.map((d) => d.name));
  call.signal.throwIfAborted();
  const replace = request.overwrite === true;
  if (!replace) await refuseExisting(request.file);
  const stop = new AbortController();
  const onAbort = () => stop.abort(call.signal.reason);
  call.signal.addEventListener('abort', onAbort, { once: true });
  const writer = await AtomicFileWriter.open(request.file).catch((error: unknown) => {
    call.signal.removeEventListener('abort', onAbort);
    throw fileError(request.file, error, 'open');
  });
  const cursors: DatabaseCursor[] = [];
  let committed = false;
  try {
    // Each cursor is kept as soon as it opens, so one that opened before another failed is closed too.
    const open = async (target: DatabaseTarget) => {
      const cursor = await openOrStop(engine, target, { statement, values: plan.values, settings, stop });
      cursors.push(cursor);
      return cursor;
    };
    const opened = await settleAll(plan.databases.map(open), stop);
    const union = new ColumnUnion();
    for (const cursor of opened) union.add(cursor.target.name, cursor.columns);
    const format = resultTextFormat(request.format);
    await writer.write(format.header(union.columns));
    const started = performance.now();
    // What the databases' pages in flight may come to at once, each page given back once written.
    const inFlight = new InFlightBytes(EXPORT_FETCH_MAX_BYTES);
    const outcomes = await settleAll(
      opened.map((cursor) => exportDatabase({ cursor, union, format, writer, settings, stop, call, started, inFlight })),
      stop,
    );
    await writer.write(format.footer(outcomes));
    await writer.commit({ replace }).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? fileExists(request.file) : error;
    });
    committed = true;
    return { file: writer.file, format: request.format, bytes: writer.bytes, columns: union.columns, databases: outcomes };
  } catch (error) {
    throw call.signal.aborted ? call.signal.reason : error;
  } finally {
    call.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(cursors.map((c) => c.close()));
    if (!committed) await writer.discard();
  }
}

/** Every promise's value; the first failure stops the others (their statements are cancelled) and is thrown once all have settled. */
async function settleAll<T>(tasks: readonly Promise<T>[], stop: AbortController): Promise<T[]> {
  const failed = (error: unknown) => {
    if (!stop.signal.aborted) stop.abort(error);
    throw error;
  };
  const settled = await Promise.allSettled(tasks.map((t) => t.catch(failed)));
  if (stop.signal.aborted) throw stop.signal.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

async function openOrStop(
  engine: QueryEngine,
  target: DatabaseTarget,
  p: { statement: ReturnType<typeof guardStatement>; values: readonly unknown[]; settings: ReadOnlySettings; stop: AbortController },
): Promise<DatabaseCursor> {
  try {
    return await DatabaseCursor.open(engine.pools.pool(target), target, p.statement, p.values, {
      settings: p.settings,
      typeNames: engine.typeNames,
      signal: p.stop.signal,
    });
  } catch (error) {
    throw p.stop.signal.aborted ? p.stop.signal.reason : exportError(target, error, p.settings);
  }
}

interface DatabaseExport {
  readonly cursor: DatabaseCursor;
  readonly union: ColumnUnion;
  readonly format: ResultTextFormat;
  readonly writer: AtomicFileWriter;
  readonly settings: ReadOnlySettings;
  readonly stop: AbortController;
  readonly call: CallContext<ExportProgressEvent>;
  readonly started: number;
  readonly inFlight: InFlightBytes;
}

async function exportDatabase(p: DatabaseExport): Promise<QueryDatabaseOutcome> {
  const name = p.cursor.target.name;
  let written = 0;
  try {
    await p.cursor.read(Number.POSITIVE_INFINITY, {
      pages: () => EXPORT_PAGE_ROWS,
      fetchMaxBytes: EXPORT_FETCH_MAX_BYTES,
      inFlight: p.inFlight,
      signal: p.stop.signal,
      onRows: async (page) => {
        const text = p.format.rows(page.map((values) => ({ database: name, values: p.union.place(name, values) })));
        await p.writer.write(text).catch((error: unknown) => {
          throw fileError(p.writer.file, error, 'write');
        });
        written += page.length;
        p.call.emit({ type: 'progress', database: name, rowsWritten: written });
      },
    });
  } catch (error) {
    throw p.stop.signal.aborted ? p.stop.signal.reason : exportError(p.cursor.target, error, p.settings);
  }
  return { name, rows: written, truncated: false, ms: Math.round(performance.now() - p.started), error: null };
}

/** A file already at the path: refused before any statement is sent, unless the operator asked to replace it. */
async function refuseExisting(file: string): Promise<void> {
  const found = await lstat(file).catch(() => null);
  if (found !== null) throw fileExists(file);
}

function fileExists(file: string): ConsoleError {
  return new ConsoleError(
    'INVALID_PARAMS',
    `${path.resolve(file)} already exists, so nothing was written. Pick another path, or ask to replace it ("Replace a file already there" in the export dialog; overwrite: true over the bridge).`,
    { target: file },
  );
}

/** The file could not be created (a missing folder, no permission: choose another) or written (a full disk). */
function fileError(file: string, error: unknown, step: 'open' | 'write'): ConsoleError {
  if (error instanceof ConsoleError) return error;
  const reason = (error as Error)?.message ?? String(error);
  if (step === 'open')
    return new ConsoleError('INVALID_PARAMS', `Cannot create ${file}: ${reason}. Choose a file in a folder that exists and that you may write to.`, {
      target: file,
      cause: error,
    });
  return new ConsoleError('INTERNAL', `Writing ${file} failed: ${reason}. Check the disk's free space; no file was left behind.`, {
    target: file,
    cause: error,
  });
}

/** A database's failure as the export's error: its code, its sentence, and that no file was written. */
function exportError(target: DatabaseTarget, error: unknown, settings: ReadOnlySettings): ConsoleError {
  if (error instanceof ConsoleError) return error;
  const described = describeQueryError(target, error, settings.statementTimeoutMs);
  const code: ErrorCode = (errorCodes as readonly string[]).includes(described.code) ? (described.code as ErrorCode) : 'DATABASE_ERROR';
  return new ConsoleError(code, `${described.message} The export stopped and wrote no file: it holds every row of every database or nothing.`, {
    target: target.name,
    details: { sqlstate: described.sqlstate },
    cause: error,
  });
}
