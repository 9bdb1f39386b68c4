import { createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback port that stands for a server an attacker controls: it accepts connections and reads what
 * comes (a PostgreSQL startup message, then a password if a client were to send one), and counts them.
 * A test that must show nothing was sent asserts `connections()` is 0.
 */
export interface ListeningDecoy {
  readonly port: number;
  connections(): number;
  /** Everything received, across connections. */
  received(): Buffer;
  close(): Promise<void>;
}

export async function listeningDecoy(): Promise<ListeningDecoy> {
  let count = 0;
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the decoy has no TCP port');
  return {
    port: address.port,
    connections: () => count,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
