/**
 * A PostgreSQL cluster of a test's own (initdb + postgres run as the `postgres` OS user), for
 * settings the shared server must not get: TLS only (`ssl=on`, pg_hba `hostssl` lines and no
 * `host` line). Data directory and socket live in a temp dir; `trust` authentication, so the
 * superuser `postgres` connects without a password. Stopped by its pid (fast shutdown).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@<host>:<port>/postgres`, plus `?sslmode=require` when the cluster is TLS-only. */
  url(host?: string): string;
  /** A superuser connection (over TLS when the cluster is TLS-only, certificate not checked). */
  admin(): Promise<pg.Client>;
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** TLS-only: the server certificate and key (PEM); pg_hba gets `hostssl` lines only. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** The newest installed PostgreSQL's bin directory (Debian layout), else the PATH. */
async function binDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : '';
}

export async function startPrivatePostgres(port: number, options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'private-postgres-'));
  const datadir = join(dir, 'data');
  const bin = await binDir();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  // PostgreSQL refuses to run as root: when we are root, initdb and postgres run as the postgres
  // OS user (spawn's uid/gid, so the pid we stop is the postmaster's own, not a wrapper's).
  const ids = process.getuid?.() === 0 ? await postgresIds() : undefined;
  let output = '';
  try {
    if (ids) await chown(dir, ids.uid, ids.gid);
    await promisify(execFile)(tool('initdb'), ['-D', datadir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
      maxBuffer: 16 * 1024 * 1024,
      ...(ids ?? {}),
    });
    const settings: string[] = [`-p`, String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=20'];
    if (options.tls) {
      // The key must belong to the server's user and be unreadable by others, or postgres refuses it.
      const cert = join(dir, 'server.pem');
      const key = join(dir, 'server.key');
      await copyFile(options.tls.certFile, cert);
      await copyFile(options.tls.keyFile, key);
      await chmod(key, 0o600);
      if (ids) {
        await chown(cert, ids.uid, ids.gid);
        await chown(key, ids.uid, ids.gid);
      }
      settings.push('-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`);
      await writeFile(join(datadir, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
    } else {
      await writeFile(join(datadir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    }
    const server: ChildProcess = spawn(tool('postgres'), ['-D', datadir, ...settings], { stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) });
    server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    const ssl = options.tls ? { rejectUnauthorized: false } : undefined;
    const admin = async () => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ...(ssl ? { ssl } : {}) });
      await client.connect();
      return client;
    };
    const stop = async () => {
      // SIGINT: fast shutdown (clients disconnected, no wait for them).
      if (server.exitCode === null && server.pid !== undefined) {
        process.kill(server.pid, 'SIGINT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await (await admin()).end();
        break;
      } catch (error) {
        if (server.exitCode !== null || attempt >= 600) {
          await stop();
          throw new Error(`private postgres on port ${port} did not start: ${(error as Error).message}\n${output.slice(-2000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return {
      port,
      url: (host = '127.0.0.1') => `postgres://postgres@${host}:${port}/postgres${options.tls ? '?sslmode=require' : ''}`,
      admin,
      stop,
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await promisify(execFile)('id', ['postgres']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error('no postgres OS user to run a private cluster as');
  return { uid: Number(uid), gid: Number(gid) };
}
