import { describe, expect, it } from 'vitest';
import { guardStatement } from '../../../electron/core/query/sql-statement-guard.ts';
import { tokenizeSql } from '../../../electron/core/query/sql-lexer.ts';
import { ConsoleError } from '../../../shared/errors.ts';

/*
 * The guard decides before anything is sent. Allowed: one read, with the text it sends (no trailing `;`
 * or comments). Refused: READ_ONLY for anything that is not a read, INVALID_PARAMS for two statements,
 * no statement, or text that never ends. The lexing cases are the ones where a `;` or a keyword hides in
 * a string, a comment, a dollar quote or an identifier.
 */

type Allowed = readonly [sql: string, kind: 'query' | 'show' | 'explain', sent?: string];

const allowed: Allowed[] = [
  ['SELECT 1', 'query'],
  ['select 1;', 'query', 'select 1'],
  ['SELECT 1 ;  -- trailing comment\n', 'query', 'SELECT 1'],
  ['SELECT 1;;', 'query', 'SELECT 1'],
  ['-- leading comment\nSELECT 1', 'query', 'SELECT 1'],
  // Named, not called: a column, a string, a comment.
  [`SELECT pg_notify, 'pg_terminate_backend(1)' FROM t -- dblink_exec(x)`, 'query', `SELECT pg_notify, 'pg_terminate_backend(1)' FROM t`],
  ['SELECT "PG_TERMINATE_BACKEND"(1)', 'query'],
  // A schema's table whose name starts like dblink's functions is a table.
  ['SELECT * FROM mon.dblink_status', 'query'],
  ['/* leading /* nested */ comment */ SELECT 1 /* trailing */', 'query', 'SELECT 1'],
  ['WITH x AS (SELECT 1 AS a) SELECT a FROM x', 'query'],
  ['with recursive t(n) as (values (1) union all select n + 1 from t where n < 5) select * from t', 'query'],
  ['VALUES (1, 2), (3, 4)', 'query'],
  ['TABLE pwb_websites', 'query'],
  ['(SELECT 1) UNION (SELECT 2)', 'query'],
  ['SHOW search_path', 'show'],
  ['show all', 'show'],
  ['EXPLAIN SELECT 1', 'explain'],
  ['EXPLAIN (FORMAT JSON, COSTS off) SELECT 1', 'explain'],
  ['EXPLAIN (ANALYZE false) SELECT 1', 'explain'],
  ['EXPLAIN VERBOSE SELECT 1', 'explain'],
  [`SELECT 'a;b'`, 'query'],
  [`SELECT 'it''s; DELETE FROM t'`, 'query'],
  [`SELECT E'\\';' AS s`, 'query'],
  [`SELECT E'\\'; DELETE FROM t; --'`, 'query'],
  [`SELECT E'back\\\\slash'; `, 'query', `SELECT E'back\\\\slash'`],
  [`SELECT $$; DROP TABLE t; $$`, 'query'],
  [`SELECT $fn$ a $$ ; $ b $fn$`, 'query'],
  [`SELECT 1 AS "a;b", 2 AS "say ""DELETE"""`, 'query'],
  [`SELECT U&'d\\0061t;' , U&"x;y"`, 'query'],
  [`SELECT 1 -- ; DELETE FROM t\n`, 'query', 'SELECT 1'],
  [`SELECT /* ; /* DELETE */ ; */ 1`, 'query'],
  [`SELECT 'update' AS action, "delete", t.update FROM t`, 'query'],
  [`SELECT 1 AS insert`, 'query'],
  [`SELECT substring('abc' FROM 1 FOR 2)`, 'query'],
  [`SELECT a$b$c FROM t`, 'query'],
  [`SELECT * FROM pwb_props WHERE website_id = $1`, 'query'],
  [`SELECT 1e-3, .5, 0x1F, 1_000`, 'query'],
  [`SELECT B'101', X'1F', N'national'`, 'query'],
  [`SELECT nextval('s')`, 'query'],
];

type Refused = readonly [sql: string, code: 'READ_ONLY' | 'INVALID_PARAMS', reason?: string];

