import { ConsoleError } from '../../../shared/errors.ts';
import { tokenizeSql, type SqlToken } from './sql-lexer.ts';
import { refusalFor } from './statement-refusals.ts';

/*
 * Decides, before anything is sent, whether a text is exactly one statement and a read. It is defence in
 * depth, not the boundary: every statement also runs in a READ ONLY transaction (which stops writes made
 * through SQL), and the extended protocol the runner sends it with refuses a second statement. Neither
 * stops a function with side effects: the guard refuses the known ones by name (dblink, ending sessions,
 * advisory locks), but a function of one's own may call them, and only a SELECT-only role stops that.
 */

export interface GuardOptions {
  /** Allow EXPLAIN ANALYZE (it runs the statement): only the explain action, after its warning, asks for it. */
  readonly analyze?: boolean;
}

/** `query` runs through a cursor (SELECT, WITH … SELECT, VALUES, TABLE); `show` and `explain` run as they are. */
export type StatementKind = 'query' | 'show' | 'explain';

export interface GuardedStatement {
  /** The statement to send: from its first token to its last, without the trailing `;` and comments. */
  readonly text: string;
  readonly kind: StatementKind;
  /** EXPLAIN with ANALYZE: the statement runs. */
  readonly analyze: boolean;
  /** The highest `$n` the statement uses, 0 for none. */
  readonly parameters: number;
}

const QUERY_STARTS = new Set(['SELECT', 'VALUES', 'TABLE', 'WITH']);
/** A data-modifying statement: at the top, or inside a WITH at any depth (a writable CTE). */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
const LOCK_STRENGTHS = new Set(['UPDATE', 'SHARE', 'NO', 'KEY']);
/**
 * Functions whose effects a READ ONLY transaction does not stop: a second layer, not the boundary (a
 * function of one's own can call them; a SELECT-only query role is the boundary). Matched by name,
 * schema-qualified or not, quoted or not, where called.
 */
const SIDE_EFFECT_FUNCTIONS = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_promote',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_log_backend_memory_contexts',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_create_physical_replication_slot',
  'pg_create_logical_replication_slot',
  'pg_drop_replication_slot',
  'pg_copy_physical_replication_slot',
  'pg_copy_logical_replication_slot',
  'pg_logical_emit_message',
  'pg_replication_origin_create',
  'pg_replication_origin_drop',
  'pg_stat_reset',
  'pg_stat_reset_shared',
  'pg_stat_reset_single_table_counters',
  'pg_stat_reset_single_function_counters',
  'pg_stat_reset_slru',
  'pg_stat_reset_replication_slot',
  'pg_stat_reset_subscription_stats',
  'pg_stat_reset_backend_stats',
  'pg_stat_statements_reset',
  'pg_file_write',
  'pg_file_rename',
  'pg_file_unlink',
  'pg_file_sync',
  'lo_import',
  'lo_export',
  'lo_unlink',
  'lo_create',
  'lo_creat',
  'lo_put',
  'lo_from_bytea',
  'lo_truncate',
  'pg_notify',
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_advisory_xact_lock',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_try_advisory_xact_lock',
  'pg_try_advisory_xact_lock_shared',
  // Server files: read (a replica's primary_conninfo, password included) or listed.
  'pg_read_file',
  'pg_read_binary_file',
  'pg_stat_file',
  'pg_ls_dir',
  'pg_ls_logdir',
  'pg_ls_waldir',
  'pg_ls_tmpdir',
  'pg_ls_archive_statusdir',
  'pg_ls_logicalsnapdir',
  'pg_ls_logicalmapdir',
  'pg_ls_replslotdir',
  // Replication: consuming a slot's changes, moving it, pausing replay.
  'pg_logical_slot_get_changes',
  'pg_logical_slot_get_binary_changes',
  'pg_replication_slot_advance',
  'pg_replication_origin_advance',
  'pg_replication_origin_session_setup',
  'pg_replication_origin_session_reset',
  'pg_replication_origin_xact_setup',
  'pg_replication_origin_xact_reset',
  'pg_sync_replication_slots',
  'pg_wal_replay_pause',
  'pg_wal_replay_resume',
  'pg_import_system_collations',
  // Index maintenance that writes index pages whatever the transaction (no read-only check, kept after a rollback).
  'brin_summarize_new_values',
  'brin_summarize_range',
  'brin_desummarize_range',
  'gin_clean_pending_list',
  // Heap surgery (pg_surgery) and the visibility map (pg_visibility): pages changed for good, rollback or not.
  'heap_force_kill',
  'heap_force_freeze',
  'pg_truncate_visibility_map',
  // A transaction id used up, and WAL written.
  'txid_current',
  'pg_current_xact_id',
  'pg_log_standby_snapshot',
  // A setting of the run's own transaction: its idle timeout (the server's backstop for a run left open) among them.
  'set_config',
]);
/**
 * Functions that run SQL given as a string, out of the guard's sight (a refused function inside it would
 * run): the statement itself can be run instead. Built-ins, and contrib's: tablefunc's crosstab and
 * connectby (which pastes its names into SQL unquoted), xml2's xpath_table.
 */
