/**
 * A MariaDB server of a test's own, for settings the shared server must not get (a server-wide
 * sql_mode such as NO_BACKSLASH_ESCAPES, or TLS only). Data directory and socket live in a temp
 * dir; root connects without a password (no grant tables unless asked for). Stopped by its pid.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

export interface PrivateMariadb {
  readonly port: number;
  /** `mariadb://root@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** An admin connection (multiple statements allowed). */
  admin(): Promise<mysql.Connection>;
  stop(): Promise<void>;
}

export interface PrivateMariadbOptions {
  /**
   * Enforce the grant tables (root@localhost, no password): settings checked at login, such as
   * `--require-secure-transport`, need them. @default false (`--skip-grant-tables`)
   */
  readonly grantTables?: boolean;
  /** TLS of the admin connections (a server that takes only TLS). @default none */
  readonly adminSsl?: { readonly rejectUnauthorized: boolean };
}

/** Starts `mariadbd` on `port` with extra server arguments (e.g. `--sql-mode=NO_BACKSLASH_ESCAPES`). */
export async function startPrivateMariadb(port: number, serverArgs: readonly string[] = [], options: PrivateMariadbOptions = {}): Promise<PrivateMariadb> {
  const dir = await mkdtemp(join(tmpdir(), 'private-mariadb-'));
  const datadir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  // A tmpdir of its own: mariadbd deletes every `#sql*` file in its tmpdir when it starts, which in
  // the shared /tmp are the temporary tables of the shared server's running queries.
  const ownTmp = `--tmpdir=${dir}`;
  await promisify(execFile)('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, ownTmp, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  let output = '';
  const server: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      ownTmp,
      `--socket=${join(dir, 'mariadb.sock')}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      ...(options.grantTables ? [] : ['--skip-grant-tables']),
      '--innodb-buffer-pool-size=32M',
      '--skip-log-bin',
      ...asRoot,
      ...serverArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const connect = () =>
    mysql.createConnection({
      host: '127.0.0.1',
      port,
      user: 'root',
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      ...(options.adminSsl ? { ssl: { ...options.adminSsl } } : {}),
    });
  const stop = async () => {
    if (server.exitCode === null && server.pid !== undefined) {
      process.kill(server.pid, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await (await connect()).end();
      break;
    } catch (error) {
      if (server.exitCode !== null || attempt >= 600) {
        await stop();
        throw new Error(`private mariadbd on port ${port} did not start: ${(error as Error).message}\n${output.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { port, url: (database) => `mariadb://root@127.0.0.1:${port}/${database}`, admin: connect, stop };
}