const refused: Refused[] = [
  ['INSERT INTO t VALUES (1)', 'READ_ONLY', 'write'],
  ['update t set a = 1', 'READ_ONLY', 'write'],
  ['DELETE FROM t', 'READ_ONLY', 'write'],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'READ_ONLY', 'write'],
  ['TRUNCATE t', 'READ_ONLY', 'write'],
  ['CREATE TABLE t (a int)', 'READ_ONLY', 'schema'],
  ['ALTER TABLE t ADD COLUMN b int', 'READ_ONLY', 'schema'],
  ['DROP TABLE t', 'READ_ONLY', 'schema'],
  [`COMMENT ON TABLE t IS 'x'`, 'READ_ONLY', 'schema'],
  ['GRANT SELECT ON t TO public', 'READ_ONLY', 'schema'],
  ['REVOKE SELECT ON t FROM public', 'READ_ONLY', 'schema'],
  ['SELECT * FROM t FOR UPDATE', 'READ_ONLY', 'locking'],
  ['SELECT * FROM t FOR SHARE', 'READ_ONLY', 'locking'],
  ['SELECT * FROM t FOR NO KEY UPDATE', 'READ_ONLY', 'locking'],
  ['select * from t for key share skip locked', 'READ_ONLY', 'locking'],
  ['SELECT * INTO t2 FROM t', 'READ_ONLY', 'select-into'],
  ['COPY t TO STDOUT', 'READ_ONLY', 'copy'],
  [`COPY (SELECT 1) TO PROGRAM 'rm -rf /'`, 'READ_ONLY', 'copy'],
  [`COPY t FROM '/etc/passwd'`, 'READ_ONLY', 'copy'],
  ['SET statement_timeout = 0', 'READ_ONLY', 'session'],
  ['RESET ALL', 'READ_ONLY', 'session'],
  ['SET ROLE postgres', 'READ_ONLY', 'session'],
  ['SET SESSION AUTHORIZATION postgres', 'READ_ONLY', 'session'],
  ['CALL do_things()', 'READ_ONLY', 'procedure'],
  [`DO $$ BEGIN DELETE FROM t; END $$`, 'READ_ONLY', 'procedure'],
  ['LOCK TABLE t', 'READ_ONLY', 'maintenance'],
  ['VACUUM t', 'READ_ONLY', 'maintenance'],
  ['ANALYZE t', 'READ_ONLY', 'maintenance'],
  ['CLUSTER t', 'READ_ONLY', 'maintenance'],
  ['REINDEX TABLE t', 'READ_ONLY', 'maintenance'],
  ['REFRESH MATERIALIZED VIEW pwb_properties', 'READ_ONLY', 'maintenance'],
  ['LISTEN x', 'READ_ONLY', 'notification'],
  [`NOTIFY x, 'y'`, 'READ_ONLY', 'notification'],
  ['PREPARE p AS SELECT 1', 'READ_ONLY', 'prepared'],
  ['EXECUTE p', 'READ_ONLY', 'prepared'],
  ['DEALLOCATE p', 'READ_ONLY', 'prepared'],
  ['BEGIN', 'READ_ONLY', 'transaction'],
  ['COMMIT', 'READ_ONLY', 'transaction'],
  ['ROLLBACK', 'READ_ONLY', 'transaction'],
  ['SAVEPOINT s', 'READ_ONLY', 'transaction'],
  ['DECLARE c CURSOR FOR SELECT 1', 'READ_ONLY', 'cursor'],
  ['WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', 'READ_ONLY', 'writable-cte'],
  [
    'WITH a AS (SELECT 1), b AS (WITH c AS (SELECT 2) SELECT * FROM (SELECT 1) s WHERE EXISTS (WITH d AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1)) SELECT 1',
    'READ_ONLY',
    'writable-cte',
  ],
  ['WITH x AS MATERIALIZED (UPDATE t SET a = 1 RETURNING a) SELECT * FROM x', 'READ_ONLY', 'writable-cte'],
  ['with x as (merge into t using s on true when matched then do nothing) select 1', 'READ_ONLY', 'writable-cte'],
  ['WITH x AS (SELECT 1) DELETE FROM t', 'READ_ONLY', 'writable-cte'],
  ['EXPLAIN ANALYZE DELETE FROM t', 'READ_ONLY', 'write'],
  ['EXPLAIN DELETE FROM t', 'READ_ONLY', 'write'],
  ['EXPLAIN (ANALYZE) WITH x AS (DELETE FROM t RETURNING 1) SELECT * FROM x', 'READ_ONLY', 'writable-cte'],
  ['EXPLAIN ANALYZE SELECT 1', 'INVALID_PARAMS'],
  ['EXPLAIN (ANALYZE true, FORMAT JSON) SELECT 1', 'INVALID_PARAMS'],
  ['explain analyse select 1', 'INVALID_PARAMS'],
  ['EXPLAIN EXPLAIN SELECT 1', 'INVALID_PARAMS'],
  ['SELECT 1; SELECT 2', 'INVALID_PARAMS'],
  ['SELECT 1; DELETE FROM t', 'INVALID_PARAMS'],
  [`SELECT 'a'; DELETE FROM t; --'`, 'INVALID_PARAMS'],
  [`SELECT E'\\\\'; DELETE FROM t`, 'INVALID_PARAMS'],
  [`SELECT "a"";"; DELETE FROM t`, 'INVALID_PARAMS'],
  [`SELECT $a$ $b$ ; $a$; DELETE FROM t`, 'INVALID_PARAMS'],
  [`SELECT 1 /* /* */ ; */; DELETE FROM t`, 'INVALID_PARAMS'],
  ['', 'INVALID_PARAMS'],
  ['  ;  -- only a comment', 'INVALID_PARAMS'],
  [`SELECT 'never ends`, 'INVALID_PARAMS'],
  [`SELECT "never ends`, 'INVALID_PARAMS'],
  [`SELECT $$ never ends`, 'INVALID_PARAMS'],
  [`SELECT 1 /* never /* ends */`, 'INVALID_PARAMS'],
  ['42', 'INVALID_PARAMS'],
  ['IMPORT FOREIGN SCHEMA s FROM SERVER x INTO y', 'READ_ONLY', 'schema'],
  ['CHECKPOINT', 'READ_ONLY', 'maintenance'],
  ['DISCARD ALL', 'READ_ONLY', 'session'],
  ['FOO BAR', 'READ_ONLY', 'unknown'],
  ['/* hidden */ insert into t values (1)', 'READ_ONLY', 'write'],
  ['Delete From t', 'READ_ONLY', 'write'],
  // Functions whose effects READ ONLY does not stop, however they are written.
  ['SELECT pg_terminate_backend(pid) FROM pg_stat_activity', 'READ_ONLY', 'side-effect'],
  // They write index pages with no read-only check, and a rollback keeps it.
  [`SELECT brin_desummarize_range('events_created_brin'::regclass, 0)`, 'READ_ONLY', 'side-effect'],
  [`SELECT brin_summarize_new_values('i'::regclass)`, 'READ_ONLY', 'side-effect'],
  [`SELECT gin_clean_pending_list('i'::regclass)`, 'READ_ONLY', 'side-effect'],
  ['SELECT pg_current_xact_id()', 'READ_ONLY', 'side-effect'],
  ['SELECT pg_catalog.PG_CANCEL_BACKEND (42)', 'READ_ONLY', 'side-effect'],
  ['SELECT "pg_reload_conf"()', 'READ_ONLY', 'side-effect'],
  [`SELECT dblink_exec('dbname=x', 'DROP TABLE pwb_websites')`, 'READ_ONLY', 'side-effect'],
  [`SELECT * FROM dblink('dbname=x', 'DELETE FROM t RETURNING 1') AS r(a int)`, 'READ_ONLY', 'side-effect'],
  ['SELECT lo_export(16384, $$/tmp/x$$)', 'READ_ONLY', 'side-effect'],
  ['SELECT pg_advisory_lock(1)', 'READ_ONLY', 'side-effect'],
  [`EXPLAIN ANALYZE SELECT pg_notify('c', 'x')`, 'READ_ONLY', 'side-effect'],
  // Field notation: PostgreSQL calls a one-argument function written as a field of its argument.
  ['SELECT (pid).pg_terminate_backend FROM pg_stat_activity WHERE pid <> pg_backend_pid()', 'READ_ONLY', 'side-effect'],
  ['SELECT (1)."pg_cancel_backend"', 'READ_ONLY', 'side-effect'],
  ['SELECT (42::bigint).pg_advisory_lock', 'READ_ONLY', 'side-effect'],
  [`SELECT ('dbname=app').dblink_connect`, 'READ_ONLY', 'side-effect'],
  [`SELECT ('SELECT to_tsvector(pg_cancel_backend(1)::text)').ts_stat`, 'READ_ONLY', 'sql-text'],
  ['SELECT pg_stat_statements_reset()', 'READ_ONLY', 'side-effect'],
  // A quoted EXPLAIN option is the option.
  ['EXPLAIN ("analyze") SELECT 1', 'INVALID_PARAMS'],
  ['EXPLAIN (FORMAT JSON, "analyse" true) SELECT 1', 'INVALID_PARAMS'],
  ['EXPLAIN (U&"analyze") SELECT 1', 'INVALID_PARAMS'],
  // Named with Unicode escapes: the same functions to the server.
  ['SELECT U&"pg_terminate_backend"(pid) FROM pg_stat_activity', 'READ_ONLY', 'side-effect'],
  ['SELECT u&"pg\\005Fterminate\\005Fbackend"(pid) FROM pg_stat_activity', 'READ_ONLY', 'side-effect'],
  [`SELECT U&"dblink\\+00005Fexec"('dbname=shard_1', 'DELETE FROM pwb_websites')`, 'READ_ONLY', 'side-effect'],
  [`SELECT U&"pg!005Fterminate_backend" UESCAPE '!' (1)`, 'READ_ONLY', 'uescape'],
  // SQL run from a string, which would run a refused function inside it.
  [`SELECT query_to_xml('SELECT pg_terminate_backend(1)', true, false, '')`, 'READ_ONLY', 'sql-text'],
  ['SELECT pg_catalog.query_to_xml_and_xmlschema($$SELECT 1$$, true, false, $$$$)', 'READ_ONLY', 'sql-text'],
  [`SELECT * FROM ts_stat('SELECT pg_advisory_lock(1)::text::tsvector')`, 'READ_ONLY', 'sql-text'],
  // Contrib's: tablefunc (a trusted extension, PUBLIC may call it) and xml2 run their text through SPI.
  [
    `SELECT * FROM crosstab($$SELECT pg_terminate_backend(pid)::text, 'c'::text, 'v'::text FROM pg_stat_activity$$) AS t(r text, c text)`,
    'READ_ONLY',
    'sql-text',
  ],
  [`SELECT * FROM public.crosstab3('SELECT 1')`, 'READ_ONLY', 'sql-text'],
  [`SELECT * FROM connectby('pwb_media_folders', 'id', 'parent_id', '1', 0) AS t(id text, parent text, level int)`, 'READ_ONLY', 'sql-text'],
  [`SELECT * FROM xpath_table('id', 'doc', 'pwb_docs', '/a', 'true; SELECT pg_cancel_backend(1)') AS t(id int, a text)`, 'READ_ONLY', 'sql-text'],
  // Heap surgery and the visibility map: written to the page whatever the transaction, kept after a rollback.
  [`SELECT heap_force_kill('pwb_pages'::regclass, ARRAY['(0,1)'::tid])`, 'READ_ONLY', 'side-effect'],
  [`SELECT heap_force_freeze('pwb_pages'::regclass, ARRAY['(0,1)'::tid])`, 'READ_ONLY', 'side-effect'],
  [`SELECT pg_truncate_visibility_map('pwb_pages')`, 'READ_ONLY', 'side-effect'],
  // Server files, replication, and the run's own settings.
  [`SELECT pg_read_file('postgresql.auto.conf')`, 'READ_ONLY', 'side-effect'],
  [`SELECT * FROM pg_ls_dir('.')`, 'READ_ONLY', 'side-effect'],
  [`SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)`, 'READ_ONLY', 'side-effect'],
  [`SELECT g, set_config('idle_in_transaction_session_timeout', '0', true) FROM generate_series(1, 5000) g`, 'READ_ONLY', 'side-effect'],
  // A no-break space is part of an identifier to PostgreSQL, not whitespace: `\u00a0$a$` is a name, so the
  // DELETE after it is a writable WITH, not text inside a dollar quote.
  ['WITH \u00a0$a$ AS (DELETE FROM t RETURNING 1) SELECT * FROM \u00a0$a$', 'READ_ONLY', 'writable-cte'],
  ['SELECT * FROM t AS \u00a0$a$ FOR UPDATE -- $a$', 'READ_ONLY', 'locking'],
];

