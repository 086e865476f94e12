import type { RdsExportError } from '@rds-s3-export/shared-types';
import { ConfigError, SourceError, SourcePermissionError } from '../../errors.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

interface PgDriverError {
  code?: string;
  severity?: string;
  message?: string;
}

/**
 * Maps a pg error (SQLSTATE in `code`) or a socket error onto the shared classes. The
 * server message names the relation or column; the connection string is never included.
 */
export function mapPostgresError(error: unknown, where: string, who: { user?: string; table?: string } = {}): RdsExportError | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & PgDriverError;
  const code = e.code ?? '';
  const detail = `${where}: PostgreSQL ${code ? `${code}: ` : ''}${e.message}`;
  if (code === '42501') return new SourcePermissionError(`${detail}${grantHint(e.message, who)}`, { cause: error });
  if (code === '28P01' || code === '28000') return new SourceError('auth', 'SOURCE_AUTH_FAILED', detail, { cause: error });
  if (code === '42P01' || code === '42703' || code === '3F000' || code === '3D000') {
    return new ConfigError('SOURCE_OBJECT_NOT_FOUND', detail, { cause: error });
  }
  if (code === '57014') return new SourceError('timeout', 'SOURCE_QUERY_TIMEOUT', detail, { cause: error });
  // Backend terminated (pg_terminate_backend, shutdown, crash): the connection is gone, as with MySQL's KILL.
  if (code === '57P01' || code === '57P02' || code === '57P03') return new SourceError('network', 'SOURCE_UNREACHABLE', detail, { cause: error });
  if (code.startsWith('08') || NETWORK_CODES.has(code) || /Connection terminated|connection timeout|timeout expired/i.test(e.message)) {
    return new SourceError('network', 'SOURCE_UNREACHABLE', detail, { cause: error });
  }
  if (e.severity !== undefined || /^[0-9A-Z]{5}$/.test(code)) {
    return new SourceError('database', 'SOURCE_QUERY_FAILED', detail, { cause: error });
  }
  return undefined;
}

/** The GRANT that lifts a "permission denied for <kind> <name>" (PostgreSQL 11+ wording). */
function grantHint(message: string, { user, table }: { user?: string; table?: string }): string {
  const m = /permission denied for (table|view|materialized view|relation|sequence|schema|database) (\S+)/i.exec(message);
  if (!m) return '';
  const [, kind = '', name = ''] = m;
  const to = user ? quoteRole(user) : '<the export user>';
  const grant =
    kind === 'schema'
      ? `GRANT USAGE ON SCHEMA ${name} TO ${to}`
      : kind === 'database'
        ? `GRANT CONNECT ON DATABASE ${name} TO ${to}`
        : table !== undefined && table.split('.').pop() === name
          ? `GRANT SELECT ON ${table} TO ${to}`
          : `GRANT SELECT ON ${name} TO ${to} (schema-qualified if it is not in the search_path)`;
  return `; the user may not read it: ${grant}`;
}

/** A role name as SQL: bare when it is a plain lower-case identifier, else double-quoted. */
function quoteRole(role: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(role) ? role : `"${role.replaceAll('"', '""')}"`;
}
