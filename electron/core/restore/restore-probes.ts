import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { formatCount } from '../../../shared/format.ts';
import { ByteKeyTable } from '../backups/archive/byte-key-table.ts';
import { CopyLineSplitter } from '../backups/archive/copy-line-splitter.ts';
import type { DataEntry } from '../backups/archive/data-entries.ts';
import { PACKED_KEY_BYTES, packCopyKey } from '../backups/archive/pack-copy-key.ts';
import { findCopyField, isCopyNull, type FieldRange } from '../backups/archive/copy-fields.ts';
import { conflictingRows, exclusionConstraints, type ExclusionConstraint } from '../catalog/exclusion-constraints.ts';
import { collidingKeys, indexKeyParts, keyPartsAs } from '../catalog/unique-index-keys.ts';
import { indexKey, nullsNotDistinct, type CatalogForeignKey, type CatalogIndex, type DatabaseCatalog } from '../catalog/database-catalog.ts';
import { foreignKeyKind } from '../catalog/foreign-key-kinds.ts';
import { numbered, quoteIdent, tableRef } from '../catalog/sql-identifiers.ts';
import { firstKeysAsText } from '../moves/sql-fragments.ts';
import { crossWebsiteExclusions } from '../moves/exclusion-probe.ts';
import { websitePredicate } from '../moves/tenant-scope.ts';
import { copyLines, encodingLiteral } from './copy-lines.ts';
import type { RestoreTable, Refusal } from './restore-tables.ts';

/*
 * What preflight asks the target about the archive's rows of the website, found without changing
 * anything, in the same pass over the archive that counts them:
 * - key and unique-value collisions with the rows that stay there (other websites' rows: the website's
 *   own are held aside by a replace, and an empty place has none), per unique index. Where the live
 *   table is not large, the website's keys (packed, see ByteKeyTable) are held while its table is read,
 *   then the staying rows' keys stream past them once; where the rows that stay are the fewer (a large
 *   website alone on its shard), their keys are held instead, read first, and the website's lines are
 *   looked up in them as they pass. A large live table (or a partial index, or a type whose equal
 *   values may print differently) gets the website's key values streamed into a temporary table there
 *   and one join instead (inside a transaction that is rolled back); exclusion constraints always go
 *   that way (their operators are the server's);
 * - references the target's foreign keys would reject: into the control plane (pwb_websites, pwb_users)
 *   or other tables the restore does not fill, and between the website's own tables (a message's
 *   contact) when neither the archive's rows of the website nor the rows that stay have the key. The
 *   distinct key values are collected while reading and checked in one anti-join each.
 * Memory: one table's keys at a time (16 to 40 bytes a key), and the distinct referenced values.
 */

/** Above this many live rows a table's keys are not read into the console: the website's go to the server instead. */
const CONSOLE_PROBE_ROWS = 2_000_000;
/**
 * The keys of the rows that stay are held instead of the website's when they are this few or fewer
 * than the website's rows there now: a large website alone on its shard (what shards are for) then
 * costs the console the other websites' keys, not its own million.
 */
export const STAYING_HELD_ROWS = 100_000;
/** Types whose unique-index equality is equality of their text under the pinned output settings. */
const TEXT_EXACT_TYPES = /^(smallint|integer|bigint|uuid|text|character varying(\(\d+\))?|boolean|date|timestamp(\(\d\))? without time zone)$/;

/** The temporary table a table's streamed columns go to (by the table's place in the restore's list). */
function probeTable(p: Pick<TableProbe, 'index'>): string {
  return quoteIdent(`restore_probe_${p.index}`);
}

/**
 * Unique keys an archived row could hit: the primary key and every unique index (expression ones too),
 * except those holding the website's own key column (the rows that stay are other websites') or the
 * foreign key that ties a child to its tenant parent (the parent's keys are checked). Each comes with
 * its key columns only: `UNIQUE (slug) INCLUDE (title)` collides on slug alone.
 */
function uniqueKeys(t: RestoreTable): CatalogIndex[] {
  const ownKey = t.scoped.tenant.chain.length === 0 ? t.scoped.tenant.tenantKey : null;
  const parentKey = t.scoped.tenant.chain[0]?.columns ?? null;
  return t.scoped.table.indexes
    .map((i) => ({ ...i, columns: indexKey(i) }))
    .filter((i) => i.unique && !(ownKey !== null && i.columns.includes(ownKey)) && !parentKey?.every((c) => i.columns.includes(c)));
}

