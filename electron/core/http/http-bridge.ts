import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Dispatch } from '../dispatch/dispatcher.ts';
import { findControlCharacter } from '../dispatch/control-characters.ts';
import { ConsoleError, type ErrorCode } from '../../../shared/errors.ts';
import { assertStrongToken, randomToken } from './bridge-token.ts';
import { answerCall, CallsInFlight } from './rpc-call.ts';

/** The same policy the renderer's meta tag sets, sent as a header too so no page is served without it. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_BODY_BYTES = 1024 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface HttpBridgeOptions {
  readonly dispatch: Dispatch;
  /** The built renderer (dist/renderer); without it only /rpc is served. */
  readonly staticDir?: string;
  readonly host?: string;
  readonly port?: number;
  /** Fixed token for automation; a random one per run otherwise. Refused unless it looks random (32+ characters). */
  readonly token?: string;
  /** Where a fixed token came from, for the refusal (`SHARD_CONSOLE_TOKEN`). */
  readonly tokenSource?: string;
}

export interface HttpBridge {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function deny(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

class BodyTooLarge extends Error {}

/**
 * The request's body, up to MAX_BODY_BYTES. Past that it fails with BodyTooLarge and what arrives until
 * the answer is written is dropped, not left unread: a request destroyed mid-body resets the connection
 * before the 413 that says what to do is sent.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A path segment decoded, or null when its %-escapes are malformed or it decodes to a control character. */
function decodeSegment(raw: string): string | null {
  try {
    const decoded = decodeURIComponent(raw);
    return findControlCharacter(decoded) === null ? decoded : null;
  } catch {
    return null;
  }
}

/** Listening failures a person can fix, said as such (not a stack trace). */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new ConsoleError(
      'PORT_IN_USE',
      `Port ${port} on ${host} is already in use (another console, or another program). Pick a free port with --port N, or leave --port out and the console takes a free one.`,
      { target: `${host}:${port}`, details: { host, port } },
    );
  }
  if (code === 'EACCES') {
    return new ConsoleError(
      'INVALID_PARAMS',
      `This user may not listen on port ${port} of ${host}. Pick a port above 1023 with --port N, or leave --port out.`,
      {
        target: `${host}:${port}`,
        details: { host, port },
      },
    );
  }
  return error;
}

/** What every request to one bridge needs: where calls go, its token, the renderer's folder, the calls in flight. */
interface BridgeState {
  readonly dispatch: Dispatch;
  readonly token: string;
  readonly staticRoot: string | null;
  readonly calls: CallsInFlight;
}

async function handleRequest(state: BridgeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  const hostname = hostnameOf(req.headers.host);
  if (!hostname || !LOOPBACK_HOSTS.has(hostname))
    return deny(
      res,
      403,
      'UNAUTHORIZED',
      'Requests must address the console by a loopback host name. Open the address the console printed (http://127.0.0.1:PORT/).',
    );
  const url = new URL(req.url ?? '/', 'http://localhost');
  // The method stays encoded until the caller is authenticated: nothing about it is read before the token.
  if (url.pathname.startsWith('/rpc/')) return handleRpc(state, req, res, url.pathname.slice('/rpc/'.length));
  if (url.pathname.startsWith('/cancel/')) return handleCancel(state, req, res, url.pathname.slice('/cancel/'.length));
  if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'INVALID_PARAMS', 'Use GET for pages and POST for /rpc/<method>.');
  return serveStatic(state.staticRoot, res, url.pathname);
}

