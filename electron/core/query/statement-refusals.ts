import { ConsoleError } from '../../../shared/errors.ts';
import type { SqlToken } from './sql-lexer.ts';

/*
 * Why a statement is not a read, in a sentence that says what to do instead. Every refusal is READ_ONLY:
 * the query console runs reads only, whatever the profile allows elsewhere.
 */

export type RefusalReason =
  | 'write'
  | 'copy'
  | 'schema'
  | 'session'
  | 'procedure'
  | 'maintenance'
  | 'notification'
  | 'prepared'
  | 'transaction'
  | 'cursor'
  | 'locking'
  | 'select-into'
  | 'writable-cte'
  | 'side-effect'
  | 'sql-text'
  | 'uescape'
  | 'unknown';

const REASON_BY_KEYWORD: Readonly<Record<string, RefusalReason>> = Object.freeze({
  ...Object.fromEntries(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE'].map((k) => [k, 'write'])),
  COPY: 'copy',
  ...Object.fromEntries(['CREATE', 'ALTER', 'DROP', 'COMMENT', 'GRANT', 'REVOKE', 'SECURITY', 'REASSIGN', 'IMPORT'].map((k) => [k, 'schema'])),
  ...Object.fromEntries(['SET', 'RESET', 'DISCARD', 'LOAD'].map((k) => [k, 'session'])),
  ...Object.fromEntries(['CALL', 'DO'].map((k) => [k, 'procedure'])),
  ...Object.fromEntries(['LOCK', 'VACUUM', 'ANALYZE', 'ANALYSE', 'CLUSTER', 'REINDEX', 'REFRESH', 'CHECKPOINT'].map((k) => [k, 'maintenance'])),
  ...Object.fromEntries(['LISTEN', 'NOTIFY', 'UNLISTEN'].map((k) => [k, 'notification'])),
  ...Object.fromEntries(['PREPARE', 'EXECUTE', 'DEALLOCATE'].map((k) => [k, 'prepared'])),
  ...Object.fromEntries(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE'].map((k) => [k, 'transaction'])),
  ...Object.fromEntries(['DECLARE', 'FETCH', 'MOVE', 'CLOSE'].map((k) => [k, 'cursor'])),
});

const WHY: Readonly<Record<RefusalReason, (keyword: string) => string>> = Object.freeze({
  write: (k) => `${k} changes data. Writes go through a migration, a move or psql with a role that may write`,
  copy: () => 'COPY writes a table, a server file or runs a program (TO PROGRAM). To save a result, run the SELECT and use "Export to file"',
  schema: (k) => `${k} changes the schema or privileges. Schema changes go through a migration (shard-console migration new)`,
  session: (k) => `${k} changes the session (SET ROLE its privileges). The console sets the statement timeout itself: give the run a timeout instead`,
  procedure: (k) => `${k} runs server-side code that may write. Call a function from a SELECT only if it reads`,
  maintenance: (k) => `${k} is maintenance that takes locks or rewrites data. Run it from psql, outside the query console`,
  notification: (k) => `${k} sends or waits for notifications, which a one-shot read cannot use`,
  prepared: (k) => `${k} manages prepared statements, which a one-shot read does not keep. Write the statement itself`,
  transaction: (k) => `${k} controls transactions; every run is already its own READ ONLY transaction`,
  cursor: (k) => `${k} manages cursors; every run already reads through one ("fetch more" reads the next page)`,
  locking: () => 'SELECT … FOR UPDATE/SHARE takes row locks that block writers. Remove the locking clause',
  'select-into': () => 'SELECT … INTO creates a table. Remove INTO …; to save the rows use "Export to file"',
  'writable-cte': (k) =>
    `${k} inside the statement changes data (a writable WITH). Remove it; if "${k.toLowerCase()}" is a column or table name here, write it in double quotes`,
  'side-effect': (k) =>
    `${k.toLowerCase()}() acts outside the READ ONLY transaction or the database's tables (it signals or ends sessions, changes the server or a setting, takes locks, reads or writes server files, consumes replication, writes large objects, or opens a connection of its own). Run it from psql if you mean to`,
  'sql-text': (k) => `${k.toLowerCase()}() runs SQL given as a string, which the console cannot check. Run that statement itself`,
  uescape: () =>
    'UESCAPE changes how a U&"…" name or string is read, which the console cannot check. Write the name or string plainly (or with the default \\ escapes)',
  unknown: (k) => `${k} is not a read`,
});

/** READ_ONLY for `token` (the statement's first keyword, or the clause that makes it a write). */
export function refusalFor(token: SqlToken, reason: RefusalReason = REASON_BY_KEYWORD[token.upper] ?? 'unknown'): ConsoleError {
  return new ConsoleError(
    'READ_ONLY',
    `${WHY[reason](token.upper)}. The query console runs one read per run (SELECT, WITH … SELECT, VALUES, TABLE, SHOW or EXPLAIN); nothing was sent.`,
    { details: { reason, keyword: token.upper, position: token.start } },
  );
}
