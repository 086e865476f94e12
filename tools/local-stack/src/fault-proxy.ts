import { createServer, connect, type Socket } from 'node:net';

export interface FaultProxy {
  /** `127.0.0.1:PORT` of the proxy; point the client here instead of at the target. */
  readonly port: number;
  readonly endpoint: string;
  /** Bytes forwarded from clients to the target so far. */
  bytesUp(): number;
  /** From now on: once `bytes` more have gone up, drop every connection and refuse new ones. */
  cutAfter(bytes: number): void;
  /** Drops every connection now and refuses new ones. */
  cut(): void;
  stop(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a local server (s3rver, MariaDB, PostgreSQL) that cuts
 * connections deterministically, so tests can make "the endpoint died mid-upload" happen at a
 * chosen byte count instead of by timing.
 */
export async function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  let up = 0;
  let cutAt = Number.POSITIVE_INFINITY;
  let dead = false;
  const kill = () => {
    dead = true;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const server = createServer((client) => {
    if (dead) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host ?? '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
      if (up >= cutAt) {
        kill();
        return;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    bytesUp: () => up,
    cutAfter: (bytes) => {
      cutAt = up + bytes;
    },
    cut: kill,
    stop: async () => {
      kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
