import { VERSION_1_14, VERSION_1_16 } from './archive-header.ts';
import type { ArchiveHeader } from './archive-header.ts';
import type { ByteSource } from './byte-source.ts';

/** pg_dump's sections: where an entry restores. */
export type TocSection = 'none' | 'pre-data' | 'data' | 'post-data';

/** Where a custom archive's data block for an entry is: at `offset`, unknown (written to a pipe), or absent. */
export type DataPosition = { readonly kind: 'at'; readonly offset: number } | { readonly kind: 'unset' } | { readonly kind: 'none' };

/** One TOC entry, as pg_dump wrote it. Text fields are null where the archive stores NULL. */
/** The descs whose SQL describes tables and views. */
export const SCHEMA_DESCS = new Set([
  'TABLE',
  'DEFAULT',
  'SEQUENCE',
  'CONSTRAINT',
  'CHECK CONSTRAINT',
  'FK CONSTRAINT',
  'INDEX',
  'TABLE ATTACH',
  'VIEW',
  'MATERIALIZED VIEW',
]);

export interface TocEntry {
  readonly dumpId: number;
  readonly hadDumper: boolean;
  readonly tableOid: string | null;
  readonly oid: string | null;
  readonly tag: string;
  /** `TABLE`, `TABLE DATA`, `CONSTRAINT`, `FK CONSTRAINT`, `INDEX`, `BLOBS`, ... */
  readonly desc: string;
  readonly section: TocSection;
  readonly defn: string | null;
  readonly dropStmt: string | null;
  readonly copyStmt: string | null;
  readonly namespace: string | null;
  readonly tablespace: string | null;
  readonly tableAm: string | null;
  /** pg_class.relkind (1.16+): `r`, `p`, `v`, `m`, ...; null before 1.16. */
  readonly relkind: string | null;
  readonly owner: string | null;
  readonly dependencies: readonly number[];
  /** Custom format: where the data block is. */
  readonly data: DataPosition;
  /** Directory format: the data file's name without a compression suffix; null when the entry has no data. */
  readonly fileName: string | null;
}

const SECTIONS: Record<number, TocSection> = { 1: 'none', 2: 'pre-data', 3: 'data', 4: 'post-data' };
const OFFSET_NOT_SET = 1;
const OFFSET_SET = 2;
const OFFSET_NO_DATA = 3;

/** Which format-specific field closes each entry. */
export type TocTail = 'custom-offset' | 'directory-file';

export async function readTocEntries(source: ByteSource, header: ArchiveHeader, tail: TocTail): Promise<TocEntry[]> {
  const entries: TocEntry[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    source.entry = `TOC entry ${i + 1} of ${header.entryCount}`;
    entries.push(await readTocEntry(source, header, tail));
  }
  return entries;
}

async function readTocEntry(source: ByteSource, header: ArchiveHeader, tail: TocTail): Promise<TocEntry> {
  const n = header.intSize;
  const int = (what: string) => source.int(n, what);
  const str = (what: string) => source.str(n, what);
  const dumpId = await int('a dump id');
  const hadDumper = (await int('hadDumper')) !== 0;
  const tableOid = await str('a table oid');
  const oid = await str('an oid');
  const tag = (await str('a tag')) ?? '';
  const desc = (await str('a desc')) ?? '';
  source.entry = `TOC entry ${dumpId} (${desc} ${tag})`;
  const sectionCode = await int('a section');
  const section = SECTIONS[sectionCode];
  if (!section) throw source.fail(`unknown section ${sectionCode}`);
  const defn = await str('a definition');
  const dropStmt = await str('a drop statement');
  const copyStmt = await str('a COPY statement');
  const namespace = await str('a schema name');
  const tablespace = await str('a tablespace');
  const tableAm = header.versionNumber >= VERSION_1_14 ? await str('a table access method') : null;
  const relkind = header.versionNumber >= VERSION_1_16 ? relkindText(await int('a relkind')) : null;
  const owner = await str('an owner');
  await str('the WITH OIDS flag');
  const dependencies = await readDependencies(source, n);
  const base = { dumpId, hadDumper, tableOid, oid, tag, desc, section, defn, dropStmt, copyStmt, namespace, tablespace, tableAm, relkind, owner, dependencies };
  if (tail === 'directory-file') {
    const file = await str('a data file name');
    return { ...base, data: { kind: 'none' }, fileName: file ? file : null };
  }
  return { ...base, data: await readDataPosition(source, header), fileName: null };
}

async function readDependencies(source: ByteSource, intSize: number): Promise<number[]> {
  const ids: number[] = [];
  for (;;) {
    const id = await source.str(intSize, 'a dependency');
    if (id === null) return ids;
    ids.push(Number(id));
  }
}

async function readDataPosition(source: ByteSource, header: ArchiveHeader): Promise<DataPosition> {
  const flag = await source.byte('a data offset');
  const bytes = await source.bytes(header.offSize, 'a data offset');
  let offset = 0;
  for (let i = bytes.length - 1; i >= 0; i--) offset = offset * 256 + bytes[i]!;
  if (flag === OFFSET_SET) return { kind: 'at', offset };
  if (flag === OFFSET_NOT_SET) return { kind: 'unset' };
  if (flag === OFFSET_NO_DATA) return { kind: 'none' };
  throw source.fail(`a corrupt data offset flag ${flag}`);
}

function relkindText(code: number): string | null {
  return code > 0 ? String.fromCharCode(code) : null;
}
