/**
 * Which wire protocol a port speaks, for the one mistake that otherwise reads as a mystery: a
 * MySQL URL pointed at a PostgreSQL port (the MySQL client waits for a greeting PostgreSQL never
 * sends: a hang until the connect timeout) or the reverse (the PostgreSQL client chokes on the
 * MySQL greeting: "unexpected copyData message"). Each probe is one short TCP connection, made
 * only when a connect is already failing or stalling; neither sends a byte to a server that talks
 * first, so a MySQL server never sees garbage from us.
 */
import { createConnection } from 'node:net';

/** PostgreSQL's SSLRequest (length 8, code 80877103): a PostgreSQL server answers one byte, S or N. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
/** How long a probe waits for a server that talks first (MySQL greets at once) before it speaks itself. */
const QUIET_MS = 150;

/** True when host:port answers like PostgreSQL. Resolves false on anything else, an error or `waitMs`. */
export function speaksPostgres(host: string, port: number, waitMs = 2000): Promise<boolean> {
  return probe(host, port, waitMs, (socket, onData) => {
    let asked = false;
    const timer = setTimeout(() => {
      asked = true;
      socket.write(SSL_REQUEST);
    }, QUIET_MS);
    onData((bytes) => {
      clearTimeout(timer);
      // Data before we asked: the server talks first, so it is not PostgreSQL.
      return asked && bytes.length === 1 && (bytes[0] === 0x53 || bytes[0] === 0x4e);
    });
  });
}

/** True when host:port greets like MySQL/MariaDB (a handshake packet, protocol 10, or an error packet). Sends nothing. */
export function speaksMysql(host: string, port: number, waitMs = 2000): Promise<boolean> {
  return probe(host, port, waitMs, (_socket, onData) => {
    // 3-byte length, sequence 0, then 0x0a (protocol 10) or 0xff (an error such as "host blocked").
    onData((bytes) => bytes.length >= 5 && bytes[3] === 0 && (bytes[4] === 0x0a || bytes[4] === 0xff));
  });
}

function probe(
  host: string,
  port: number,
  waitMs: number,
  start: (socket: ReturnType<typeof createConnection>, onData: (judge: (bytes: Buffer) => boolean) => void) => void,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (answer: boolean) => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(answer);
    };
    const deadline = setTimeout(() => done(false), waitMs);
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => start(socket, (judge) => socket.once('data', (bytes: Buffer) => done(judge(bytes)))));
  });
}

/**
 * Races a connect against a probe that starts after `afterMs` if the connect has not finished by
 * then: when the probe says the port speaks the other protocol, `abandon` runs (destroy the
 * half-open connection) and the mismatch error is thrown at once instead of waiting out the timeout.
 */
export async function connectOrMismatch<T>(
  connecting: Promise<T>,
  options: { afterMs: number; probe: () => Promise<boolean>; abandon: () => void; mismatch: () => Error },
): Promise<T> {
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const watch = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void options.probe().then((other) => {
        if (!other || settled) return;
        options.abandon();
        reject(options.mismatch());
      });
    }, options.afterMs);
  });
  // Either side may lose the race; neither may become an unhandled rejection.
  watch.catch(() => undefined);
  connecting.catch(() => undefined);
  try {
    return await Promise.race([connecting, watch]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}
