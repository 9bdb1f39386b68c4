import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import type { DatabaseTarget } from '../config/profile-schema.ts';

const SSL_REQUEST_CODE = 80877103;

/**
 * Whether the server at host:port takes TLS, asked as libpq asks it: an SSLRequest, and on 'S' a TLS
 * handshake that checks nothing (libpq's `prefer`). The probe then closes without a startup packet, which
 * the server leaves out of its log (it says nothing of a connection that ends before sending a packet). A Unix-domain
 * socket never carries TLS, as in libpq. Rejects when the server cannot be reached: the connection that
 * follows reports that in its own words.
 */
export function serverTakesTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  if (host.startsWith('/')) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let secure: tls.TLSSocket | undefined;
    const finish = (outcome: boolean | Error) => {
      clearTimeout(timer);
      secure?.destroy();
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(SSL_REQUEST_CODE, 4);
      socket.write(request);
    });
    socket.once('data', (answer) => {
      // Bytes after the 'S' came unencrypted from someone in between (libpq refuses them: CVE-2021-23222).
      if (answer[0] !== 0x53 /* 'S' */ || answer.length > 1) return finish(false);
      // A server that says yes and then fails the handshake gets a plain connection, as libpq's prefer gives it.
      secure = tls.connect({ socket, rejectUnauthorized: false, ...(net.isIP(host) === 0 ? { servername: host } : {}) });
      // end(), not destroy(): the handshake's last flight and a close_notify reach the server, which then
      // sees a clean end before any startup packet and logs nothing (destroyed at once, it logs "could not
      // accept SSL connection: EOF detected" for every pool).
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        const tlsSocket = secure!;
        tlsSocket.removeAllListeners('error');
        tlsSocket.on('error', () => tlsSocket.destroy());
        tlsSocket.end();
        setTimeout(() => tlsSocket.destroy(), 2_000).unref();
        resolve(true);
      });
      secure.once('error', () => finish(false));
    });
  });
}

type ConnectCallback = (error: Error | null, client?: pg.Client) => void;

/**
 * The node-postgres client class for a database: pg's own, or for `prefer` (libpq's default) one that
 * asks the server first and speaks TLS, unchecked, when the server takes it, plain otherwise. node-postgres
 * cannot fall back to plain after a refused SSLRequest, so the question is asked on a connection of its
 * own, once per pool (a class per pool holds the answer); an unreachable server is asked again next time.
 * A server that only takes TLS (`hostssl` in pg_hba.conf, RDS's `rds.force_ssl`) is reached as the app reaches it.
 */
export function clientClassFor(target: Pick<DatabaseTarget, 'ssl' | 'host' | 'port'>, timeoutMs = 10_000): typeof pg.Client {
  if (target.ssl !== 'prefer') return pg.Client;
  let answer: Promise<boolean> | undefined;
  const ask = (): Promise<boolean> => {
    answer ??= serverTakesTls(target.host, target.port, timeoutMs).catch((error: unknown) => {
      answer = undefined;
      throw error;
    });
    return answer;
  };
  return class PreferTlsClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | undefined {
      const connecting = ask()
        .catch(() => false)
        .then((takesTls) => {
          if (takesTls) {
            // The two places node-postgres reads its TLS settings from when it connects.
            const ssl = { rejectUnauthorized: false };
            (this as unknown as { ssl: unknown }).ssl = ssl;
            (this as unknown as { connection: { ssl: unknown } }).connection.ssl = ssl;
          }
          return super.connect();
        });
      if (callback === undefined) return connecting;
      connecting.then(
        (client) => callback(null, client),
        (error: Error) => callback(error),
      );
      return undefined;
    }
  };
}
