import { CopyDataError, MAX_COPY_LINE } from './copy-line-splitter.ts';
import { dollarTag } from './sql-tokens.ts';
import { SCHEMA_DESCS, type TocEntry } from './toc-entries.ts';

/** Where one entry's COPY rows sit in the (decompressed) SQL text: from the first row to just past the `\.` line. */
export interface PlainDataRange {
  readonly start: number;
  readonly end: number;
}

export interface PlainDumpScan {
  readonly entries: TocEntry[];
  readonly ranges: Map<number, PlainDataRange>;
  readonly serverVersion: string | null;
  readonly pgDumpVersion: string | null;
  readonly database: string | null;
  readonly encoding: string | null;
  /** pg_dump's closing comment was seen and the text ends with a newline: the dump is all there. */
  readonly whole: boolean;
}

const CLOSING = '-- PostgreSQL database dump complete';
const HEADER = /^-- (?:Data for )?Name: (.*); Type: (.*?); Schema: (.*?); Owner: (.*?)(?:; Tablespace: .*)?$/;
/** Descs whose statements the schema reader needs; other entries' text (function bodies, INSERT data) is not kept. */
const KEPT_DESCS = new Set([...SCHEMA_DESCS, 'ENCODING']);

interface LexState {
  quote: string | null;
  dollar: string | null;
  commentDepth: number;
  /** Nothing but whitespace and comments since the last `;`: a line here starts a statement. */
  atStatementStart: boolean;
}

/**
 * Reads a plain SQL dump (`pg_dump -Fp`) as pg_dump lays it out: every object under a `-- Name: ...; Type:
 * ...` comment, table data as `COPY ... FROM stdin;` followed by rows and `\.`. The scan is SQL-aware:
 * a header comment or a COPY line counts only at the start of a statement, never inside a string,
 * dollar-quoted function body or comment.
 */
export class PlainDumpScanner {
  readonly entries: TocEntry[] = [];
  readonly ranges = new Map<number, PlainDataRange>();
  serverVersion: string | null = null;
  pgDumpVersion: string | null = null;
  database: string | null = null;
  encoding: string | null = null;
  #closed = false;
  #endsWithNewline = false;
  /** `\restrict KEY` (recent minor releases) must be matched by `\unrestrict KEY` at the very end. */
  #restrictKey: string | null = null;
  #unrestricted = false;
  #offset = 0;
  #carry: Buffer[] = [];
  #carryLength = 0;
  readonly #maxLine: number;
  #inData: { dumpId: number; start: number } | null = null;
  #lex: LexState = { quote: null, dollar: null, commentDepth: 0, atStatementStart: true };
  #current: { entry: Mutable<TocEntry>; text: string[] | null } | null = null;

  /** `maxLine`: the longest line it holds waiting for its newline (pg_dump writes none longer than a row's 1 GB). */
  constructor(options: { maxLine?: number } = {}) {
    this.#maxLine = options.maxLine ?? MAX_COPY_LINE;
  }

