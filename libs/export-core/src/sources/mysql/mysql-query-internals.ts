/**
 * The parts of mysql2's Query command that the byte paths (mysql-csv-stream.ts for CSV,
 * mysql-cell-reader.ts for Parquet) reach into: they replace the command's `row` state for one
 * query and read each row packet's `buffer`/`offset`/`end`. Both have been stable for years
 * (mysql2 is pinned exactly); the conformance suite would catch a change, and so does the check
 * in `rawRowQuery` at run time.
 */
import type { Connection } from 'mysql2';
import type { Row } from '../../ports.js';
import { serverTextTypeCast } from './mysql-columns.js';

/** The part of a mysql2 row packet read here. */
export interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

export type RowState = (this: QueryCommand, packet: RowPacket, connection: unknown) => unknown;

/** The part of mysql2's Query command used here. */
export interface QueryCommand extends NodeJS.EventEmitter {
  row: RowState;
  _rowParser: { next(packet: RowPacket, fields: unknown, options: unknown): Row } | null;
  _currentFields: unknown;
  options: unknown;
}

/**
 * Starts `sql` as a text-protocol query whose `row` state the caller replaces, and returns the
 * command with mysql2's own `row` state (to hand back the packets it must still see: EOF, errors).
 * The typeCast serves the row-object fallback only (a byte path never runs mysql2's parser).
 */
export function rawRowQuery(connection: Connection, sql: string, what: string): { query: QueryCommand; originalRow: RowState } {
  const query = connection.query({ sql, rowsAsArray: true, typeCast: serverTextTypeCast }) as unknown as QueryCommand;
  const originalRow = Object.getPrototypeOf(query).row as RowState | undefined;
  if (typeof originalRow !== 'function') {
    throw new Error(`this mysql2 version has no Query.row state: the ${what} byte path needs mysql2 3.x`);
  }
  return { query, originalRow };
}
