import './zod-jitless.ts';
import { z } from 'zod';
import { contract } from '../../../shared/contract.ts';
import type { MethodEvent, MethodName, MethodParams, MethodResult } from '../../../shared/contract.ts';
import { errorEnvelopeSchema } from '../../../shared/errors.ts';
import type { ErrorCode, ErrorInfo } from '../../../shared/errors.ts';
import { sessionToken } from './session-token.ts';

/*
 * The one way the renderer reaches the core. `call` picks the transport (Electron preload when the
 * window has one, else the loopback HTTP bridge), checks params before sending and validates every
 * result against the contract at runtime: a response that does not match is an error, never data.
 */

/** The server answered with an error envelope: a stable code and a sentence a person can act on. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly target: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly method: string;

  constructor(method: string, info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.method = method;
    this.code = info.code;
    this.target = info.target;
    this.details = info.details;
  }
}

/** The server answered, but not with what the contract promises (a version mismatch or a bug). */
export class MalformedResponseError extends Error {
  readonly method: string;

  constructor(method: string, problem: string) {
    super(`The console core sent a response to ${method} that does not match the contract: ${problem}`);
    this.name = 'MalformedResponseError';
    this.method = method;
  }
}

/** No answer at all: the bridge is down, the network failed, or there is no transport in this window. */
export class TransportError extends Error {
  readonly method: string;

  constructor(method: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.method = method;
  }
}

/** What the Electron preload exposes; checked structurally at runtime rather than trusted. */
interface PreloadBridge {
  invoke(method: string, params: unknown, callId?: string, onEvent?: (event: unknown) => void): Promise<unknown>;
  cancel?(callId: string): void;
  chooseSavePath?(purpose: 'export' | 'profile', suggestedName: string): Promise<string | null>;
}

/**
 * The desktop app's native save dialog for an export or a profile, when there is one: the window may
 * write only into the console's own folders or to a file chosen there. Null in a browser, where the
 * path is typed.
 */
export function saveDialog(): ((purpose: 'export' | 'profile', suggestedName: string) => Promise<string | null>) | null {
  const bridge = preloadBridge();
  return bridge?.chooseSavePath ? (purpose, name) => bridge.chooseSavePath!(purpose, name) : null;
}

/** How a call is followed: its events as they come, and the signal that cancels it. */
export interface SendOptions {
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: unknown) => void;
}

export interface Transport {
  readonly kind: 'ipc' | 'http';
  /** Sends one request and resolves with the raw envelope, unvalidated; events go to `onEvent` unvalidated too. */
  send(method: MethodName, params: unknown, options?: SendOptions): Promise<unknown>;
}

/** A call's id, which cancels it on its transport: unique enough for one window's calls in flight. */
function newCallId(): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `c${Date.now().toString(36)}${random[0]!.toString(36)}${random[1]!.toString(36)}`;
}

function cancelledEnvelope(method: string) {
  return { ok: false, error: { code: 'CANCELLED', message: `${method} was cancelled.` } };
}

function preloadBridge(): PreloadBridge | null {
  const candidate: unknown = (window as { shardConsole?: unknown }).shardConsole;
  if (typeof candidate === 'object' && candidate !== null && typeof (candidate as PreloadBridge).invoke === 'function') {
    return candidate as PreloadBridge;
  }
  return null;
}

const ipcTransport = (bridge: PreloadBridge): Transport => ({
  kind: 'ipc',
  send(method, params, options = {}) {
    if (options.signal === undefined && options.onEvent === undefined) return bridge.invoke(method, params);
    const callId = newCallId();
    const cancel = () => bridge.cancel?.(callId);
    options.signal?.addEventListener('abort', cancel, { once: true });
    return bridge.invoke(method, params, callId, options.onEvent ?? (() => {})).finally(() => options.signal?.removeEventListener('abort', cancel));
  },
});

/** Reads an NDJSON response: each `{"event": ...}` line to `onEvent`, the last line is the envelope. */
async function readStream(method: string, response: Response, onEvent: (event: unknown) => void): Promise<unknown> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let envelope: unknown = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, at)) as Record<string, unknown>;
      buffered = buffered.slice(at + 1);
      if ('event' in line) onEvent(line.event);
      else envelope = line;
    }
  }
  if (envelope === null) throw new TransportError(method, 'The console server closed the stream before answering. Is `shard-console serve` still running?');
  return envelope;
}

function authorizedHeaders(extra: Record<string, string>): Record<string, string> {
  const token = sessionToken();
  return token === null ? extra : { ...extra, Authorization: `Bearer ${token}` };
}

/**
 * The opening of the profile this page was loaded for (session.info's openId), sent with every call: in
 * browser mode another tab can open another profile on the same server, and a call from this page must
 * then be refused (PROFILE_CHANGED), not run on that cluster.
 */
let openedProfile: string | null = null;

/**
 * The loopback HTTP bridge. A followed call (events or a signal) asks for NDJSON and is cancelled by
 * aborting the request, which the server sees as the client going away, and by POST /cancel/<id>.
 */