  /** Feeds the next piece of SQL text. */
  push(piece: Buffer): void {
    let pos = 0;
    for (;;) {
      const newline = piece.indexOf(0x0a, pos);
      if (newline < 0) break;
      let line: Buffer;
      if (this.#carry.length) {
        this.#carry.push(piece.subarray(pos, newline));
        line = Buffer.concat(this.#carry);
        this.#carry = [];
        this.#carryLength = 0;
      } else {
        line = piece.subarray(pos, newline);
      }
      this.#line(line);
      this.#offset += line.length + 1;
      pos = newline + 1;
    }
    if (pos < piece.length) {
      this.#carry.push(piece.subarray(pos));
      this.#carryLength += piece.length - pos;
      if (this.#carryLength > this.#maxLine) {
        this.#carry = [];
        this.#carryLength = 0;
        throw new CopyDataError(
          `a line of the SQL dump runs on past ${this.#maxLine} bytes without ending, after byte ${this.#offset}: the file is damaged there, or is no SQL dump`,
        );
      }
    }
    if (piece.length > 0) this.#endsWithNewline = piece[piece.length - 1] === 0x0a;
  }

  /** Call at the end of the text; returns what was found (an entry cut off mid-data keeps the rows that are there). */
  finish(): PlainDumpScan {
    if (this.#carry.length) {
      const line = Buffer.concat(this.#carry);
      this.#carry = [];
      this.#line(line);
      this.#offset += line.length;
    }
    if (this.#inData) this.ranges.set(this.#inData.dumpId, { start: this.#inData.start, end: this.#offset });
    this.#inData = null;
    this.#closeEntry();
    return {
      entries: this.entries,
      ranges: this.ranges,
      serverVersion: this.serverVersion,
      pgDumpVersion: this.pgDumpVersion,
      database: this.database,
      encoding: this.encoding,
      whole: this.#closed && this.#endsWithNewline && (this.#restrictKey === null || this.#unrestricted),
    };
  }

  /** Bytes of text scanned so far. */
  get offset(): number {
    return this.#offset;
  }

  #line(line: Buffer): void {
    if (this.#inData) {
      if (line.length === 2 && line[0] === 0x5c && line[1] === 0x2e) {
        this.ranges.set(this.#inData.dumpId, { start: this.#inData.start, end: this.#offset + line.length + 1 });
        this.#inData = null;
      }
      return;
    }
    const text = line.toString('utf8');
    if (this.#lex.atStatementStart && this.#lex.quote === null && this.#lex.dollar === null && this.#lex.commentDepth === 0) {
      if (text.startsWith('--')) return this.#comment(text);
      if (text.startsWith('\\')) return this.#metaCommand(text);
      if (text.startsWith('COPY ') && text.endsWith(' FROM stdin;')) return this.#copy(text, line.length);
      const encoding = /^SET client_encoding = '([^']*)';$/.exec(text);
      if (encoding) this.encoding ??= encoding[1]!;
    }
    if (this.#current?.text) this.#current.text.push(text);
    lexLine(text, this.#lex);
  }

  /** psql meta-commands (`\restrict`, `\connect`) are no SQL; only the restrict pair says something. */
  #metaCommand(text: string): void {
    const [command, key] = text.split(' ');
    if (command === '\\restrict' && key) this.#restrictKey ??= key;
    if (command === '\\unrestrict' && key === this.#restrictKey) this.#unrestricted = true;
  }

  #comment(text: string): void {
    const header = HEADER.exec(text);
    if (header) return this.#openEntry(header[1]!, header[2]!, header[3]!, header[4]!);
    if (text === CLOSING) this.#closed = true;
    const from = /^-- Dumped from database version (.*)$/.exec(text);
    if (from) this.serverVersion = from[1]!;
    const by = /^-- Dumped by pg_dump version (.*)$/.exec(text);
    if (by) this.pgDumpVersion = by[1]!;
  }

  #openEntry(tag: string, desc: string, schema: string, owner: string): void {
    this.#closeEntry();
    if (desc === 'DATABASE' && this.database === null) this.database = tag;
    const entry: Mutable<TocEntry> = {
      dumpId: this.entries.length + 1,
      hadDumper: desc === 'TABLE DATA',
      tableOid: null,
      oid: null,
      tag,
      desc,
      section: desc === 'TABLE DATA' ? 'data' : 'none',
      defn: null,
      dropStmt: null,
      copyStmt: null,
      namespace: schema === '-' ? null : schema,
      tablespace: null,
      tableAm: null,
      relkind: null,
      owner: owner || null,
      dependencies: [],
      data: { kind: 'none' },
      fileName: null,
    };
    this.entries.push(entry);
    this.#current = { entry, text: KEPT_DESCS.has(desc) ? [] : null };
  }

  #closeEntry(): void {
    if (this.#current?.text) this.#current.entry.defn = this.#current.text.join('\n');
    this.#current = null;
  }

  /** `bytes`: the COPY line's length as written (its text was decoded as UTF-8, which a LATIN1 dump's names are not). */
  #copy(text: string, bytes: number): void {
    const entry = this.#current?.entry;
    if (!entry) return;
    entry.copyStmt = text;
    this.#inData = { dumpId: entry.dumpId, start: this.#offset + bytes + 1 };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Advances the lexer over one line of SQL: quotes, dollar quotes and comments can span lines; `;` ends a statement. */
function lexLine(text: string, state: LexState): void {
  let i = 0;
  while (i < text.length) {
    if (state.commentDepth > 0) {
      if (text.startsWith('*/', i)) {
        state.commentDepth--;
        i += 2;
      } else if (text.startsWith('/*', i)) {
        state.commentDepth++;
        i += 2;
      } else i++;
      continue;
    }
    if (state.dollar !== null) {
      const close = text.indexOf(state.dollar, i);
      if (close < 0) return;
      i = close + state.dollar.length;
      state.dollar = null;
      continue;
    }
    if (state.quote !== null) {
      const close = text.indexOf(state.quote, i);
      if (close < 0) return;
      // A doubled quote continues the literal; the next iteration sees the second one and reopens.
      i = close + 1;
      state.quote = null;
      continue;
    }
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') return;
    if (c === '/' && text[i + 1] === '*') {
      state.commentDepth = 1;
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    state.atStatementStart = c === ';';
    if (c === "'" || c === '"') state.quote = c;
    else if (c === '$' && dollarTag(text, i) !== null && !/[A-Za-z0-9_]/.test(text[i - 1] ?? ' ')) {
      state.dollar = dollarTag(text, i)!;
      i += state.dollar.length;
      continue;
    }
    i++;
  }
}