/** The columns an index's key and predicate read (an expression's or a predicate's from the index's dependencies). */
async function indexColumns(client: pg.ClientBase, t: RestoreTable, index: CatalogIndex): Promise<string[]> {
  const plain = index.columns.filter((c) => c !== '(expression)');
  if (index.predicate === null && plain.length === index.columns.length) return plain;
  const r = await client.query<{ name: string }>(
    `SELECT DISTINCT a.attname AS name FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.objid = to_regclass($1) AND d.refobjsubid > 0`,
    [tableRef(t.scoped.table.schema, index.name)],
  );
  return [...new Set([...plain, ...r.rows.map((x) => x.name)])];
}

interface KeyProbe {
  readonly index: CatalogIndex;
  /** Held in the console: the website's packed keys, while its table is read. */
  keys: ByteKeyTable | null;
  /**
   * The other way round, where the rows that stay are few (see STAYING_HELD_ROWS): their keys, read
   * before the table's lines pass, and the website's lines that hit one. Up to `limit` keys; past it
   * the website's keys are held after all.
   */
  staying?: { keys: ByteKeyTable | null; readonly expected: number; readonly limit: number; count: number; readonly examples: string[] };
  /**
   * An integer key: the lowest and highest value of the rows that stay. Only the website's keys in
   * between can collide (ids handed out in blocks per database, or after the staying rows', need no
   * holding at all); null when no row stays.
   */
  readonly range?: { readonly lo: number | bigint; readonly hi: number | bigint } | null;
}

interface ReferenceProbe {
  readonly fk: CatalogForeignKey;
  /** Between the website's own tables: a referenced key the archive has for the website needs no row that stays. */
  readonly tenant: boolean;
  /**
   * Distinct referencing values (raw COPY text, tab-joined) -> rows holding them; of a tenant reference,
   * only the values the archive's rows of the referenced table did not have when they went by.
   */
  readonly values: Map<string, number>;
  /** A tenant reference's referenced keys among the archive's rows of the website (the referenced table's `provides`). */
  provided: ByteKeyTable | null;
}

/** Everything preflight checks about one table's archived rows of the website. */
export interface TableProbe {
  readonly table: RestoreTable;
  readonly index: number;
  readonly keys: KeyProbe[];
  /** Columns streamed into the temporary table (indexes checked on the server); empty when none are. */
  readonly streamed: string[];
  readonly serverIndexes: CatalogIndex[];
  /** Exclusion constraints another website's rows could break with the website's (their columns streamed too). */
  readonly exclusions: ExclusionConstraint[];
  readonly references: ReferenceProbe[];
  /** Keys of the website's rows that its other tables' references point at, by the referenced columns. */
  readonly provides: Map<string, ByteKeyTable>;
}

