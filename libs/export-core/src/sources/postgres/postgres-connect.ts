import type pg from 'pg';
import type { RdsExportError } from '@rds-s3-export/shared-types';
import { SourceProtocolMismatchError } from '../../errors.js';
import type { ConnectionSettings } from '../connection-settings.js';
import { speaksMysql } from '../protocol-probe.js';
import { connectTimedOut, mapTlsError } from '../connect-errors.js';
import { mapPostgresError } from './postgres-errors.js';

/**
 * Connects, and turns a failure into one that says what to change: a MySQL server on the port
 * (the pg client fails on its greeting with "unexpected copyData message"), TLS (`TLS_*`), then
 * the SQLSTATE mapping.
 */
export async function connectPostgres(client: pg.Client, settings: ConnectionSettings, where: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    throw (await classifyConnectFailure(error, settings, where)) ?? error;
  }
}

async function classifyConnectFailure(error: unknown, settings: ConnectionSettings, where: string): Promise<RdsExportError | undefined> {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { code?: string };
  // Only a driver-level failure with no code (the protocol broke) is worth a probe.
  // "The server does not support SSL connections" is PostgreSQL's own answer: no probe needed.
  const timedOut = /connection timeout|timeout expired/i.test(e.message);
  if (timedOut) return connectTimedOut(where, settings, error);
  if (!e.code && !/does not support SSL/i.test(e.message) && (await speaksMysql(settings.host, settings.port, 1000))) {
    return new SourceProtocolMismatchError(
      `${where}: this port speaks MySQL, not PostgreSQL (${e.message}); use a mysql:// or mariadb:// URL, or the PostgreSQL port (5432 by default)`,
      { cause: error },
    );
  }
  return mapTlsError(e, where, 'postgres', settings.tls, settings.host) ?? mapPostgresError(error, where, { user: settings.user });
}
