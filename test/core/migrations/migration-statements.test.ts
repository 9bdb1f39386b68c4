import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertReadAlikeEverywhere, listMigrations } from '../../../electron/core/migrations/migration-files.ts';
import { refusedMigrationStatement } from '../../../electron/core/migrations/migration-statements.ts';

/*
 * A migration file runs in the console's own transaction, with the row recording it: its own
 * transaction statements, or one PostgreSQL refuses inside a transaction block, are refused when the
 * files are read, before any database is touched. The same words inside a function body, a DO block,
 * a string or a comment are not statements of the file.
 */

describe('statements a migration file may not hold', () => {
  it('finds transaction control and statements that need to run outside a transaction, at the top level only', () => {
    const cases: Array<[string, string | null]> = [
      ['BEGIN;\nALTER TABLE pwb_pages ADD COLUMN x int;\nCOMMIT;', 'BEGIN'],
      ['ALTER TABLE pwb_pages ADD COLUMN x int;\ncommit;', 'COMMIT'],
      ['start transaction; select 1;', 'START TRANSACTION'],
      ['SELECT 1; END;', 'END'],
      ['SELECT 1; ROLLBACK;', 'ROLLBACK'],
      ['CREATE INDEX CONCURRENTLY i ON pwb_pages (slug);', 'CREATE INDEX CONCURRENTLY'],
      ['create unique index concurrently if not exists i on t (a);', 'CREATE UNIQUE INDEX CONCURRENTLY'],
      ['DROP INDEX CONCURRENTLY i;', 'DROP INDEX CONCURRENTLY'],
      ['REINDEX TABLE CONCURRENTLY pwb_pages;', 'REINDEX CONCURRENTLY'],
      ['VACUUM ANALYZE pwb_pages;', 'VACUUM'],
      ['ALTER SYSTEM SET work_mem = 1;', 'ALTER SYSTEM'],
      // An empty SQL-standard body ends where it begins: what follows is the file's again.
      ['CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC END;\nCOMMIT;', 'COMMIT'],
      ["PREPARE TRANSACTION 'x';", 'PREPARE TRANSACTION'],
      ["COMMIT PREPARED 'x';", 'COMMIT'],
      ['ALTER TABLE pwb_events DETACH PARTITION pwb_events_2020 CONCURRENTLY;', 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY'],
      ['REINDEX (VERBOSE) TABLE CONCURRENTLY pwb_pages;', 'REINDEX CONCURRENTLY'],
      ['REINDEX (CONCURRENTLY) INDEX i;', 'REINDEX CONCURRENTLY'],
      ['REINDEX DATABASE pwb;', 'REINDEX DATABASE'],
      ['REINDEX (VERBOSE) SCHEMA public;', 'REINDEX SCHEMA'],
      ['REINDEX (VERBOSE ON) SCHEMA public;', 'REINDEX SCHEMA'],
      ['REINDEX (TABLESPACE fast) DATABASE pwb;', 'REINDEX DATABASE'],
      ['REINDEX (CONCURRENTLY true, VERBOSE) INDEX i;', 'REINDEX CONCURRENTLY'],
      ['REINDEX (VERBOSE, "concurrently") INDEX i;', 'REINDEX CONCURRENTLY'],
      ["CREATE TABLESPACE fast LOCATION '/ssd';", 'CREATE TABLESPACE'],
      // Not statements of the file: inside a body, a DO block, a string, a comment; savepoints work inside.
      ['CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COMMIT; RETURN 1; END $$;', null],
      ['DO $body$ BEGIN PERFORM 1; END $body$;', null],
      ["CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 'COMMIT;';", null],
      ['-- BEGIN;\n/* COMMIT; */ SELECT 1;', null],
      ['SAVEPOINT a; ROLLBACK TO a; RELEASE a;', null],
      ['CREATE INDEX i ON pwb_pages (slug); REFRESH MATERIALIZED VIEW CONCURRENTLY pwb_properties;', null],
      ['REINDEX TABLE pwb_pages; REINDEX INDEX i; PREPARE q AS SELECT 1; ALTER TABLE pwb_events DETACH PARTITION pwb_events_2020;', null],
      ['REINDEX (CONCURRENTLY false) TABLE t; REINDEX (CONCURRENTLY off, TABLESPACE schema) INDEX i;', null],
      ['REINDEX ("concurrently" false) INDEX i; REINDEX TABLE "concurrently";', null],
    ];
    for (const [sql, statement] of cases) expect(refusedMigrationStatement(sql)?.statement ?? null, sql).toBe(statement);
  });

  it('refuses such a file when the migrations are read, naming it, what it holds and what to do', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sc-statements-'));
    await mkdir(path.join(dir, 'tenant'));
    const file = path.join(dir, 'tenant', '20990101000001_own_transaction.sql');
    await writeFile(file, 'BEGIN;\nALTER TABLE pwb_pages ADD COLUMN x integer;\nCOMMIT;\n');
    await expect(listMigrations(dir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/20990101000001_own_transaction\.sql holds BEGIN: .* Remove them from the file\./),
    });
    // A vertical tab between a string and its continuation: servers of different versions read the file differently.
    await writeFile(file, "SELECT E'x'\n\v'\\' ' ; COMMIT; SELECT '';\n");
    const continued = await listMigrations(dir);
    expect(() => assertReadAlikeEverywhere(continued)).toThrow(
      /has a vertical tab after a string, which PostgreSQL 16 and later read as whitespace and older servers do not/,
    );
    // Anywhere else (a comment) every server reads it alike.
    await writeFile(file, 'SELECT 1; -- a\vb\n');
    const commented = await listMigrations(dir);
    expect(() => assertReadAlikeEverywhere(commented)).not.toThrow();
    await writeFile(file, 'CREATE INDEX CONCURRENTLY i ON pwb_pages (slug);\n');
    await expect(listMigrations(dir)).rejects.toThrow(
      /holds CREATE INDEX CONCURRENTLY, which PostgreSQL runs only outside a transaction block.*Run that statement by hand/,
    );
  });
});
