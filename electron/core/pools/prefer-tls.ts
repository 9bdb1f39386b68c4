import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import type { DatabaseTarget } from '../config/profile-schema.ts';

const SSL_REQUEST_CODE = 80877103;
const PROTOCOL_3 = 196608;
/** invalid_authorization_specification: pg_hba.conf has no line for this connection over TLS (or rejects it). */
const REJECTED_BY_HBA = '28000';
const TIMEOUT_MESSAGE = 'Connection terminated due to connection timeout';

/** What `prefer` settles on for a pool: TLS or plain, and whether that answer holds for the pool's next connections. */
export interface PreferAnswer {
  readonly tls: boolean;
  /** False for what may pass (a reset mid-handshake, too many connections): the next connection asks again. */
  readonly lasting: boolean;
  /** Why TLS was given up after the server offered it (a chain the CA does not sign): told with a plain connection's failure, as libpq tells both. */
  readonly tlsFailure?: string;
}

export interface PreferProbe {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The CA the server's chain is checked against (libpq checks it in prefer too, when one is given); none: nothing checked. */
  readonly ca?: string | undefined;
  readonly timeoutMs: number;
}

/**
 * libpq's `prefer`, asked on a connection of its own: an SSLRequest; on 'S' a TLS handshake (the chain
 * checked against `ca` when given) and a startup packet over it. The server's first answer says whether
 * it takes this user to this database over TLS: an authentication request ('R') means TLS; pg_hba.conf
 * refusing it (28000: `hostnossl` only, a reject line) means plain, as libpq retries in plain after an
 * error over TLS; 'N', or a handshake that fails, means plain. Any other error (no such database, too
 * many connections) is no matter of TLS: TLS, for the connection to report it as the server says it. The probe then closes before authenticating,
 * which the server leaves out of its log. A Unix-domain socket never carries TLS. Rejects, in
 * node-postgres' words, when the server cannot be reached or closes without answering.
 */
export function askServerForTls(probe: PreferProbe): Promise<PreferAnswer> {
  if (probe.host.startsWith('/')) return Promise.resolve({ tls: false, lasting: true });
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: probe.host, port: probe.port });
    let secure: tls.TLSSocket | undefined;
    let settled = false;
    const finish = (outcome: PreferAnswer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // end(), not destroy(): the TLS close_notify reaches the server, which then logs nothing.
      if (secure && !secure.destroyed) {
        secure.end();
        setTimeout(() => secure?.destroy(), 2_000).unref();
      } else socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish(new Error(TIMEOUT_MESSAGE)), probe.timeoutMs);
    // Once it is wrapped, the plain socket's end is the handshake's: a reset there may pass (plain, this time).
    socket.on('error', (error) => finish(secure ? { tls: false, lasting: false } : error));
    socket.once('close', () => finish(secure ? { tls: false, lasting: false } : new Error('Connection terminated unexpectedly')));
    socket.once('connect', () => socket.write(sslRequest()));
    socket.once('data', (answer) => {
      // Bytes after the 'S' came unencrypted from someone in between (libpq refuses them: CVE-2021-23222).
      if (answer[0] !== 0x53 /* 'S' */ || answer.length > 1) return finish({ tls: false, lasting: answer[0] === 0x4e /* 'N' */ });
      const checks = probe.ca === undefined ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ca: probe.ca, checkServerIdentity: () => undefined };
      secure = tls.connect({ socket, ...checks, ...(net.isIP(probe.host) === 0 ? { servername: probe.host } : {}) });
      // A chain the CA does not sign is deterministic (lasting); anything else during the handshake may pass.
      secure.on('error', (error) => finish({ tls: false, lasting: /certificate|self.signed|verify/i.test(error.message), tlsFailure: error.message }));
      secure.once('secureConnect', () => secure!.write(startupPacket(probe.user, probe.database)));
      readFirstMessage(secure, (type, body) => {
        if (type !== 'E') return finish({ tls: true, lasting: true });
        // Only pg_hba.conf's verdict is about TLS, and lasts; "too many connections" may be gone next time.
        finish(errorCode(body) === REJECTED_BY_HBA ? { tls: false, lasting: true } : { tls: true, lasting: false });
      });
    });
  });
}

function sslRequest(): Buffer {
  const packet = Buffer.alloc(8);
  packet.writeInt32BE(8, 0);
  packet.writeInt32BE(SSL_REQUEST_CODE, 4);
  return packet;
}