/** Which questions each table needs answered, and how. */
export async function planProbes(
  client: pg.ClientBase,
  catalog: DatabaseCatalog,
  tables: readonly RestoreTable[],
  websiteId: number,
  liveRows: ReadonlyMap<string, number> = new Map(),
): Promise<TableProbe[]> {
  const probes: TableProbe[] = [];
  for (const [position, t] of tables.entries()) {
    const own = liveRows.get(t.name) ?? 0;
    const stayingEstimate = Math.max(0, t.scoped.table.rowEstimate - own);
    // A partitioned parent has no estimate of its own (nor does a table never analyzed: then the fallback).
    const holdStaying = !t.scoped.table.partitioned && stayingEstimate <= Math.max(STAYING_HELD_ROWS, own);
    const fks = (catalog.tables.get(t.name)?.foreignKeys ?? []).filter((fk) => catalog.tables.has(fk.refTable));
    const consoleSide = t.scoped.table.rowEstimate <= CONSOLE_PROBE_ROWS;
    const type = (c: string) => t.scoped.table.columns.find((x) => x.name === c)?.type ?? '';
    const keys: KeyProbe[] = [];
    const serverIndexes: CatalogIndex[] = [];
    const streamed = new Set<string>();
    for (const index of uniqueKeys(t)) {
      // (An expression's type is not a column's: it goes to the server, as a NULLS NOT DISTINCT key does.)
      if (consoleSide && index.predicate === null && !nullsNotDistinct(index) && index.columns.every((c) => TEXT_EXACT_TYPES.test(type(c)))) {
        const integer = index.columns.length === 1 && INTEGER_TYPES.test(type(index.columns[0]!));
        const probe: KeyProbe = integer
          ? { index, keys: null, range: await stayingRange(client, catalog, t, index.columns[0]!, websiteId) }
          : { index, keys: null };
        // An integer key's range often rules the website's keys out without holding any: turned round
        // only for a website large there, whose ids are mixed with the others'.
        if (holdStaying && (!integer || own > STAYING_HELD_ROWS))
          probe.staying = { keys: null, expected: stayingEstimate, limit: 2 * Math.max(STAYING_HELD_ROWS, own, stayingEstimate), count: 0, examples: [] };
        keys.push(probe);
      } else {
        serverIndexes.push(index);
        for (const c of await indexColumns(client, t, index)) streamed.add(c);
      }
    }
    // Exclusion constraints are always checked on the server: their operators are the server's.
    const exclusions = crossWebsiteExclusions(t.scoped, await exclusionConstraints(client, t.scoped.table));
    for (const c of exclusions) for (const column of c.columns) streamed.add(column);
    const references = fks.flatMap((fk): ReferenceProbe[] => {
      const kind = foreignKeyKind(catalog, t.name, fk);
      if (kind === 'control-plane' || kind === 'other') return [{ fk, tenant: false, values: new Map(), provided: null }];
      if (kind === 'tenant' && tables.some((x) => x.name === fk.refTable)) return [{ fk, tenant: true, values: new Map(), provided: null }];
      return [];
    });
    probes.push({ table: t, index: position, keys, streamed: [...streamed], serverIndexes, exclusions, references, provides: new Map() });
  }
  for (const p of probes) {
    for (const r of p.references.filter((x) => x.tenant)) {
      const provides = probes.find((x) => x.table.name === r.fk.refTable)!.provides;
      const columns = r.fk.refColumns.join('\u0000');
      if (!provides.has(columns)) provides.set(columns, new ByteKeyTable(1024));
      r.provided = provides.get(columns)!;
    }
  }
  return probes;
}

const INTEGER_TYPES = /^(smallint|integer|bigint)$/;

/** An integer as COPY printed it, as a number where exact, else a bigint. */
function integerOf(text: string): number | bigint {
  return text.length <= 15 ? Number(text) : BigInt(text);
}

/** An integer field of a COPY line, read in place (no string per row) where a number holds it exactly. */
function integerAt(buf: Buffer, start: number, end: number): number | bigint {
  const negative = buf[start] === 0x2d;
  if (end - start > 15) return integerOf(buf.toString('latin1', start, end));
  let n = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) n = n * 10 + (buf[i]! - 0x30);
  return negative ? -n : n;
}

/** The lowest and highest value of an integer column among the rows that stay (index scans from each end). */
async function stayingRange(client: pg.ClientBase, catalog: DatabaseCatalog, t: RestoreTable, column: string, websiteId: number): Promise<KeyProbe['range']> {
  const c = `t.${quoteIdent(column)}`;
  const from = `FROM ${tableRef(t.scoped.table.schema, t.scoped.table.table)} t WHERE (${websitePredicate(t.scoped, catalog, websiteId)}) IS NOT TRUE AND ${c} IS NOT NULL`;
  const r = await client.query<{ lo: string | null; hi: string | null }>(
    `SELECT (SELECT ${c} ${from} ORDER BY ${c} LIMIT 1)::text AS lo, (SELECT ${c} ${from} ORDER BY ${c} DESC LIMIT 1)::text AS hi`,
  );
  const { lo, hi } = r.rows[0]!;
  return lo === null || hi === null ? null : { lo: integerOf(lo), hi: integerOf(hi) };
}

/** The per-entry field positions of some columns (-1 where the entry lacks one). */
function fieldsOf(entry: DataEntry, columns: readonly string[]): number[] {
  return columns.map((c) => entry.columns.indexOf(c));
}

