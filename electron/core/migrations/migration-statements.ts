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
      // A SQL-standard function body (BEGIN ATOMIC ... END) holds statements of its own; an empty one
      // (BEGIN ATOMIC END) ends where it begins.
      if (word(tokens[i]) === 'begin' && word(tokens[i + 1]) === 'atomic') atomic = word(tokens[i + 2]) !== 'end';
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
    // A prepared transaction would hold the file's changes uncommitted while its version is recorded.
    if (first === 'prepare' && second === 'transaction') return { statement: 'PREPARE TRANSACTION', kind: 'transaction' };
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

/**
 * REINDEX [ (option [value], ...) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [ CONCURRENTLY ] name:
 * refused when concurrent (the option, unless set false, or the word after the kind) or of a whole
 * schema, database or system (reindexed a table per transaction).
 */
function refusedReindex(tokens: readonly SqlToken[], i: number): string | null {
  let at = i + 1;
  let concurrent = false;
  if (tokens[at]?.kind === 'punct' && tokens[at]!.value === '(') {
    // Options: a name and an optional value each, comma-separated.
    for (at += 1; at < tokens.length && !(tokens[at]!.kind === 'punct' && tokens[at]!.value === ')'); at += 1) {
      // An option's name may be quoted (`("concurrently")` is the option; `"CONCURRENTLY"` one PostgreSQL refuses).
      const name = tokens[at]!.kind === 'quoted' ? tokens[at]!.value : word(tokens[at]);
      if (name !== 'concurrently' || (tokens[at - 1]?.value !== '(' && tokens[at - 1]?.value !== ',')) continue;
      const value = tokens[at + 1];
      concurrent = !(value && value.kind !== 'punct' && ['false', 'off', '0'].includes(value.value.toLowerCase().replace(/^'|'$/g, '')));
    }
    at += 1;
  }
  const kind = word(tokens[at]);
  if (concurrent || word(tokens[at + 1]) === 'concurrently') return 'REINDEX CONCURRENTLY';
  if (kind === 'schema' || kind === 'database' || kind === 'system') return `REINDEX ${kind.toUpperCase()}`;
  return null;
}

/** Statements PostgreSQL runs only outside a transaction block, from the statement's first words. */
function outsideTransaction(tokens: readonly SqlToken[], i: number): string | null {
  const words: string[] = [];
  for (let j = i; j < tokens.length && words.length < 12 && !(tokens[j]!.kind === 'punct' && tokens[j]!.value === ';'); j++) {
    const w = word(tokens[j]);
    if (w) words.push(w);
  }
  const text = words.join(' ');
  if (words[0] === 'vacuum') return 'VACUUM';
  if (/^(create( unique)? index|drop index) concurrently\b/.test(text))
    return words
      .slice(0, words.indexOf('concurrently') + 1)
      .join(' ')
      .toUpperCase();
  if (words[0] === 'reindex') return refusedReindex(tokens, i);
  if (/^alter table\b/.test(text) && words.includes('detach') && words.includes('concurrently')) return 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY';
  if (/^(create|drop) (database|tablespace)\b/.test(text)) return words.slice(0, 2).join(' ').toUpperCase();
  if (/^alter system\b/.test(text)) return 'ALTER SYSTEM';
  return null;
}