const RUNS_SQL_TEXT = new Set([
  'query_to_xml',
  'query_to_xmlschema',
  'query_to_xml_and_xmlschema',
  'ts_stat',
  'ts_rewrite',
  'crosstab',
  'crosstab2',
  'crosstab3',
  'crosstab4',
  'connectby',
  'xpath_table',
]);
const isSideEffectFunction = (name: string) => SIDE_EFFECT_FUNCTIONS.has(name) || name.startsWith('dblink');
/** dblink's functions of one argument: the ones field notation can call (`('dbname=x').dblink_connect`). */
const DBLINK_ONE_ARGUMENT = new Set(['dblink', 'dblink_exec', 'dblink_connect', 'dblink_connect_u', 'dblink_disconnect', 'dblink_get_result', 'dblink_close']);
/**
 * A name that may be a call refused for its side effects. Written as a call, any dblink function; after
 * `.` (field notation, or a schema's table), only those a one-argument call reaches: `mon.dblink_status`
 * is a table.
 */
const refusedCall = (name: string, asField: boolean) =>
  asField ? SIDE_EFFECT_FUNCTIONS.has(name) || DBLINK_ONE_ARGUMENT.has(name) : isSideEffectFunction(name);

/** A U&"…" identifier's name: \XXXX and \+XXXXXX escapes decoded (the default escape character), "" undoubled; null if malformed. */
function unicodeIdentifier(text: string): string | null {
  const body = text.slice(3, -1).replace(/""/g, '"');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      out += body[i];
      continue;
    }
    if (body[i + 1] === '\\') {
      out += '\\';
      i += 1;
      continue;
    }
    const long = body[i + 1] === '+';
    const hex = long ? body.slice(i + 2, i + 8) : body.slice(i + 1, i + 5);
    if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== (long ? 6 : 4)) return null;
    out += String.fromCodePoint(Number.parseInt(hex, 16));
    i += long ? 7 : 4;
  }
  return out;
}

const isPunctuation = (token: SqlToken | undefined, text: string) => token?.text === text && token.kind === 'punctuation';

/**
 * The function a word or quoted name may call, lower-cased as the server folds it: when `(` follows it,
 * or when `.` comes before it, which PostgreSQL also reads as a call of a one-argument function (field
 * notation: `(pid).pg_terminate_backend` is `pg_terminate_backend(pid)`, defaults filled in).
 */
function calledFunction(tokens: readonly SqlToken[], i: number): string | null {
  const token = tokens[i]!;
  if (!isPunctuation(tokens[i + 1], '(') && !isPunctuation(tokens[i - 1], '.')) return null;
  if (token.kind === 'word') return token.text.toLowerCase();
  if (token.kind === 'quoted-identifier' && token.text.startsWith('"')) return token.text.slice(1, -1).replace(/""/g, '"');
  // U&"pg\005Fterminate_backend" names the same function; one that does not decode is refused by name.
  if (token.kind === 'quoted-identifier') return unicodeIdentifier(token.text) ?? token.text;
  return null;
}

const FALSE_WORDS = new Set(['FALSE', 'OFF', '0', "'FALSE'", "'OFF'", "'0'"]);

