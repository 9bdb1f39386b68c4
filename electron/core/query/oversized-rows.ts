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

export function containOversizedRows(client: pg.ClientBase): void {
  const stream = (client as unknown as SocketOf).connection?.stream;
  if (!stream) return;
  for (const listener of stream.listeners('data') as Array<(chunk: Buffer) => void>) {
    stream.removeListener('data', listener);
    stream.on('data', (chunk: Buffer) => {
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
