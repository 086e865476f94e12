import type { RdsExportError } from '@rds-s3-export/shared-types';
import { ConfigError, SourceError, SourcePermissionError } from '../../errors.js';

const AUTH = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);
/** Logged in, but not allowed: the database, a table, a column, or a statement's privilege. */
const PERMISSION = new Set(['ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);
const NOT_FOUND = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', 'ER_BAD_DB_ERROR', 'ER_BAD_TABLE_ERROR']);
const TIMEOUT = new Set(['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT', 'ER_LOCK_WAIT_TIMEOUT']);

interface MysqlDriverError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

function isMysqlError(error: unknown): error is MysqlDriverError & Error {
  return error instanceof Error && ('sqlMessage' in error || 'errno' in error || 'fatal' in error || (typeof (error as MysqlDriverError).code === 'string' && NETWORK.has((error as MysqlDriverError).code as string)));
}

/**
 * Maps a mysql2 error onto the shared classes. The server's own message is kept (it names
 * the table/column and never the password); the connection URL is never included.
 * `where` says what was being done, e.g. `connecting to 127.0.0.1:3306`.
 */
export function mapMysqlError(error: unknown, where: string): RdsExportError | undefined {
  if (!isMysqlError(error)) return undefined;
  const code = error.code ?? 'UNKNOWN';
  const text = error.sqlMessage ?? error.message ?? String(error);
  const detail = `${where}: MySQL ${code}: ${text}`;
  if (PERMISSION.has(code)) return new SourcePermissionError(`${detail}${grantHint(text)}`, { cause: error });
  if (AUTH.has(code)) return new SourceError('auth', 'SOURCE_AUTH_FAILED', detail, { cause: error });
  if (NETWORK.has(code)) return new SourceError('network', 'SOURCE_UNREACHABLE', detail, { cause: error });
  if (NOT_FOUND.has(code)) return new ConfigError('SOURCE_OBJECT_NOT_FOUND', detail, { cause: error });
  if (TIMEOUT.has(code) || error.errno === 1969 || error.errno === 3024) {
    return new SourceError('timeout', 'SOURCE_QUERY_TIMEOUT', detail, { cause: error });
  }
  return new SourceError('database', 'SOURCE_QUERY_FAILED', detail, { cause: error });
}

/** The GRANT that lifts a MySQL/MariaDB privilege error, from the server's own message (it names the user, host and object). */
function grantHint(message: string): string {
  const account = /user '([^']*)'@'([^']*)'/.exec(message);
  const to = account ? `'${account[1]}'@'${account[2]}'` : '<the export user>';
  const table = /(?:for|in) table (`[^`]+`(?:\.`[^`]+`)?|'[^']+')/.exec(message);
  if (table?.[1]) return `; the user may not read it: GRANT SELECT ON ${table[1].replaceAll("'", '`')} TO ${to}`;
  const database = /to database '([^']+)'/.exec(message);
  if (database?.[1]) return `; the user may not use it: GRANT SELECT ON \`${database[1]}\`.* TO ${to}`;
  return '';
}