/** The one statement of `sql` if it is a read; INVALID_PARAMS or READ_ONLY (with a sentence saying what to do) otherwise. */
export function guardStatement(sql: string, options: GuardOptions = {}): GuardedStatement {
  const statement = singleStatement(sql, tokenizeSql(sql));
  const { kind, analyze } = classify(statement, options);
  const parameters = Math.max(0, ...statement.filter((t) => t.kind === 'parameter').map((t) => Number(t.text.slice(1))));
  return Object.freeze({ text: sql.slice(statement[0]!.start, statement.at(-1)!.end), kind, analyze, parameters });
}

/** The tokens of the only statement: a `;` followed by anything but more `;` is a second statement. */
function singleStatement(sql: string, tokens: readonly SqlToken[]): SqlToken[] {
  const end = tokens.findIndex((t) => t.text === ';' && t.kind === 'punctuation');
  const body = end === -1 ? [...tokens] : tokens.slice(0, end);
  const second = end === -1 ? undefined : tokens.slice(end).find((t) => !(t.text === ';' && t.kind === 'punctuation'));
  if (second) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `The text holds more than one statement (the second starts at "${excerpt(sql, second)}"). Run one statement at a time: remove the others, or select the one to run.`,
      { details: { position: second.start } },
    );
  }
  if (body.length === 0)
    throw new ConsoleError(
      'INVALID_PARAMS',
      'There is no statement to run (only comments, whitespace or ";"). Write a SELECT, VALUES, TABLE, SHOW or EXPLAIN.',
    );
  return body;
}

function classify(tokens: readonly SqlToken[], options: GuardOptions): { kind: StatementKind; analyze: boolean } {
  const first = tokens.find((t) => !(t.kind === 'punctuation' && t.text === '('));
  if (first?.kind !== 'word') {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `The statement starts with "${first?.text ?? '('}", not a statement keyword. Start it with SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN.`,
      {
        details: { position: first?.start ?? 0 },
      },
    );
  }
  if (QUERY_STARTS.has(first.upper)) {
    assertNoWriteInside(tokens);
    return { kind: 'query', analyze: false };
  }
  if (first.upper === 'SHOW' && first === tokens[0]) return { kind: 'show', analyze: false };
  if (first.upper === 'EXPLAIN' && first === tokens[0]) return { kind: 'explain', analyze: classifyExplain(tokens, options) };
  throw refusalFor(first);
}

/**
 * A writable CTE, a row-locking clause or SELECT … INTO anywhere in a query refuses it. A DML keyword
 * right after `.` or `AS` is a name (`t.update`, `AS delete`), never a statement; anywhere else the guard
 * refuses rather than guesses (a column named `update` is written "update").
 */
function assertNoWriteInside(tokens: readonly SqlToken[]): void {
  for (const [i, token] of tokens.entries()) {
    const called = calledFunction(tokens, i);
    const asField = !isPunctuation(tokens[i + 1], '(');
    if (called !== null && refusedCall(called, asField)) throw refusalFor({ ...token, upper: called.toUpperCase() }, 'side-effect');
    if (called !== null && RUNS_SQL_TEXT.has(called)) throw refusalFor({ ...token, upper: called.toUpperCase() }, 'sql-text');
    if (token.kind !== 'word') continue;
    // UESCAPE puts words between a U&"…" name and its call: refused rather than decoded.
    if (token.upper === 'UESCAPE') throw refusalFor(token, 'uescape');
    const before = tokens[i - 1];
    const asName = before?.text === '.' || before?.upper === 'AS';
    if (token.upper === 'FOR' && LOCK_STRENGTHS.has(tokens[i + 1]?.upper ?? '') && isLockingClause(tokens, i)) throw refusalFor(token, 'locking');
    if (token.upper === 'INTO' && !asName) throw refusalFor(token, 'select-into');
    if (WRITES.has(token.upper) && !asName) throw refusalFor(token, 'writable-cte');
  }
}

/** FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE (not `substring(x FOR key)`). */
function isLockingClause(tokens: readonly SqlToken[], forAt: number): boolean {
  const words = tokens.slice(forAt + 1, forAt + 4).map((t) => (t.kind === 'word' ? t.upper : ''));
  return (
    words[0] === 'UPDATE' ||
    words[0] === 'SHARE' ||
    (words[0] === 'NO' && words[1] === 'KEY' && words[2] === 'UPDATE') ||
    (words[0] === 'KEY' && words[1] === 'SHARE')
  );
}