/** The checks every call passes before anything about it is read: POST, same-origin, the token. */
function refused(token: string, req: IncomingMessage, res: ServerResponse, what: string): boolean {
  if (req.method !== 'POST') {
    deny(res, 405, 'INVALID_PARAMS', `Send ${what} as POST with a JSON body.`);
    return true;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !LOOPBACK_HOSTS.has(hostnameOf(origin.replace(/^https?:\/\//, '')) ?? '')) {
    deny(
      res,
      403,
      'UNAUTHORIZED',
      "Cross-origin calls are refused. Call the bridge from the console's own page, or from a local script that sends no Origin header.",
    );
    return true;
  }
  const auth = req.headers.authorization ?? '';
  const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
  if (!given || !sameToken(given, token)) {
    deny(res, 401, 'UNAUTHORIZED', 'Missing or wrong token. Open the URL the console printed (it carries #token=...) or pass Authorization: Bearer <token>.');
    return true;
  }
  return false;
}

async function handleRpc(state: BridgeState, req: IncomingMessage, res: ServerResponse, encodedMethod: string): Promise<void> {
  if (refused(state.token, req, res, 'RPC calls (POST /rpc/<method>)')) return;
  const method = decodeSegment(encodedMethod);
  if (method === null)
    return deny(
      res,
      400,
      'INVALID_PARAMS',
      'The method name in the path is malformed (a broken %-escape or a control character). Call POST /rpc/<method>, e.g. /rpc/tenants.list.',
    );
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return deny(res, 415, 'INVALID_PARAMS', 'Send the params as a JSON body with content-type application/json.');
  }
  let params: unknown;
  try {
    const body = await readBody(req);
    params = body.trim() === '' ? {} : JSON.parse(body);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      // Closed once answered (Node ends the socket when the answer is written): the rest of a body that
      // size is not worth reading on this connection.
      res.setHeader('connection', 'close');
      return deny(
        res,
        413,
        'INVALID_PARAMS',
        `The request body is over ${MAX_BODY_BYTES / 1024 / 1024} MB. Send smaller parameters (no method takes that much).`,
      );
    }
    return deny(
      res,
      400,
      'INVALID_PARAMS',
      `The request body is not valid JSON (${(error as Error).name}). Send the params as one JSON object, e.g. {"limit": 50}.`,
    );
  }
  await answerCall(state.dispatch, state.calls, req, res, method, params);
}

/** `POST /cancel/<call id>`: stops a call in flight that its caller named with `x-call-id`. */
async function handleCancel(state: BridgeState, req: IncomingMessage, res: ServerResponse, encodedId: string): Promise<void> {
  if (refused(state.token, req, res, 'cancels (POST /cancel/<call id>)')) return;
  const id = decodeSegment(encodedId);
  if (id === null)
    return deny(res, 400, 'INVALID_PARAMS', 'The call id in the path is malformed. Cancel with POST /cancel/<the x-call-id the call was sent with>.');
  sendJson(res, 200, { ok: true, result: { cancelled: state.calls.cancel(id) } });
}

async function serveStatic(staticRoot: string | null, res: ServerResponse, pathname: string): Promise<void> {
  const decoded = decodeSegment(pathname);
  if (decoded === null)
    return deny(res, 400, 'INVALID_PARAMS', 'The page path is malformed (a broken %-escape or a control character). Open the address the console printed.');
  if (!staticRoot) return deny(res, 404, 'UNKNOWN_METHOD', 'No renderer build to serve: run `npm run build:renderer`.');
  // A `..` that survived URL parsing came %-escaped on purpose: refuse it rather than clamp it to the folder.
  const outside = decoded.split(/[/\\]/).includes('..');
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  let file = join(staticRoot, relative);
  if (outside || (file !== staticRoot && !file.startsWith(staticRoot + sep))) {
    return deny(res, 403, 'UNAUTHORIZED', 'Path outside the renderer folder. Open the address the console printed.');
  }
  const info = await stat(file).catch(() => null);
  if (!info || info.isDirectory()) file = join(staticRoot, 'index.html');
  const body = await readFile(file).catch(() => null);
  if (!body) return deny(res, 404, 'UNKNOWN_METHOD', 'No renderer build to serve: run `npm run build:renderer`.');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'cache-control': extname(file) === '.html' ? 'no-store' : 'max-age=3600',
  });
  res.end(body);
}

/**
 * Browser mode: serves the renderer and `POST /rpc/<method>` on loopback only, every call carrying the
 * per-run bearer token. The Host check stops DNS-rebinding pages from reaching us through a public name.
 */
export async function startHttpBridge(options: HttpBridgeOptions): Promise<HttpBridge> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `The HTTP bridge only listens on loopback (127.0.0.1, ::1); "${host}" was asked. Use an SSH tunnel to reach it from elsewhere.`,
    );
  }
  if (options.token !== undefined) assertStrongToken(options.token, options.tokenSource ?? 'The token given to the HTTP bridge');
  const state: BridgeState = {
    dispatch: options.dispatch,
    token: options.token ?? randomToken(),
    staticRoot: options.staticDir ? resolve(options.staticDir) : null,
    calls: new CallsInFlight(),
  };

  const server = createServer((req, res) => {
    handleRequest(state, req, res).catch(() => {
      if (!res.headersSent)
        deny(res, 500, 'INTERNAL', "The console failed to answer this request. This is a bug in Shard Console; please report it with the console's log.");
      else res.destroy();
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error) => reject(listenError(error, host, options.port ?? 0)));
    server.listen(options.port ?? 0, host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return Object.freeze({
    url: `http://${urlHost}:${port}/#token=${state.token}`,
    port,
    token: state.token,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  });
}
