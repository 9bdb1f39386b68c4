import type pg from 'pg';

/*
 * node-postgres decodes each row where it reads the socket: a value too large for a JavaScript string
 * (about 512 MB, `SELECT repeat('x', 536870889)`) throws there, inside the socket's data handler, and an
 * exception there ends the whole process (a move it runs beside included). On the query console's
 * sessions, whose statements the operator writes, the socket's reader is wrapped: such a failure ends
 * that session instead, and its database's run fails with a message that says why.
 */

interface SocketOf {
  readonly connection?: { readonly stream?: NodeJS.EventEmitter & { destroy(error?: Error): void } };
}

/** A row node-postgres could not decode (a value over JavaScript's string limit): the session is ended. */
export class OversizedRowError extends Error {
  override readonly name = 'OversizedRowError';
}

/**
 * What the sessions of one run (its databases fetch side by side) may have received at once: each
 * page's bytes count as they arrive and, once the run lets go of the page (an export wrote it out),
 * are given back. Past `limit` the session whose bytes crossed it is ended, so the run never holds more,
 * whatever each database's rows turn out to be (a first page of one row has no bound of its own).
 */
export class InFlightBytes {
  read = 0;
  constructor(readonly limit: number) {}
}

/** A read's bound on the bytes the server may send, and what it has sent so far. */
interface ReadLimit {
  readonly limit: number;
  read: number;
  readonly shared: InFlightBytes | null;
}

const readLimits = new WeakMap<pg.ClientBase, ReadLimit>();

/**
 * Bounds what the next statement on `client` may receive (`limit` null: no bound of its own; `shared`:
 * the run's bound it counts against too). A FETCH asks for rows, never bytes, and rows can grow a
 * thousandfold midway through a result (`ORDER BY length(body)`): past a bound the session is ended and
 * the read fails saying so, instead of every row being decoded and held. Ending the bound (both null)
 * returns what the statement received under it.
 */
export function limitReadBytes(client: pg.ClientBase, limit: number | null, shared: InFlightBytes | null = null): number {
  const before = readLimits.get(client)?.read ?? 0;
  if (limit === null && shared === null) readLimits.delete(client);
  else readLimits.set(client, { limit: limit ?? Number.POSITIVE_INFINITY, read: 0, shared });
  return before;
}

const MB = 1024 * 1024;

/** Why a read was ended at a bound, or null while it is within them. */
function pastBound(bound: ReadLimit, bytes: number): string | null {
  bound.read += bytes;
  if (bound.shared) bound.shared.read += bytes;
  if (bound.read > bound.limit)
    return `One page of the result came to more than ${Math.round(bound.limit / MB)} MB (its rows grew much larger partway through), more than the console holds at once. Select fewer or narrower columns (left(column, 1000), octet_length(column)), or order the result so the large rows come first.`;
  if (bound.shared && bound.shared.read > bound.shared.limit)
    return `The databases' results came to more than ${Math.round(bound.shared.limit / MB)} MB at once, more than the console holds: this database's read was ended there. Select fewer or narrower columns (left(column, 1000), octet_length(column)), or run the statement on fewer databases at a time.`;
  return null;
}

export function containOversizedRows(client: pg.ClientBase): void {
  const stream = (client as unknown as SocketOf).connection?.stream;
  if (!stream) return;
  for (const listener of stream.listeners('data') as Array<(chunk: Buffer) => void>) {
    stream.removeListener('data', listener);
    stream.on('data', (chunk: Buffer) => {
      const bound = readLimits.get(client);
      const past = bound ? pastBound(bound, chunk.length) : null;
      if (past !== null) {
        readLimits.delete(client);
        stream.destroy(new OversizedRowError(past));
        return;
      }
      try {
        listener(chunk);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        stream.destroy(
          new OversizedRowError(
            `A row of the result could not be read (${why}): a value is larger than the console can hold (about 512 MB of text). Select a part of it instead (left(column, 1000), octet_length(column)).`,
          ),
        );
      }
    });
  }
}
