import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { serverTakesTls } from '../../../electron/core/pools/prefer-tls.ts';

/** A listener that answers an SSLRequest with `answer` (PostgreSQL's 'S' or 'N', or an old server's error). */
async function answering(answer: string, thenHandshake?: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) =>
    socket.once('data', () => {
      socket.write(answer);
      // The client's TLS hello, answered with what is no TLS at all.
      if (thenHandshake !== undefined) socket.once('data', () => socket.end(thenHandshake));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("prefer's question to the server (the TLS cases run against a real server in tls.test.ts)", () => {
  it("takes 'N' or any other answer as plain, and a handshake that fails after 'S' as plain, as libpq's prefer does", async () => {
    for (const answer of ['N', 'E']) {
      const server = await answering(answer);
      try {
        expect(await serverTakesTls('127.0.0.1', server.port, 2_000)).toBe(false);
      } finally {
        await server.close();
      }
    }
    const broken = await answering('S', 'not tls at all');
    try {
      expect(await serverTakesTls('127.0.0.1', broken.port, 2_000)).toBe(false);
    } finally {
      await broken.close();
    }
  });

  it('never asks over a Unix-domain socket, and rejects when nothing listens (the connection then says why)', async () => {
    expect(await serverTakesTls('/var/run/postgresql', 5432, 2_000)).toBe(false);
    const closed = await answering('N');
    await closed.close();
    await expect(serverTakesTls('127.0.0.1', closed.port, 2_000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