/** Takes one table's archived rows of the website as they pass (ranges of a buffer): keys held, referenced values collected. */
export function probeCollector(p: TableProbe): (entry: DataEntry, line: Buffer, start: number, end: number) => void {
  const key = Buffer.allocUnsafe(PACKED_KEY_BYTES);
  const range: FieldRange = { start: 0, end: 0 };
  for (const k of p.keys) if (!k.staying?.keys) k.keys = new ByteKeyTable(4096);
  const byEntry = new Map<number, { keys: number[][]; provides: Array<[ByteKeyTable, number[]]>; refs: Array<ReturnType<typeof valueCollector>> }>();
  return (entry, line, start, end) => {
    let f = byEntry.get(entry.dumpId);
    if (!f) {
      f = {
        keys: p.keys.map((k) => fieldsOf(entry, k.index.columns)),
        provides: [...p.provides].map(([cols, table]) => [table, fieldsOf(entry, cols.split('\u0000'))]),
        refs: p.references.map((r) => valueCollector(r.values, fieldsOf(entry, r.fk.columns), r.provided)),
      };
      byEntry.set(entry.dumpId, f);
    }
    for (let i = 0; i < p.keys.length; i++) {
      const k = p.keys[i]!;
      if (k.range === null) continue;
      if (k.range !== undefined) {
        findCopyField(line, start, end, f.keys[i]![0]!, range);
        if (range.start < 0 || isCopyNull(line, range.start, range.end)) continue;
        const value = integerAt(line, range.start, range.end);
        if (value < k.range.lo || value > k.range.hi) continue;
      }
      const length = packCopyKey(line, start, end, f.keys[i]!, key, range);
      if (length <= 0) continue;
      const staying = k.staying?.keys;
      if (!staying) k.keys!.intern(key, length, 0);
      else if (staying.find(key, length) >= 0 && k.staying!.count++ < 3) k.staying!.examples.push(keyText(line, start, end, f.keys[i]!, range));
    }
    for (const [table, fields] of f.provides) {
      const length = packCopyKey(line, start, end, fields, key, range);
      if (length > 0) table.intern(key, length, 0);
    }
    for (const collect of f.refs) collect(line, start, end, range);
  };
}

/**
 * Counts a row's referencing value (raw COPY text, tab-joined) into `values`, unless `provided` (the
 * archive's keys of the referenced table, read before this table: parents first) has it: looked up in
 * place, so a photo's realty asset costs no string. What is left (a self-reference to a row further
 * on, a key only the rows that stay may have) is checked once the pass is over. A one-column reference
 * whose bytes repeat the previous row's (a website id, rows of one parent in a row) reuses its string:
 * no string made per row.
 */
function valueCollector(
  values: Map<string, number>,
  fields: readonly number[],
  provided: ByteKeyTable | null,
): (line: Buffer, start: number, end: number, range: FieldRange) => void {
  let last: Buffer | null = null;
  let lastValue = '';
  const key = Buffer.allocUnsafe(PACKED_KEY_BYTES);
  const keyRange: FieldRange = { start: 0, end: 0 };
  const lookUp = provided !== null && fields.every((f) => f >= 0);
  return (line, start, end, range) => {
    if (lookUp) {
      const length = packCopyKey(line, start, end, fields, key, keyRange);
      if (length > 0 && provided.find(key, length) >= 0) return;
    }
    const parts: string[] = [];
    for (const field of fields) {
      if (field < 0) return;
      findCopyField(line, start, end, field, range);
      // A reference with a NULL column references nothing.
      if (range.start < 0 || isCopyNull(line, range.start, range.end)) return;
      if (fields.length === 1 && last !== null && line.compare(last, 0, last.length, range.start, range.end) === 0) {
        values.set(lastValue, values.get(lastValue)! + 1);
        return;
      }
      parts.push(line.toString('latin1', range.start, range.end));
    }
    const value = parts.join('\t');
    if (fields.length === 1) [last, lastValue] = [Buffer.from(value, 'latin1'), value];
    values.set(value, (values.get(value) ?? 0) + 1);
  };
}