function refusal(sql: string, options?: { analyze?: boolean }): ConsoleError {
  try {
    guardStatement(sql, options);
  } catch (error) {
    if (error instanceof ConsoleError) return error;
    throw error;
  }
  throw new Error(`not refused: ${sql}`);
}

describe('statement guard', () => {
  it('has a table of at least 60 cases', () => {
    expect(allowed.length + refused.length).toBeGreaterThanOrEqual(60);
  });

  for (const [sql, kind, sent] of allowed) {
    it(`allows ${JSON.stringify(sql)}`, () => {
      const guarded = guardStatement(sql);
      expect(guarded.kind).toBe(kind);
      expect(guarded.text).toBe(sent ?? sql);
    });
  }

  for (const [sql, code, reason] of refused) {
    it(`refuses ${JSON.stringify(sql)}`, () => {
      const error = refusal(sql);
      expect(error.code).toBe(code);
      if (reason) expect(error.details?.reason).toBe(reason);
      // Every refusal is a sentence that says what to do, not the parser's words.
      expect(error.message).toMatch(/\.$/);
      expect(error.message.length).toBeGreaterThan(40);
    });
  }

  it('says where the second statement starts and what to do', () => {
    const error = refusal('SELECT 1;\nSELECT 2');
    expect(error.message).toBe(
      'The text holds more than one statement (the second starts at "SELECT 2"). Run one statement at a time: remove the others, or select the one to run.',
    );
    expect(error.details).toEqual({ position: 10 });
    // Whole tokens only: a literal that does not fit is shown as '…' (never the start of a password), a comment never.
    expect(refusal(`SELECT 1; ALTER ROLE app PASSWORD 'correcthorsebattery'`).message).toContain(`(the second starts at "ALTER ROLE app PASSWORD '…'")`);
    expect(refusal(`SELECT 1; /* pw hunter2 */ SELECT 2 -- more\n, 3`).message).toContain(`(the second starts at "SELECT 2 , 3")`);
  });

  it('names the write and that nothing was sent', () => {
    expect(refusal('COPY (SELECT 1) TO PROGRAM $$curl x$$').message).toMatch(/^COPY writes a table, a server file or runs a program.*nothing was sent\.$/);
    expect(refusal('WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x').message).toMatch(
      /^DELETE inside the statement changes data \(a writable WITH\)\. .*write it in double quotes/,
    );
  });

  it('allows EXPLAIN ANALYZE only when asked, and never of a write', () => {
    expect(guardStatement('EXPLAIN ANALYZE SELECT 1', { analyze: true })).toMatchObject({ kind: 'explain', analyze: true });
    expect(guardStatement('EXPLAIN (ANALYZE off) SELECT 1', { analyze: true })).toMatchObject({ analyze: false });
    expect(guardStatement('EXPLAIN (FORMAT JSON, ANALYSE) SELECT 1', { analyze: true })).toMatchObject({ analyze: true });
    expect(refusal('EXPLAIN ANALYZE DELETE FROM t', { analyze: true }).message).toMatch(/^EXPLAIN ANALYZE runs the statement it explains/);
    expect(refusal('EXPLAIN ANALYZE INSERT INTO t SELECT 1', { analyze: true }).code).toBe('READ_ONLY');
  });

  it('counts $n parameters', () => {
    expect(guardStatement('SELECT $1, $1::text').parameters).toBe(1);
    expect(guardStatement(`SELECT '$2', $$ $3 $$`).parameters).toBe(0);
    expect(guardStatement('SELECT $2').parameters).toBe(2);
  });

  it('reads a string continued on the next line as one string, in its own mode, as the server does: a refused call behind it is found', () => {
    // To the server: SELECT 'x'' ', count(pg_terminate_backend(pid)), '' FROM pg_stat_activity -- '
    const hidden = `SELECT E'x'\n'\\' ', count(pg_terminate_backend(pid)), '' FROM pg_stat_activity -- '`;
    expect(() => guardStatement(hidden)).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    expect(tokenizeSql(`SELECT E'a'\n'\\' '`).map((t) => t.text)).toEqual(['SELECT', `E'a'\n'\\' '`]);
    // Spaces and a -- comment before the newline, blank lines and comments after it: still one string.
    expect(tokenizeSql(`SELECT 'a'  -- note\n\n  -- more\n  'b' AS s`).map((t) => t.kind)).toEqual(['word', 'string', 'word', 'word']);
    // No newline between them, or a block comment: two strings (the server refuses the first, as it should).
    expect(tokenizeSql(`SELECT 'a' 'b'`).filter((t) => t.kind === 'string')).toHaveLength(2);
    expect(tokenizeSql(`SELECT 'a' /* c */\n'b'`).filter((t) => t.kind === 'string')).toHaveLength(2);
    expect(() => tokenizeSql(`SELECT 'a'\n\v'b'`)).toThrow(/vertical tab after a string/);
  });

  it('lexes like PostgreSQL: offsets, kinds and what is one token', () => {
    const sql = `SELECT E'a\\'b', $t$x$t$, "q""i", $1 FROM t -- c\n/* d /* e */ */;`;
    const tokens = tokenizeSql(sql);
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'],
      ['string', `E'a\\'b'`],
      ['punctuation', ','],
      ['string', '$t$x$t$'],
      ['punctuation', ','],
      ['quoted-identifier', '"q""i"'],
      ['punctuation', ','],
      ['parameter', '$1'],
      ['word', 'FROM'],
      ['word', 't'],
      ['punctuation', ';'],
    ]);
    for (const t of tokens) expect(sql.slice(t.start, t.end)).toBe(t.text);
  });
});