function startupPacket(user: string, database: string): Buffer {
  const pairs = Buffer.from(`user\0${user}\0database\0${database}\0application_name\0shard-console\0\0`, 'utf8');
  const packet = Buffer.alloc(8 + pairs.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(PROTOCOL_3, 4);
  pairs.copy(packet, 8);
  return packet;
}

/** The first whole message the server sends on `stream`: its type byte and body. */
function readFirstMessage(stream: NodeJS.ReadableStream, onMessage: (type: string, body: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length < 5) return;
    const length = buffered.readInt32BE(1);
    // An 'R' needs no body to say yes; an error's body carries its SQLSTATE (a few hundred bytes).
    if (buffered[0] !== 0x45 || buffered.length >= 1 + length || length > 65_536) {
      stream.off('data', onData);
      onMessage(String.fromCharCode(buffered[0]!), buffered.subarray(5, 1 + length));
    }
  };
  stream.on('data', onData);
}

/** The SQLSTATE of an ErrorResponse body (fields of a type byte and a C string; 'C' is the code). */
function errorCode(body: Buffer): string | null {
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) return null;
    if (body[at] === 0x43 /* 'C' */) return body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return null;
}

type ConnectCallback = (error: Error | null, client?: pg.Client) => void;

/**
 * A pool's question and its answer: kept while it lasts, and shared by the connections opened while it
 * is asked (a pool filling up asks once, not once per connection).
 */
function sharedQuestion(probe: PreferProbe): { ask(): Promise<PreferAnswer>; forget(): void } {
  let kept: PreferAnswer | undefined;
  let asking: Promise<PreferAnswer> | undefined;
  return {
    ask() {
      if (kept !== undefined) return Promise.resolve(kept);
      asking ??= askServerForTls(probe)
        .then((answer) => {
          if (answer.lasting) kept = answer;
          return answer;
        })
        .finally(() => {
          asking = undefined;
        });
      return asking;
    },
    forget() {
      kept = undefined;
    },
  };
}

/** The CA a `prefer` connection checks the chain against: the target's, when it can be read (libpq ignores one it cannot find). */
function preferRootCert(target: Pick<DatabaseTarget, 'sslRootCert'>): string | undefined {
  if (target.sslRootCert === undefined || target.sslRootCert === 'system') return undefined;
  try {
    return readFileSync(target.sslRootCert, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The node-postgres client class for a database: pg's own, or for `prefer` one that asks the server
 * first (`askServerForTls`) and then connects with TLS or in plain. node-postgres cannot fall back to
 * plain after a refused SSLRequest or an error over TLS, as libpq does, so the question is asked on a
 * connection of its own, once per pool while the answer lasts (a class per pool holds it). A server that
 * only takes TLS (`hostssl`, RDS's `rds.force_ssl`) and one that only takes this user in plain
 * (`hostnossl`) are both reached as the Rails app's libpq reaches them. `user`: who connects (the query
 * role, for the query console's pools). The connection timeout covers the question and the connection.
 */
export function clientClassFor(
  target: Pick<DatabaseTarget, 'ssl' | 'host' | 'port' | 'user' | 'database' | 'sslRootCert'>,
  timeoutMs = 10_000,
): typeof pg.Client {
  if (target.ssl !== 'prefer') return pg.Client;
  const ca = preferRootCert(target);
  const question = sharedQuestion({ host: target.host, port: target.port, user: target.user, database: target.database, ca, timeoutMs });
  return class PreferTlsClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | undefined {
      const connecting = this.#connect();
      if (callback === undefined) return connecting;
      connecting.then(
        (client) => callback(null, client),
        (error: Error) => callback(error),
      );
      return undefined;
    }

    async #connect(): Promise<pg.Client> {
      const self = this as unknown as {
        ssl: unknown;
        connection: { ssl: unknown; stream: { destroyed?: boolean } };
        _connectionTimeoutMillis?: number;
      };
      const started = performance.now();
      const answer = await question.ask();
      // A client of its own (not a pool's) times its connection from here: what the question took is spent.
      const budget = self._connectionTimeoutMillis ?? 0;
      if (budget > 0) {
        const left = budget - (performance.now() - started);
        if (left <= 0) throw new Error(TIMEOUT_MESSAGE);
        self._connectionTimeoutMillis = Math.ceil(left);
      }
      // A pool that gave up waiting meanwhile destroyed the socket this client would connect on.
      if (self.connection.stream.destroyed) throw new Error(TIMEOUT_MESSAGE);
      if (answer.tls) {
        // The two places node-postgres reads its TLS settings from when it connects.
        const ssl = ca === undefined ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
        self.ssl = ssl;
        self.connection.ssl = ssl;
      }
      try {
        return await super.connect();
      } catch (error) {
        // The server's TLS went away since it was asked (a restart with ssl off): ask again next time.
        question.forget();
        // libpq tells both attempts: the plain one's refusal alone hides that TLS was there but failed.
        if (answer.tlsFailure !== undefined && error instanceof Error) {
          error.message = `${error.message} (TLS was tried first, as prefer does, and failed: ${answer.tlsFailure})`;
        }
        throw error;
      }
    }
  };
}
