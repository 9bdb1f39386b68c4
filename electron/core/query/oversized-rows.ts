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

/** A read's bound on the bytes the server may send, and what it has sent so far. */
interface ReadLimit {
  readonly limit: number;
  read: number;
}

const readLimits = new WeakMap<pg.ClientBase, ReadLimit>();

/**
 * Bounds what the next statement on `client` may receive (null: no bound). A FETCH asks for rows, never
 * bytes, and rows can grow a thousandfold midway through a result (`ORDER BY length(body)`): past the
 * bound the session is ended and the read fails saying so, instead of every row being decoded and held.
 */
export function limitReadBytes(client: pg.ClientBase, limit: number | null): void {
  if (limit === null) readLimits.delete(client);
  else readLimits.set(client, { limit, read: 0 });
}

export function containOversizedRows(client: pg.ClientBase): void {
  const stream = (client as unknown as SocketOf).connection?.stream;
  if (!stream) return;
  for (const listener of stream.listeners('data') as Array<(chunk: Buffer) => void>) {
    stream.removeListener('data', listener);
    stream.on('data', (chunk: Buffer) => {
      const bound = readLimits.get(client);
      if (bound && (bound.read += chunk.length) > bound.limit) {
        readLimits.delete(client);
        const mb = Math.round(bound.limit / (1024 * 1024));
        stream.destroy(
          new OversizedRowError(
            `One page of the result came to more than ${mb} MB (its rows grew much larger partway through), more than the console holds at once. Select fewer or narrower columns (left(column, 1000), octet_length(column)), or order the result so the large rows come first.`,
          ),
        );
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