const httpTransport: Transport = {
  kind: 'http',
  async send(method, params, options = {}) {
    const streamed = options.onEvent !== undefined || options.signal !== undefined;
    const callId = streamed ? newCallId() : null;
    const headers = authorizedHeaders({
      'Content-Type': 'application/json',
      Accept: streamed ? 'application/x-ndjson' : 'application/json',
      ...(callId ? { 'X-Call-Id': callId } : {}),
      ...(openedProfile !== null ? { 'X-Opened-Profile': openedProfile } : {}),
    });
    const cancel = () => {
      if (callId)
        void fetch(`/cancel/${callId}`, {
          method: 'POST',
          headers: authorizedHeaders({ 'Content-Type': 'application/json' }),
          body: '{}',
          credentials: 'omit',
        }).catch(() => {});
    };
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      let response: Response;
      try {
        response = await fetch(`/rpc/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(params),
          credentials: 'omit',
          cache: 'no-store',
          signal: options.signal ?? null,
        });
      } catch (cause) {
        if (options.signal?.aborted) return cancelledEnvelope(method);
        throw new TransportError(method, 'The console server did not answer. Is `shard-console serve` still running?', { cause });
      }
      if (streamed && response.ok && (response.headers.get('content-type') ?? '').startsWith('application/x-ndjson')) {
        return await readStream(method, response, options.onEvent ?? (() => {})).catch((error: unknown) => {
          if (options.signal?.aborted) return cancelledEnvelope(method);
          throw error;
        });
      }
      return await readJson(method, response);
    } finally {
      options.signal?.removeEventListener('abort', cancel);
    }
  },
};

async function readJson(method: string, response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (response.status === 401) return unauthorizedEnvelope();
    throw new TransportError(method, `The console server answered ${method} with HTTP ${response.status} and no JSON body.`);
  }
  if (response.status === 401 && !errorEnvelopeSchema.safeParse(body).success) return unauthorizedEnvelope();
  return body;
}

function unauthorizedEnvelope() {
  return {
    ok: false,
    error: { code: 'UNAUTHORIZED', message: 'The session token is missing or wrong: open the address `shard-console serve` printed, with its #token=…' },
  };
}

let override: Transport | null = null;

/** Tests and stories can substitute a transport; pass null to go back to detection. */
export function setTransport(transport: Transport | null): void {
  override = transport;
}

/** Desktop when the preload bridge exists, otherwise the HTTP bridge this page was served from. */
export function currentTransport(): Transport {
  if (override !== null) return override;
  const bridge = preloadBridge();
  if (bridge !== null) return ipcTransport(bridge);
  if (window.location.protocol === 'http:' || window.location.protocol === 'https:') return httpTransport;
  throw new TransportError('*', 'This window has neither the desktop bridge nor an HTTP server to talk to.');
}

const envelopeShape = z.union([z.object({ ok: z.literal(true), result: z.unknown() }), errorEnvelopeSchema]);

/** Turns a raw envelope into the method's validated result, or throws the matching named error. */
export function readEnvelope<M extends MethodName>(method: M, raw: unknown): MethodResult<M> {
  const envelope = envelopeShape.safeParse(raw);
  if (!envelope.success) throw new MalformedResponseError(method, describeIssues(envelope.error));
  if (!envelope.data.ok) throw new ApiError(method, envelope.data.error);
  const result = contract[method].result.safeParse(envelope.data.result);
  if (!result.success) throw new MalformedResponseError(method, describeIssues(result.error));
  return result.data as MethodResult<M>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`)
    .join('; ');
}

export interface CallOptions<M extends MethodName> {
  /** Cancels the call: the console stops its work at a safe point and cancels its statements. */
  readonly signal?: AbortSignal;
  /** The method's events as they come (progress, streamed chunks), each checked against the contract. */
  readonly onEvent?: (event: MethodEvent<M>) => void;
}

export async function call<M extends MethodName>(method: M, params: MethodParams<M>, options: CallOptions<M> = {}): Promise<MethodResult<M>> {
  const checked = contract[method].params.safeParse(params);
  if (!checked.success) {
    throw new ApiError(method, { code: 'INVALID_PARAMS', message: `Invalid parameters for ${method}: ${describeIssues(checked.error)}` });
  }
  const onEvent = options.onEvent;
  const sendOptions: SendOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onEvent
      ? {
          onEvent: (raw: unknown) => {
            // An event that breaks the contract is dropped, like a malformed result is refused.
            const event = contract[method].events.safeParse(raw);
            if (event.success) onEvent(event.data as MethodEvent<M>);
          },
        }
      : {}),
  };
  const raw = await currentTransport().send(method, checked.data, sendOptions);
  const result = readEnvelope(method, raw);
  // The first answer names the opening this page works on; later ones never move it (a reload does).
  if (method === 'session.info') openedProfile ??= (result as MethodResult<'session.info'>).openId;
  return result;
}