export interface ProbeSession {
  readonly client: pg.ClientBase;
  readonly catalog: DatabaseCatalog;
  readonly websiteId: number;
  /** The archive's client_encoding, for reading the live side's text like the archive's. */
  readonly encoding: string;
}

/** The CREATE TEMP TABLE for a table's streamed columns, typed as the live columns. */
export function createProbeSql(p: TableProbe): string {
  const typeOf = (c: string) => p.table.scoped.table.columns.find((x) => x.name === c)!.type;
  return `CREATE TEMP TABLE ${probeTable(p)} (${p.streamed.map((c) => `${quoteIdent(c)} ${typeOf(c)}`).join(', ')}) ON COMMIT DROP`;
}

export function streamSql(p: TableProbe): string {
  return `COPY pg_temp.${probeTable(p)} (${p.streamed.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/**
 * Once a table's lines have passed: its unique keys against the rows that stay (the held keys against
 * their keys, streamed out once per index; the streamed columns with one join), then its memory freed.
 */
export async function askTableCollisions(s: ProbeSession, p: TableProbe): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  const t = p.table.scoped;
  const live = tableRef(t.table.schema, t.table.table);
  const staying = `(${websitePredicate(t, s.catalog, s.websiteId)}) IS NOT TRUE`;
  for (const k of p.keys) {
    if (k.staying?.keys) {
      k.staying.keys = null;
      if (k.staying.count > 0) refusals.push(collision(s, t.name, k.index, k.staying.count, k.staying.examples));
      continue;
    }
    if (k.range === null || k.keys!.size === 0) {
      k.keys = null;
      continue;
    }
    const found = await heldKeyHits(s, p, k.index, k.keys!);
    k.keys = null;
    if (found.count > 0) refusals.push(collision(s, t.name, k.index, found.count, found.examples));
  }
  for (const index of p.serverIndexes) {
    // The streamed columns bear the live names, so a key's expression reads the same on both sides.
    const parts = await indexKeyParts(s.client, t.table, index);
    const names = numbered('k', parts.length);
    const inIndex = index.predicate ? ` AND (${index.predicate})` : '';
    const archived = `(SELECT ${keyPartsAs(parts, names)} FROM pg_temp.${probeTable(p)} WHERE true${inIndex})`;
    const stayingKeys = `SELECT ${keyPartsAs(parts, names)} FROM ${live} t WHERE ${staying}${inIndex}`;
    const r = await s.client.query<{ n: string; examples: string[] | null }>(
      `SELECT count(*)::int8::text AS n, ${firstKeysAsText('p', names, 3)} AS examples
         FROM (${collidingKeys(archived, stayingKeys, names, nullsNotDistinct(index))}) p`,
    );
    const key = parts.map((part) => part.label).join(', ');
    if (Number(r.rows[0]!.n) > 0) refusals.push(collision(s, t.name, index, Number(r.rows[0]!.n), r.rows[0]!.examples ?? [], key));
  }
  for (const c of p.exclusions) {
    const conflict = conflictingRows(`pg_temp.${probeTable(p)}`, live, staying, c);
    const r = await s.client.query<{ n: string; examples: string[] | null }>(
      `SELECT count(*)::int8::text AS n, ${firstKeysAsText('p', conflict.names, 3)} AS examples FROM (${conflict.sql}) p`,
    );
    if (Number(r.rows[0]!.n) > 0) refusals.push(exclusionConflict(s, t.name, c, Number(r.rows[0]!.n), r.rows[0]!.examples ?? []));
  }
  return refusals;
}

function exclusionConflict(s: ProbeSession, table: string, c: ExclusionConstraint, n: number, examples: readonly string[]): Refusal {
  const target = s.catalog.database;
  return {
    code: 'KEY_COLLISION',
    table,
    message: `${formatCount(n)} pair(s) of an archived row of website ${s.websiteId} in ${table} and another website's row on ${target} would break the exclusion constraint ${c.name} (${c.parts.map((part) => part.label).join(', ')}), e.g. archived rows ${examples.join('; ')}. Change or remove the conflicting rows on ${target}, or restore side by side and copy what you need with SQL.`,
  };
}

