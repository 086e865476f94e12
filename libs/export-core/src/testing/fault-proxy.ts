import { createServer, connect, type Socket } from 'node:net';

export interface FaultProxy {
  /** `127.0.0.1:PORT` of the proxy; point the client here instead of at the target. */
  readonly port: number;
  readonly endpoint: string;
  /** Bytes forwarded from clients to the target so far. */
  bytesUp(): number;
  /** Bytes forwarded from the target to clients so far. */
  bytesDown(): number;
  /** Connections accepted so far (including refused ones while cut). */
  connections(): number;
  /** From now on: once `bytes` more have gone up, drop every connection and refuse new ones. */
  cutAfter(bytes: number): void;
  /** From now on: once `bytes` more have come down (target -> client), drop every connection and refuse new ones. */
  cutAfterDown(bytes: number): void;
  /** Drops every connection now and refuses new ones. */
  cut(): void;
  /** Accepts connections again after a cut ("the server came back"); byte counters keep counting. */
  restore(): void;
  /** Holds every chunk, in both directions, this long before forwarding it (0 = off). */
  delay(ms: number): void;
  /**
   * From now on: once `bytes` more have come down, flip the bits of the following `length`
   * bytes (target -> client), once. Simulates a corrupting middlebox; the connection stays up.
   */
  corruptAfterDown(bytes: number, length?: number): void;
  stop(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a local server (s3rver, MariaDB, PostgreSQL) that cuts,
 * delays and corrupts connections deterministically, so tests can make "the endpoint died
 * mid-upload" happen at a chosen byte count instead of by timing.
 */
export async function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  let up = 0;
  let down = 0;
  let accepted = 0;
  let cutAt = Number.POSITIVE_INFINITY;
  let cutDownAt = Number.POSITIVE_INFINITY;
  let corruptAt = Number.POSITIVE_INFINITY;
  let corruptLength = 0;
  let delayMs = 0;
  let dead = false;
  const kill = () => {
    dead = true;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const later = (action: () => void) => (delayMs > 0 ? setTimeout(action, delayMs) : action());
  const server = createServer((client) => {
    accepted++;
    if (dead) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host ?? '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    /** Forwards in order; with a delay each chunk waits, and backpressure pauses the source. */
    const forward = (from: Socket, to: Socket, chunk: Buffer) => {
      if (delayMs > 0) from.pause();
      later(() => {
        if (to.destroyed) return;
        if (to.write(chunk)) {
          if (delayMs > 0) from.resume();
        } else {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    };
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
      if (up >= cutAt) {
        kill();
        return;
      }
      forward(client, upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const start = down;
      down += chunk.length;
      if (down >= cutDownAt) {
        kill();
        return;
      }
      let out = chunk;
      if (corruptLength > 0 && down > corruptAt) {
        out = Buffer.from(chunk);
        const from = Math.max(0, corruptAt - start);
        const to = Math.min(out.length, from + corruptLength);
        for (let i = from; i < to; i++) out[i] = (out[i] as number) ^ 0xff;
        corruptLength -= to - from;
        corruptAt += to - from;
      }
      forward(upstream, client, out);
    });
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
    bytesDown: () => down,
    connections: () => accepted,
    cutAfter: (bytes) => {
      cutAt = up + bytes;
    },
    cutAfterDown: (bytes) => {
      cutDownAt = down + bytes;
    },
    cut: kill,
    restore: () => {
      dead = false;
      cutAt = Number.POSITIVE_INFINITY;
      cutDownAt = Number.POSITIVE_INFINITY;
    },
    delay: (ms) => {
      delayMs = Math.max(0, ms);
    },
    corruptAfterDown: (bytes, length = 16) => {
      corruptAt = down + bytes;
      corruptLength = length;
    },
    stop: async () => {
      kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
