import { ByteKeyTable } from '../backups/archive/byte-key-table.ts';
import { findCopyField, type FieldRange } from '../backups/archive/copy-fields.ts';
import type { DataEntry } from '../backups/archive/data-entries.ts';
import { PACKED_KEY_BYTES, packCopyKey } from '../backups/archive/pack-copy-key.ts';
import type { PgDumpArchive } from '../backups/archive/pg-dump-archive.ts';
import type { RestoreTable } from './restore-tables.ts';

/** What a table keeps for its children: the keys (these columns) of the website's rows, packed. */
interface ParentKeys {
  readonly table: string;
  readonly columns: readonly string[];
  keys: ByteKeyTable | null;
}

/** Kept lines and the archive entry they came from (a partitioned table has several). */
export interface KeptBatch {
  readonly entry: DataEntry;
  readonly lines: Buffer[];
}

/**
 * One website's rows of an archive, table by table, as raw COPY lines. A table carrying the tenant key
 * keeps the lines whose key field is the website's id; an FK-chain table (listings, photos, ticket
 * messages) keeps the lines whose chain column is among the keys of the website's rows of its parent,
 * collected while the parent's lines went by. Fields compare as COPY printed them: the child's foreign
 * key and the parent's key print alike (same type output, or integers of two widths).
 *
 * Memory: the parent keys of the one website, packed (see ByteKeyTable: 16 bytes an integer key, 32 a
 * uuid, plus slots), for as long as this reader lives: about 7 MB for a website of 200,000 properties.
 */
export class WebsiteLines {
  readonly #archive: PgDumpArchive;
  readonly #byName: Map<string, RestoreTable>;
  readonly #website: Buffer;
  readonly #parents = new Map<string, ParentKeys>();
  readonly #key = Buffer.allocUnsafe(PACKED_KEY_BYTES);
  readonly #range: FieldRange = { start: 0, end: 0 };

  /** `expectedRows`: the website's rows per table when known (the plan's), so key maps start at their size. */
  readonly #expected: ReadonlyMap<string, number>;

  constructor(archive: PgDumpArchive, tables: readonly RestoreTable[], websiteId: number, expectedRows: ReadonlyMap<string, number> = new Map()) {
    this.#expected = expectedRows;
    this.#archive = archive;
    this.#byName = new Map(tables.map((t) => [t.name, t]));
    this.#website = Buffer.from(String(websiteId), 'latin1');
    for (const t of tables) {
      const step = t.scoped.tenant.chain[0];
      if (step) this.#parents.set(parentKey(step.refTable, step.refColumns), { table: step.refTable, columns: step.refColumns, keys: null });
    }
  }