/** The staying rows' key columns (one index's), as a query. */
function stayingKeysSelect(s: ProbeSession, p: TableProbe, index: CatalogIndex): string {
  const t = p.table.scoped;
  const staying = `(${websitePredicate(t, s.catalog, s.websiteId)}) IS NOT TRUE`;
  return `SELECT ${index.columns.map((c) => `t.${quoteIdent(c)}`).join(', ')} FROM ${tableRef(t.table.schema, t.table.table)} t WHERE ${staying}`;
}

/**
 * Streams the staying rows' key columns (COPY text, as pg_dump prints them) to `onKey`, each packed;
 * once `onKey` returns false the rest pass unseen.
 */
async function streamStayingKeys(
  s: ProbeSession,
  p: TableProbe,
  index: CatalogIndex,
  onKey: (key: Buffer, length: number, line: Buffer, start: number, end: number) => boolean,
): Promise<void> {
  const key = Buffer.allocUnsafe(PACKED_KEY_BYTES);
  const range: FieldRange = { start: 0, end: 0 };
  const fields = index.columns.map((_, i) => i);
  let more = true;
  const splitter = new CopyLineSplitter((buf, start, end) => {
    if (!more) return;
    const length = packCopyKey(buf, start, end, fields, key, range);
    if (length > 0) more = onKey(key, length, buf, start, end);
  });
  await s.client.query(`SAVEPOINT restore_keys; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL client_encoding = ${encodingLiteral(s.encoding)}`);
  try {
    // Read to the end either way: the session is in the middle of the COPY until it is.
    for await (const chunk of s.client.query(copyTo(`COPY (${stayingKeysSelect(s, p, index)}) TO STDOUT`)) as AsyncIterable<Buffer>) splitter.push(chunk);
    splitter.push(Buffer.from('\\.\n'));
  } finally {
    await s.client.query('ROLLBACK TO SAVEPOINT restore_keys; RELEASE SAVEPOINT restore_keys');
  }
}

/** Streams the staying rows' keys past the website's held keys. */
async function heldKeyHits(s: ProbeSession, p: TableProbe, index: CatalogIndex, held: ByteKeyTable): Promise<{ count: number; examples: string[] }> {
  let count = 0;
  const examples: string[] = [];
  await streamStayingKeys(s, p, index, (key, length, buf, start, end) => {
    if (held.find(key, length) >= 0) {
      count++;
      if (examples.length < 3) examples.push(`(${buf.toString('utf8', start, end).replace(/\t/g, ',')})`);
    }
    return true;
  });
  return { count, examples };
}

/**
 * Before a table's lines pass: where the rows that stay are few, their keys are held (the website's
 * lines are then looked up in them as they pass). More of them than expected (stale statistics): the
 * website's keys are held instead, as for any other table.
 */
export async function holdStayingKeys(s: ProbeSession, p: TableProbe): Promise<void> {
  for (const k of p.keys) {
    const staying = k.staying;
    if (!staying || k.range === null) continue;
    const held = new ByteKeyTable(Math.max(4096, staying.expected));
    let fits = true;
    await streamStayingKeys(s, p, k.index, (key, length) => {
      held.intern(key, length, 0);
      fits = held.size <= staying.limit;
      return fits;
    });
    if (fits) staying.keys = held;
    else k.staying = undefined;
  }
}

/** A key's columns of an archive line, as a collision's example: `(a,b)`. */
function keyText(line: Buffer, start: number, end: number, fields: readonly number[], range: FieldRange): string {
  const parts = fields.map((field) => {
    findCopyField(line, start, end, field, range);
    return line.toString('utf8', range.start, range.end);
  });
  return `(${parts.join(',')})`;
}

function collision(s: ProbeSession, table: string, index: CatalogIndex, n: number, examples: readonly string[], key = index.columns.join(', ')): Refusal {
  const target = s.catalog.database;
  return {
    code: 'KEY_COLLISION',
    table,
    message: `${formatCount(n)} archived row(s) of website ${s.websiteId} in ${table} would collide with other websites' rows on ${target} on ${index.name} (${key}), e.g. ${examples.join('; ')}. Renumber or remove the conflicting rows on ${target}, or restore side by side and copy what you need with SQL.`,
  };
}

/**
 * After the pass: each reference's distinct values that the archive's rows of the website do not
 * provide stream into a temporary table, and one anti-join finds those no row that stays has either.
 */