/** Whether the EXPLAIN analyzes (legacy `EXPLAIN ANALYZE VERBOSE` or an option list), after checking the statement it explains. */
function classifyExplain(tokens: readonly SqlToken[], options: GuardOptions): boolean {
  let at = 1;
  let analyze = false;
  if (tokens[at]?.text === '(' && tokens[at]?.kind === 'punctuation') {
    const close = matchingParen(tokens, at);
    analyze = explainOptionsAnalyze(tokens.slice(at + 1, close));
    at = close + 1;
  } else {
    while (['ANALYZE', 'ANALYSE', 'VERBOSE'].includes(tokens[at]?.upper ?? '') && tokens[at]?.kind === 'word') {
      if (tokens[at]!.upper !== 'VERBOSE') analyze = true;
      at += 1;
    }
  }
  const inner = tokens.slice(at);
  if (inner.length === 0) throw new ConsoleError('INVALID_PARAMS', 'EXPLAIN needs a statement to explain: EXPLAIN SELECT ….');
  const explained = classifyExplained(inner, options, analyze);
  if (explained !== 'query')
    throw new ConsoleError('INVALID_PARAMS', `EXPLAIN explains a query; "${inner[0]!.text}" is not one. Explain a SELECT, WITH … SELECT, VALUES or TABLE.`);
  if (analyze && !options.analyze) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      'EXPLAIN ANALYZE runs the statement to time it. Use Explain with "analyze" (which says so first) instead of typing it into a run, or remove ANALYZE.',
    );
  }
  return analyze;
}

function classifyExplained(inner: readonly SqlToken[], options: GuardOptions, analyze: boolean): StatementKind {
  try {
    return classify(inner, options).kind;
  } catch (error) {
    if (!(error instanceof ConsoleError) || error.code !== 'READ_ONLY') throw error;
    const what = analyze ? 'EXPLAIN ANALYZE runs the statement it explains, so it' : 'EXPLAIN';
    throw new ConsoleError('READ_ONLY', `${what} is refused for this statement too: ${error.message}`, error.details ? { details: error.details } : {});
  }
}

/** `ANALYZE` in an EXPLAIN option list turns it on unless its value is false, off or 0. */
function explainOptionsAnalyze(list: readonly SqlToken[]): boolean {
  let analyze = false;
  let depth = 0;
  let option: SqlToken[] = [];
  const endOption = () => {
    const [name, value] = option;
    // A quoted option name is the option too, as written ("analyze", U&"analyze"; the server compares it lower-case).
    const quoted = name?.kind === 'quoted-identifier' ? (name.text.startsWith('"') ? name.text.slice(1, -1) : (unicodeIdentifier(name.text) ?? '')) : null;
    const said = quoted !== null ? quoted.toUpperCase() : name?.upper;
    if (said === 'ANALYZE' || said === 'ANALYSE') analyze = value === undefined || !FALSE_WORDS.has(value.upper.toUpperCase());
    option = [];
  };
  for (const token of list) {
    if (token.text === '(') depth += 1;
    if (token.text === ')') depth -= 1;
    if (token.text === ',' && depth === 0) endOption();
    else option.push(token);
  }
  endOption();
  return analyze;
}

function matchingParen(tokens: readonly SqlToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i += 1) {
    if (tokens[i]!.kind !== 'punctuation') continue;
    if (tokens[i]!.text === '(') depth += 1;
    if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  throw new ConsoleError('INVALID_PARAMS', 'The EXPLAIN option list is missing its closing ")". Close it: EXPLAIN (FORMAT JSON) SELECT ….');
}

/**
 * The start of the statement at `token`, for a message: its first tokens up to about 40 characters, one
 * space between them (a comment is never shown), and a string or quoted name that would not fit shown as
 * '…': never the start of a literal cut short (a cut PASSWORD '... matches no redaction, and a cut
 * password is half of one).
 */
function excerpt(sql: string, token: SqlToken): string {
  let out = '';
  for (const t of tokenizeSql(sql.slice(token.start))) {
    const next = `${out}${out ? ' ' : ''}${t.text}`;
    if (next.length <= 40 && !t.text.includes('\n')) {
      out = next;
      continue;
    }
    if (t.kind === 'string' || t.kind === 'quoted-identifier') out += `${out ? ' ' : ''}'…'`;
    else if (!out) out = t.text.slice(0, 40);
    break;
  }
  return out;
}
