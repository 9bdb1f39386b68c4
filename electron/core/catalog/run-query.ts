import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Compilable } from 'kysely';
import type pg from 'pg';

/*
 * Queries on tables we know (pg_catalog, the console's own schema, pwb_websites) are built with Kysely
 * against a typed `Database` interface, then run through the same `query` every other statement uses:
 * a DatabaseHandle's (cancel on abort, errors that name the database) or a pg client's (one session:
 * a migration's transaction, an advisory lock). So building and running are split, as Kysely's
 * DummyDriver is meant for.
 */

/** What a built query runs on: a DatabaseHandle, a pooled client or a plain pg client. */
export interface Queryable {
  // biome-ignore lint/suspicious/noExplicitAny: the row type defaults to any as in pg's own query(); callers name theirs
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** A Kysely that builds and compiles PostgreSQL queries for `DB` and never connects. */
export function queryBuilder<DB>(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/** Compiles a built query and runs it on `on`; the rows come back typed as Kysely inferred them. */
export async function runQuery<O>(on: Queryable, query: Compilable<O>): Promise<O[]> {
  const compiled = query.compile();
  const result = await on.query<O & pg.QueryResultRow>(compiled.sql, [...compiled.parameters]);
  return result.rows;
}

/** The first row of a built query, or undefined when it returns none. */
export async function runQueryFirst<O>(on: Queryable, query: Compilable<O>): Promise<O | undefined> {
  return (await runQuery(on, query))[0];
}
