import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import mysql, { type Connection } from 'mysql2';
import { SourceProtocolMismatchError, SourceTlsError } from '../../errors.js';
import type { ConnectionSettings } from '../connection-settings.js';
import { connectOrMismatch, speaksPostgres } from '../protocol-probe.js';
import { connectTimedOut, mapTlsError } from '../connect-errors.js';
import { mapMysqlError } from './mysql-errors.js';

/** A MySQL server greets within milliseconds of the TCP accept; silence this long is worth a probe. */
const GREETING_PROBE_AFTER_MS = 1000;

/**
 * Connects, and turns a failure into one that says what to change: a PostgreSQL server on the
 * port (it never greets, so the client would wait out the whole connect timeout; a probe after
 * one quiet second tells), TLS (`TLS_*`), then the MySQL error mapping. With verify-full the
 * certificate's names are checked against the host here as well: mysql2 checks them only for a
 * host name (and against "localhost" for an IP address), so an IP host is checked after the handshake.
 */
export async function connectMysql(connection: Connection, settings: ConnectionSettings, where: string, engine: 'mysql' | 'mariadb'): Promise<void> {
  try {
    await connectOrMismatch(connection.promise().connect(), {
      afterMs: GREETING_PROBE_AFTER_MS,
      probe: () => speaksPostgres(settings.host, settings.port, 2000),
      abandon: () => connection.destroy(),
      mismatch: () =>
        new SourceProtocolMismatchError(
          `${where}: this port speaks PostgreSQL, not MySQL (no MySQL greeting; the server answered a PostgreSQL SSLRequest); use a postgres:// URL, or the MySQL port (3306 by default)`,
        ),
    });
    if (settings.tls?.verifyHostName) {
      const socket = (connection as unknown as { stream: TLSSocket }).stream;
      const problem = checkServerIdentity(settings.host, socket.getPeerCertificate() as PeerCertificate);
      if (problem) {
        connection.destroy();
        throw problem;
      }
    }
  } catch (error) {
    if (!(error instanceof Error) || error instanceof SourceProtocolMismatchError) throw error;
    if (!settings.tls && (error as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR' && (await logsInOverTls(settings))) {
      throw new SourceTlsError(
        'TLS_REQUIRED',
        `${where}: the server accepts this user only over TLS (require_secure_transport or REQUIRE SSL; the server said "${error.message}" to a plain connection); add ?ssl-mode=VERIFY_IDENTITY to the URL (RDS CA bundle; ssl-mode=REQUIRED to skip the certificate check)`,
        { cause: error },
      );
    }
    if ((error as { code?: string }).code === 'ETIMEDOUT') throw connectTimedOut(where, settings, error);
    throw mapTlsError(error, where, engine, settings.tls, settings.host) ?? mapMysqlError(error, where) ?? error;
  }
}

/**
 * MariaDB answers a plain login refused by `require_secure_transport` (or a user's REQUIRE SSL)
 * with a bare "Access denied", word for word a wrong password. One more login over TLS (the same
 * credentials, encrypted this time; certificate unchecked, since nothing is read) tells them apart.
 */
async function logsInOverTls(settings: ConnectionSettings): Promise<boolean> {
  const probe = mysql.createConnection({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    connectTimeout: settings.connectTimeoutMs ?? 10_000,
    ssl: { rejectUnauthorized: false },
  });
  probe.on('error', () => undefined);
  try {
    await probe.promise().connect();
    return true;
  } catch {
    return false;
  } finally {
    probe.destroy();
  }
}