  /** A chain table's parent keys (read first, for its keys only, unless they were already); the keys this table gives its children, reset. */
  async #prepare(t: RestoreTable, signal?: AbortSignal): Promise<{ parent: ParentKeys | null; provides: ParentKeys[] }> {
    const step = t.scoped.tenant.chain[0];
    const parent = step ? this.#parents.get(parentKey(step.refTable, step.refColumns))! : null;
    if (parent && parent.keys === null) await this.#collect(parent, signal);
    const provides = [...this.#parents.values()].filter((p) => p.table === t.name);
    for (const p of provides) p.keys = new ByteKeyTable(Math.max(4096, this.#expected.get(t.name) ?? 0));
    return { parent, provides };
  }

  /** Whether a row (a range of a buffer) is the website's; the website's rows leave their keys for the children. */
  #websiteRowFilter(
    t: RestoreTable,
    entry: DataEntry,
    parent: ParentKeys | null,
    provides: readonly ParentKeys[],
  ): (buf: Buffer, start: number, end: number) => boolean {
    const keep = this.#keeper(t, entry, parent);
    const collect = provides.map((p) => ({ keys: p.keys!, fields: p.columns.map((c) => entry.columns.indexOf(c)) }));
    return (buf, start, end) => {
      if (!keep(buf, start, end)) return false;
      for (const c of collect) {
        const length = packCopyKey(buf, start, end, c.fields, this.#key, this.#range);
        if (length > 0) c.keys.intern(this.#key, length, 0);
      }
      return true;
    };
  }

  /**
   * The website's lines of one table, entry after entry, in batches (the kept lines of one decompressed
   * piece, never two entries in one): rows are looked at where the reader splits them, and only the kept
   * ones become Buffers; a batch costs one promise where a line each would cost hundreds. Pulled: the
   * archive is read only as fast as the batches are taken.
   */
  async *batches(t: RestoreTable, signal?: AbortSignal): AsyncGenerator<KeptBatch> {
    const { parent, provides } = await this.#prepare(t, signal);
    for (const entry of t.entries) {
      const isWebsiteRow = this.#websiteRowFilter(t, entry, parent, provides);
      let lines: Buffer[] = [];
      const onRow = (buf: Buffer, start: number, end: number) => {
        if (isWebsiteRow(buf, start, end)) lines.push(buf.subarray(start, end));
      };
      for await (const _ of this.#archive.rowsByPiece(entry, onRow, signal ? { signal } : {})) {
        if (lines.length === 0) continue;
        yield { entry, lines };
        lines = [];
      }
      if (lines.length) yield { entry, lines };
    }
  }

  /**
   * The website's rows of one table as COPY input, entry after entry: the rows a decompressed piece
   * kept, copied out into one Buffer, each ended by a newline (runs of adjacent rows in one copy). No
   * row becomes an object and the piece is let go as soon as its rows went by, so it dies young instead
   * of waiting, referenced by lines in a queue, for a full collection (see young-generation.ts). `onRow`
   * sees each kept row where it lies, before it is copied. For entries whose columns are the table's,
   * in its order: the COPY's column list.
   */
  async *text(t: RestoreTable, onRow: (entry: DataEntry, buf: Buffer, start: number, end: number) => void, signal?: AbortSignal): AsyncGenerator<Buffer> {
    const { parent, provides } = await this.#prepare(t, signal);
    const kept = new KeptRuns();
    for (const entry of t.entries) {
      const isWebsiteRow = this.#websiteRowFilter(t, entry, parent, provides);
      const take = (buf: Buffer, start: number, end: number) => {
        if (!isWebsiteRow(buf, start, end)) return;
        onRow(entry, buf, start, end);
        kept.add(buf, start, end);
      };
      for await (const _ of this.#archive.rowsByPiece(entry, take, signal ? { signal } : {})) {
        if (kept.bytes > 0) yield kept.take();
      }
      if (kept.bytes > 0) yield kept.take();
    }
  }

  /**
   * The same rows handed to `onRow` as they are split (a range of the decompressed piece, nothing
   * allocated per row), as fast as the archive reads: for work that keeps nothing of them.
   */
  async scan(t: RestoreTable, onRow: (entry: DataEntry, buf: Buffer, start: number, end: number) => void, signal?: AbortSignal): Promise<void> {
    const { parent, provides } = await this.#prepare(t, signal);
    for (const entry of t.entries) {
      const isWebsiteRow = this.#websiteRowFilter(t, entry, parent, provides);
      await this.#archive.scanRows(
        entry,
        (buf, start, end) => {
          if (isWebsiteRow(buf, start, end)) onRow(entry, buf, start, end);
        },
        signal ? { signal } : {},
      );
    }
  }

  async #collect(parent: ParentKeys, signal?: AbortSignal): Promise<void> {
    const table = this.#byName.get(parent.table);
    if (!table) {
      parent.keys = new ByteKeyTable(16);
      return;
    }
    // Only the keys the rows leave behind are wanted.
    await this.scan(table, () => {}, signal);
  }

  #keeper(t: RestoreTable, entry: DataEntry, parent: ParentKeys | null): (buf: Buffer, start: number, end: number) => boolean {
    const range = this.#range;
    if (parent) {
      const fields = t.scoped.tenant.chain[0]!.columns.map((c) => entry.columns.indexOf(c));
      const keys = parent.keys!;
      return (buf, start, end) => {
        const length = packCopyKey(buf, start, end, fields, this.#key, range);
        return length > 0 && keys.find(this.#key, length) >= 0;
      };
    }
    const field = entry.columns.indexOf(t.scoped.tenant.tenantKey);
    const website = this.#website;
    return (buf, start, end) => {
      findCopyField(buf, start, end, field, range);
      return range.start >= 0 && range.end - range.start === website.length && buf.compare(website, 0, website.length, range.start, range.end) === 0;
    };
  }
}

/**
 * Rows kept from one piece, as runs of adjacent rows (the newline between two rows of a run is the
 * source's own), copied out together: one allocation for the piece, one copy a run.
 */
class KeptRuns {
  #sources: Buffer[] = [];
  /** Triples: source index, start, end (the end of the run's last row, its newline not included). */
  readonly #runs: number[] = [];
  bytes = 0;

  add(buf: Buffer, start: number, end: number): void {
    const runs = this.#runs;
    const last = this.#sources.length - 1;
    this.bytes += end - start + 1;
    if (last >= 0 && this.#sources[last] === buf && runs[runs.length - 1] === start - 1 && buf[start - 1] === NEWLINE) {
      runs[runs.length - 1] = end;
      return;
    }
    if (last < 0 || this.#sources[last] !== buf) this.#sources.push(buf);
    runs.push(this.#sources.length - 1, start, end);
  }

  /** The kept rows, each ended by a newline; empty again after. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    const runs = this.#runs;
    let at = 0;
    for (let i = 0; i < runs.length; i += 3) {
      at += this.#sources[runs[i]!]!.copy(out, at, runs[i + 1], runs[i + 2]);
      out[at++] = NEWLINE;
    }
    this.#sources = [];
    runs.length = 0;
    this.bytes = 0;
    return out;
  }
}

const NEWLINE = 0x0a;

function parentKey(table: string, columns: readonly string[]): string {
  return `${table}\u0000${columns.join('\u0000')}`;
}
