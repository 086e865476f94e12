/**
 * Turns MySQL's "table/column does not exist" into an error that lists the closest existing
 * names. The names are read from information_schema with bound parameters (the missing name is
 * data here, never SQL text), and only after the server has refused the name.
 */
import type { Connection, RowDataPacket } from 'mysql2';
import type { ConfigError } from '../../errors.js';
import { missingNameError } from '../closest-names.js';
import { tableNameOf } from '../sql-identifiers.js';
import { mapMysqlError } from './mysql-errors.js';

type Db = ReturnType<Connection['promise']>;

/** Names read at most per lookup: enough for any real schema, bounded for a huge one. */
const MAX_NAMES = 10_000;

/** The SOURCE_OBJECT_NOT_FOUND error with suggestions, or undefined when `cause` is another failure (or the lookup itself fails). */
export async function explainMissingMysqlName(
  db: Db,
  request: { table?: string; columns?: readonly string[] },
  cause: unknown,
  where: string,
): Promise<ConfigError | undefined> {
  const code = (cause as { code?: string } | undefined)?.code;
  if (request.table === undefined) return undefined;
  const table = tableNameOf(request.table);
  const server = mapMysqlError(cause, where)?.message ?? where;
  const names = async (sql: string, values: unknown[]) => {
    // execute(): a server-side prepared statement, the names travel as bound values.
    const text = `${sql} LIMIT ${MAX_NAMES}`;
    const [rows] = await db.execute<RowDataPacket[]>({ sql: text, values, rowsAsArray: true });
    db.unprepare(text);
    return (rows as unknown as unknown[][]).map((r) => String(r[0]));
  };
  try {
    if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_DB_ERROR') {
      if (table.schema !== undefined) {
        const schemas = await names('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA', []);
        if (!schemas.includes(table.schema)) {
          return missingNameError(server, { kind: 'schema', name: table.schema }, schemas.map((name) => ({ name })), cause);
        }
      }
      const tables = await names('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) ORDER BY TABLE_NAME', [table.schema ?? null]);
      // The table is there: something else is missing (a view's base table); the server's text says what.
      if (tables.includes(table.name)) return undefined;
      return missingNameError(server, { kind: 'table', name: table.name }, tables.map((name) => ({ name })), cause);
    }
    if (code === 'ER_BAD_FIELD_ERROR' && request.columns?.length) {
      const existing = await names(
        'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table.schema ?? null, table.name],
      );
      // Column names are case-insensitive on MySQL/MariaDB.
      const lower = new Set(existing.map((c) => c.toLowerCase()));
      const missing = request.columns.find((c) => !lower.has(c.toLowerCase()));
      if (missing === undefined) return undefined;
      return missingNameError(server, { kind: 'column', name: missing }, existing.map((name) => ({ name })), cause);
    }
  } catch {
    // The lookup is a courtesy: the server's own error still says what is missing.
  }
  return undefined;
}
