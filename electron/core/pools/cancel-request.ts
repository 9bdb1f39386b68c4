import net from 'node:net';

/** What a CancelRequest needs: where the server listens, and the backend's key from its BackendKeyData. */
export interface BackendKey {
  readonly host: string;
  readonly port: number;
  readonly processID: number;
  readonly secretKey: number;
}

const CANCEL_REQUEST_CODE = 80877102;

/**
 * PostgreSQL's protocol-level cancel: a fresh connection carrying only the backend's pid and secret key,
 * as libpq's PQcancel sends it. It needs no login and no free pool connection (a job whose sessions fill
 * the pool can still be cancelled), and the server answers by closing the connection. Best effort, as
 * in libpq: the statement may finish first; callers that need it gone also wait for their query to end.
 */
export function sendCancelRequest(key: BackendKey, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const packet = Buffer.alloc(16);
    packet.writeInt32BE(16, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeInt32BE(key.processID, 8);
    packet.writeInt32BE(key.secretKey, 12);
    // A host that is a folder is a Unix-domain socket's (as in libpq): the server's socket file in it.
    const socket = key.host.startsWith('/') ? net.connect({ path: `${key.host}/.s.PGSQL.${key.port}` }) : net.connect({ host: key.host, port: key.port });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(timeoutMs, done);
    socket.once('error', done);
    socket.once('close', done);
    socket.once('connect', () => socket.end(packet));
  });
}

/** The key of a connected node-postgres client, when the server sent one. */
export function backendKeyOf(client: { processID?: number | null; secretKey?: number | null }, host: string, port: number): BackendKey | null {
  if (typeof client.processID !== 'number' || typeof client.secretKey !== 'number') return null;
  return { host, port, processID: client.processID, secretKey: client.secretKey };
}

/**
 * The cancels waiting on each signal, behind one 'abort' listener of its own: a call reading a catalog
 * runs a dozen statements at once under one signal, and a listener each would pass Node's limit of ten
 * (MaxListenersExceededWarning, the sign of a leak it is not). The listener goes when the last of them ends.
 */
const waiting = new WeakMap<AbortSignal, { readonly cancels: Set<() => void>; readonly fire: () => void }>();

function onAbort(signal: AbortSignal, cancel: () => void): () => void {
  let entry = waiting.get(signal);
  if (!entry) {
    const cancels = new Set<() => void>();
    const fire = () => {
      waiting.delete(signal);
      for (const c of cancels) c();
    };
    entry = { cancels, fire };
    waiting.set(signal, entry);
    signal.addEventListener('abort', fire, { once: true });
  }
  const { cancels, fire } = entry;
  cancels.add(cancel);
  return () => {
    if (!cancels.delete(cancel) || cancels.size > 0 || waiting.get(signal)?.fire !== fire) return;
    waiting.delete(signal);
    signal.removeEventListener('abort', fire);
  };
}

/** How often a cancel is sent again while the statement it was for is still running. */
export const CANCEL_REPEAT_MS = 500;

/** node-postgres' own accessor of the statement a client has on the wire (the public getter is deprecated). */
type ClientWithActiveQuery = { _getActiveQuery?: () => unknown };

/**
 * While `signal` is not aborted, nothing; once it aborts, a cancel request for the statement `client`
 * is running, sent again every CANCEL_REPEAT_MS while that same statement is still out. A server
 * drops a cancel that reaches a backend before it has read its statement off the socket (a loaded
 * machine, a connection just made), and a statement may also catch one `query_canceled` and go on:
 * sent once, a stop could leave the statement running until the lock it waits on is released. The
 * statements the client runs after the stop (a ROLLBACK, the work's own clean-up) are left alone.
 * A cancel still on its way can land on whatever the session runs next, so a session a cancel went to
 * is not given back to its pool: its caller ends it.
 * Returns the function that stops watching (call it when the client goes back).
 */
export function cancelOnAbort(client: object, server: { host: string; port: number }, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  const key = backendKeyOf(client as { processID?: number; secretKey?: number }, server.host, server.port);
  const active = () => (client as ClientWithActiveQuery)._getActiveQuery?.() ?? null;
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    if (!key) return;
    void sendCancelRequest(key);
    const statement = active();
    if (statement === null) return;
    timer = setInterval(() => {
      if (active() === statement) void sendCancelRequest(key);
      else clearInterval(timer);
    }, CANCEL_REPEAT_MS);
    timer.unref();
  };
  const stopRepeating = () => clearInterval(timer);
  if (signal.aborted) {
    cancel();
    return stopRepeating;
  }
  const stopListening = onAbort(signal, cancel);
  return () => {
    stopListening();
    stopRepeating();
  };
}
