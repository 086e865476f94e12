/**
 * An in-memory PostgreSQL (PGlite, PostgreSQL compiled to WASM) served over the wire protocol
 * by PGLiteSocketServer, so `pg`, `pg-copy-streams` and `pg-query-stream` talk to it like to a
 * real server at postgres://postgres@127.0.0.1:PORT/postgres. Nothing is downloaded or installed.
 *
 * Limits, by design of PGlite (one single-user backend):
 * - ONE client connection at a time. A second concurrent connection is closed at once (the
 *   server writes "Too many connections"; `pg` reports "Connection terminated unexpectedly").
 *   Use a single `pg.Client` (or a Pool with `max: 1`) and `await client.end()` before the next.
 *   (pglite-socket could multiplex more, but every connection would share the one backend and
 *   its transaction state, so the limit stays at 1.)
 * - No authentication: connect as `postgres` without a password.
 * - In memory: everything is gone after `stop()`.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { drizzle } from 'drizzle-orm/pglite';
import { seedEmployees } from './sample/seed-employees.js';

export interface StartPostgresOptions {
  /** TCP port on 127.0.0.1. @default 0 (a random free port) */
  readonly port?: number;
  /** Rows of the sample `employees` table to create and fill. @default 0 (no table) */
  readonly seedEmployees?: number;
}

export interface LocalPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  readonly url: string;
  readonly port: number;
  /**
   * The embedded database itself, for setup that must not take the single socket connection.
   * Statements run here share the one backend with the socket client (and its transaction).
   */
  readonly pglite: PGlite;
  /** Closes the socket server and the database. Idempotent. */
  stop(): Promise<void>;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const pglite = await PGlite.create();
  try {
    if (options.seedEmployees && options.seedEmployees > 0) {
      await seedEmployees(drizzle({ client: pglite }), options.seedEmployees);
    }
    const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: options.port ?? 0, maxConnections: 1 });
    await server.start();
    // The server resolves port 0 to the bound port; it only exposes it as "host:port".
    const port = Number(server.getServerConn().split(':').pop());
    if (!Number.isInteger(port) || port <= 0) throw new Error(`local postgres: could not read the bound port from "${server.getServerConn()}"`);

    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      pglite,
      stop() {
        stopping ??= (async () => {
          try {
            await server.stop();
          } finally {
            await pglite.close();
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await pglite.close().catch(() => undefined);
    throw error;
  }
}