export async function askReferences(s: ProbeSession, probes: readonly TableProbe[]): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  const key = Buffer.allocUnsafe(PACKED_KEY_BYTES);
  const range: FieldRange = { start: 0, end: 0 };
  for (const p of probes) {
    for (const r of p.references) {
      // The values left when their row went by: a self-reference's key may have come later in the pass.
      const provided = r.provided;
      const open = [...r.values].filter(([value]) => {
        if (!provided) return true;
        const length = packCopyKey(
          Buffer.from(value, 'latin1'),
          0,
          Buffer.byteLength(value, 'latin1'),
          r.fk.columns.map((_, i) => i),
          key,
          range,
        );
        return !(length > 0 && provided.find(key, length) >= 0);
      });
      if (open.length === 0) continue;
      const missing = await missingKeys(s, probes, p, r, open);
      if (missing) refusals.push(missing);
    }
  }
  return refusals;
}

async function missingKeys(
  s: ProbeSession,
  probes: readonly TableProbe[],
  p: TableProbe,
  r: ReferenceProbe,
  open: Array<[string, number]>,
): Promise<Refusal | null> {
  const { fk } = r;
  const parent = s.catalog.tables.get(fk.refTable)!;
  const typeOf = (c: string) => p.table.scoped.table.columns.find((x) => x.name === c)!.type;
  const temp = quoteIdent(`restore_refs_${fk.name.slice(0, 40)}`);
  await s.client.query(
    `CREATE TEMP TABLE ${temp} (${fk.columns.map((c) => `${quoteIdent(c)} ${typeOf(c)}`).join(', ')}, shard_console_rows int8) ON COMMIT DROP`,
  );
  await s.client.query(`SET LOCAL client_encoding = ${encodingLiteral(s.encoding)}; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'`);
  await copyLines(s.client, `COPY pg_temp.${temp} FROM STDIN`, [Buffer.from(open.map(([value, rows]) => `${value}\t${rows}\n`).join(''), 'latin1')]);
  await s.client.query(`SET LOCAL client_encoding = 'UTF8'`);
  const staying = r.tenant
    ? ` AND (${websitePredicate(probes.find((x) => x.table.name === fk.refTable)!.table.scoped, s.catalog, s.websiteId, 'r')}) IS NOT TRUE`
    : '';
  const list = fk.columns.map((c) => `pr.${quoteIdent(c)}`).join(', ');
  const found = await s.client.query<{ rows: string; keys: string; examples: string[] | null }>(
    `SELECT coalesce(sum(pr.shard_console_rows), 0)::int8::text AS rows, count(*)::int8::text AS keys, (array_agg(ROW(${list})::text ORDER BY ${list}))[1:5] AS examples
       FROM pg_temp.${temp} pr
      WHERE NOT EXISTS (SELECT 1 FROM ${tableRef(parent.schema, parent.table)} r WHERE ${fk.columns.map((c, i) => `r.${quoteIdent(fk.refColumns[i]!)} = pr.${quoteIdent(c)}`).join(' AND ')}${staying})`,
  );
  const rows = Number(found.rows[0]!.rows);
  if (rows === 0) return null;
  const target = s.catalog.database;
  const fix = s.catalog.globalTables.includes(fk.refTable)
    ? `Add those ${fk.refTable} rows on ${target} first (a shard that keeps its own copy of the control-plane tables needs the rows of every website it serves: copy them from the primary), then restore again.`
    : r.tenant
      ? `The archive's rows of website ${s.websiteId} point at ${fk.refTable} rows that neither the archive (for this website) nor the other websites' rows on ${target} have. Restore side by side and copy what you need with SQL.`
      : `Add those ${fk.refTable} rows on ${target} first, then restore again.`;
  return {
    code: 'MISSING_REFERENCE',
    table: p.table.name,
    message: `${formatCount(rows)} archived row(s) of website ${s.websiteId} in ${p.table.name} reference ${formatCount(Number(found.rows[0]!.keys))} ${fk.refTable} row(s) that ${target} will not have, through ${fk.name} (${fk.columns.join(', ')} = ${(found.rows[0]!.examples ?? []).join('; ')}); ${target} enforces that key, so loading them would fail. ${fix}`,
  };
}
