import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { askServerForTls, clientClassFor } from '../../../electron/core/pools/prefer-tls.ts';

/* prefer's question to the server, against listeners that answer as no PostgreSQL does (the real cases run in tls.test.ts). */

type Behaviour = (socket: net.Socket) => void;

async function listening(behaviour: Behaviour): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    behaviour(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers the SSLRequest with `answer`, then the client's TLS hello (if any) with `thenHandshake`. */
const answering =
  (answer: string, thenHandshake?: string): Behaviour =>
  (socket) =>
    socket.once('data', () => {
      socket.write(answer);
      if (thenHandshake !== undefined) socket.once('data', () => socket.end(thenHandshake));
    });

const probe = (port: number, timeoutMs = 2_000) => askServerForTls({ host: '127.0.0.1', port, user: 'u', database: 'd', timeoutMs });

const FIXTURES = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));

/** Says 'S', takes the TLS handshake (the test CA's certificate), and answers the startup packet with an ErrorResponse of `sqlstate`. */
const tlsThenError =
  (sqlstate: string): Behaviour =>
  (socket) =>
    socket.once('data', () => {
      socket.write('S');
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        key: readFileSync(`${FIXTURES}server.key`),
        cert: readFileSync(`${FIXTURES}server.crt`),
      });
      secure.on('error', () => {});
      secure.once('data', () => {
        const fields = Buffer.from(`SFATAL\0C${sqlstate}\0Mrefused\0\0`, 'utf8');
        const message = Buffer.alloc(5 + fields.length);
        message.write('E', 0);
        message.writeInt32BE(4 + fields.length, 1);
        fields.copy(message, 5);
        secure.end(message);
      });
    });

describe("prefer's question to the server", () => {
  it("goes plain for good on pg_hba.conf's refusal over TLS (28000), and keeps TLS, this time only, for an error that is no matter of TLS", async () => {
    for (const [sqlstate, expected] of [
      ['28000', { tls: false, lasting: true }],
      ['53300', { tls: true, lasting: false }],
    ] as const) {
      const server = await listening(tlsThenError(sqlstate));
      try {
        expect(await probe(server.port)).toEqual(expected);
      } finally {
        await server.close();
      }
    }
  });

  it("takes 'N' as plain for good, and any other answer, or a handshake that fails after 'S', as plain this time only", async () => {
    for (const [behaviour, expected] of [
      [answering('N'), { tls: false, lasting: true }],
      [answering('E'), { tls: false, lasting: false }],
      // The handshake's failure is kept, to be told with a plain connection's.
      [answering('S', 'not tls at all'), { tls: false, lasting: false, tlsFailure: expect.stringMatching(/SSL|version/i) }],
    ] as const) {
      const server = await listening(behaviour);
      try {
        expect(await probe(server.port)).toEqual(expected);
      } finally {
        await server.close();
      }
    }
  });

  it('never asks over a Unix-domain socket; rejects when nothing listens, and as soon as the server hangs up without answering', async () => {
    expect(await askServerForTls({ host: '/var/run/postgresql', port: 5432, user: 'u', database: 'd', timeoutMs: 2_000 })).toEqual({
      tls: false,
      lasting: true,
    });
    const closed = await listening(() => {});
    await closed.close();
    await expect(probe(closed.port)).rejects.toThrow(/ECONNREFUSED/);
    const hangsUp = await listening((socket) => socket.end());
    try {
      // Not the probe's timeout (60 s here): the hang-up itself.
      await expect(probe(hangsUp.port, 60_000)).rejects.toThrow('Connection terminated unexpectedly');
    } finally {
      await hangsUp.close();
    }
  });

  it('asks once for connections opened at once, and a client of its own spends one timeout on the question and the connection together', async () => {
    let requests = 0;
    const isSslRequest = (chunk: Buffer) => chunk.length >= 8 && chunk.readInt32BE(4) === 80877103;
    // 'N' to the question after 900 ms; nothing, ever, to a startup packet.
    const slow = await listening((socket) =>
      socket.once('data', (chunk) => {
        if (!isSslRequest(chunk)) return;
        requests += 1;
        setTimeout(() => socket.write('N'), 900);
      }),
    );
    try {
      const Client = clientClassFor({ ssl: 'prefer', host: '127.0.0.1', port: slow.port, user: 'u', database: 'd' }, 1_000);
      const config = { host: '127.0.0.1', port: slow.port, user: 'u', database: 'd', connectionTimeoutMillis: 1_000 };
      const started = Date.now();
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => new Client(config).connect()));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(requests).toBe(1);
      // 900 ms asking and the rest of the second connecting, not 900 ms and then a whole second more.
      expect(Date.now() - started).toBeLessThan(1_600);
    } finally {
      await slow.close();
    }
  });

  it("fails a pool's connection within the pool's timeout when the server never answers, without opening one after it", async () => {
    const connections: net.Socket[] = [];
    const silent = await listening((socket) => connections.push(socket));
    const Client = clientClassFor({ ssl: 'prefer', host: '127.0.0.1', port: silent.port, user: 'u', database: 'd' }, 1_000);
    const pool = new pg.Pool({ host: '127.0.0.1', port: silent.port, user: 'u', database: 'd', connectionTimeoutMillis: 1_000, Client });
    try {
      const started = Date.now();
      await expect(pool.connect()).rejects.toThrow(/timeout/);
      // The question and then a connection of its own would each take the whole timeout.
      expect(Date.now() - started).toBeLessThan(1_800);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(connections).toHaveLength(1);
    } finally {
      await pool.end();
      await silent.close();
    }
  });
});
