import { tokenizeSql, type SqlToken } from '../backups/archive/sql-tokens.ts';

/*
 * Statements a migration file must not hold, found at the top level of its SQL (a function's body,
 * a DO block's or a string's text is one token, so a BEGIN there is never one of them). Each file runs
 * in a transaction the console opens, and its row in schema_migrations is written in that same
 * transaction: a file's own COMMIT would commit the half before it and leave the version to be recorded
 * apart (a crash between them re-runs the file), and a statement PostgreSQL refuses inside a transaction
 * block would fail on every database, each time.
 */

const TRANSACTION_CONTROL = new Set(['begin', 'commit', 'end', 'abort', 'rollback']);

/** The first statement of `sql` a migration file may not hold, as written (upper case), or null. */
export function refusedMigrationStatement(sql: string): { statement: string; kind: 'transaction' | 'outside-transaction' } | null {
  const tokens = tokenizeSql(sql);
  let atomic = false;
  for (let i = 0; i < tokens.length; i++) {
    if (!startsStatement(tokens, i)) {
      // A SQL-standard function body (BEGIN ATOMIC ... END) holds statements of its own.
      if (word(tokens[i]) === 'begin' && word(tokens[i + 1]) === 'atomic') atomic = true;
      continue;
    }
    const first = word(tokens[i]);
    const second = word(tokens[i + 1]);
    if (atomic) {
      if (first === 'end') atomic = false;
      continue;
    }
    if (first && TRANSACTION_CONTROL.has(first) && !(first === 'rollback' && second === 'to') && !(first === 'begin' && second === 'atomic'))
      return { statement: first.toUpperCase(), kind: 'transaction' };
    if (first === 'start' && second === 'transaction') return { statement: 'START TRANSACTION', kind: 'transaction' };
    const outside = outsideTransaction(tokens, i);
    if (outside) return { statement: outside, kind: 'outside-transaction' };
  }
  return null;
}

function word(token: SqlToken | undefined): string | null {
  return token?.kind === 'word' ? token.value : null;
}

function startsStatement(tokens: readonly SqlToken[], i: number): boolean {
  return i === 0 || (tokens[i - 1]!.kind === 'punct' && tokens[i - 1]!.value === ';');
}

/** Statements PostgreSQL runs only outside a transaction block, from the statement's first words. */
function outsideTransaction(tokens: readonly SqlToken[], i: number): string | null {
  const words: string[] = [];
  for (let j = i; j < tokens.length && words.length < 5 && !(tokens[j]!.kind === 'punct' && tokens[j]!.value === ';'); j++) {
    const w = word(tokens[j]);
    if (w) words.push(w);
  }
  const text = words.join(' ');
  if (words[0] === 'vacuum') return 'VACUUM';
  if (/^(create( unique)? index|drop index|reindex \w+) concurrently\b/.test(text))
    return `${words
      .slice(0, words.indexOf('concurrently') + 1)
      .join(' ')
      .toUpperCase()}`;
  if (/^(create|drop) database\b/.test(text)) return `${words.slice(0, 2).join(' ').toUpperCase()}`;
  if (/^alter system\b/.test(text)) return 'ALTER SYSTEM';
  return null;
}
