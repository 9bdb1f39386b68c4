import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch } from '../dispatch/dispatcher.ts';
import { httpStatusFor } from './http-status.ts';

/** The media type of a streamed call: one JSON value per line, events first, the envelope last. */
export const NDJSON = 'application/x-ndjson';

const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Calls in flight on the bridge, by the id their caller gave (`x-call-id`), so `POST /cancel/<id>` can
 * stop one. A call without an id can still be stopped by closing its connection.
 */
export class CallsInFlight {
  readonly #calls = new Map<string, AbortController>();

  open(id: string | undefined): { signal: AbortSignal; abort(): void; close(): void } {
    const controller = new AbortController();
    const key = id !== undefined && CALL_ID.test(id) && !this.#calls.has(id) ? id : undefined;
    if (key !== undefined) this.#calls.set(key, controller);
    return {
      signal: controller.signal,
      abort: () => controller.abort(),
      close: () => {
        if (key !== undefined && this.#calls.get(key) === controller) this.#calls.delete(key);
      },
    };
  }

  /** Aborts a call in flight; false when there is none with that id. */
  cancel(id: string): boolean {
    const controller = this.#calls.get(id);
    controller?.abort();
    return controller !== undefined;
  }
}

function wantsStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').split(',').some((t) => t.trim().startsWith(NDJSON));
}

/**
 * Runs one call and answers it. Asked for NDJSON, the answer streams: each event the method emits as a
 * line `{"event": ...}`, then the envelope as the last line (the status is 200 once streaming starts;
 * the envelope carries any error). Otherwise one JSON envelope with the error's HTTP status. Either
 * way, the client going away before the answer is written aborts the call, which cancels its
 * statements on every database.
 */
export async function answerCall(
  dispatch: Dispatch,
  calls: CallsInFlight,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  params: unknown,
): Promise<void> {
  const header = req.headers['x-call-id'];
  const opened = req.headers['x-opened-profile'];
  const call = calls.open(typeof header === 'string' ? header : undefined);
  res.on('close', () => {
    if (!res.writableFinished) call.abort();
  });
  const stream = wantsStream(req);
  if (stream) {
    res.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
  }
  try {
    const onEvent = stream ? (event: unknown) => void res.write(`${JSON.stringify({ event })}\n`) : undefined;
    const envelope = await dispatch(method, params, {
      signal: call.signal,
      caller: 'http',
      ...(onEvent ? { onEvent } : {}),
      ...(typeof opened === 'string' ? { openedProfile: opened } : {}),
    });
    if (res.destroyed) return;
    const text = JSON.stringify(envelope);
    if (stream) res.end(`${text}\n`);
    else {
      res.writeHead(envelope.ok ? 200 : httpStatusFor(envelope.error.code), {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    }
  } finally {
    call.close();
  }
}
