/**
 * How each MySQL/MariaDB column type becomes CSV text (the CSV contract in README.md).
 * Decided once per export from the result metadata; the per-row work is a lookup-free loop
 * over the few columns that need a conversion.
 */
import type { CsvDialect } from '@rds-s3-export/shared-types';
import type { Cell, ColumnKind } from '../../ports.js';
import { ConfigError } from '../../errors.js';

/** mysql2's result field metadata (the part we read). */
export interface MysqlField {
  name: string;
  columnType: number;
  characterSet: number;
  columnLength: number;
  decimals: number;
  flags: number;
  extendedFormat?: string;
}

// Protocol column types (include/mysql_com.h).
export const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, TIMESTAMP2: 17, DATETIME2: 18,
  TIME2: 19, VECTOR: 242, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250,
  LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;

const TYPE_NAMES: Record<number, string> = {
  0: 'decimal', 1: 'tinyint', 2: 'smallint', 3: 'int', 4: 'float', 5: 'double', 6: 'null', 7: 'timestamp',
  8: 'bigint', 9: 'mediumint', 10: 'date', 11: 'time', 12: 'datetime', 13: 'year', 15: 'varchar', 16: 'bit',
  242: 'vector', 245: 'json', 246: 'decimal', 247: 'enum', 248: 'set', 249: 'tinyblob', 250: 'mediumblob',
  251: 'longblob', 252: 'blob', 253: 'varchar', 254: 'char', 255: 'geometry',
};

export interface ColumnPlan {
  readonly kind: ColumnKind;
  /** A type name from the metadata, used when information_schema has none (custom queries). */
  readonly fallbackType: string;
  /** SQL select expression for the column, given its quoted name. */
  readonly select: (quoted: string) => string;
  /** Per-cell conversion in JS, or undefined when the driver's value is already the CSV text. */
  readonly convert?: (value: Cell | Buffer) => Cell;
}

const isBinary = (f: MysqlField) => f.characterSet === BINARY_CHARSET;
const same = (q: string) => q;

export function planColumn(field: MysqlField, dialect: CsvDialect): ColumnPlan {
  const t = field.columnType;
  const fallbackType = (TYPE_NAMES[t] ?? `type${t}`) + (field.flags & UNSIGNED_FLAG && t !== T.NEWDECIMAL ? ' unsigned' : '');
  switch (t) {
    case T.TINY: case T.SHORT: case T.LONG: case T.INT24: case T.YEAR:
    case T.FLOAT: case T.DOUBLE:
      // The server's text as sent: ZEROFILL padding (`00042`), YEAR `0000`, FLOAT(7,3) `1.500`,
      // DOUBLE `1e20`. mysql2 would parse these into JS numbers (`42`, `0`, `1.5`,
      // `100000000000000000000`); the byte path copies the bytes and the row path reads them
      // with serverTextTypeCast.
      return { kind: 'number', fallbackType, select: same };
    case T.LONGLONG: case T.DECIMAL: case T.NEWDECIMAL:
      // Strings from the driver (bigNumberStrings, decimals as text): never a JS number.
      return { kind: 'number', fallbackType, select: same };
    case T.BIT:
      return { kind: 'number', fallbackType, select: (q) => `CAST(${q} AS UNSIGNED)` };
    case T.DATE: case T.NEWDATE: case T.DATETIME: case T.DATETIME2:
      return { kind: 'temporal', fallbackType, select: same, convert: zeroDateConverter(field.name, dialect, false) };
    case T.TIMESTAMP: case T.TIMESTAMP2:
      // Session time_zone is +00:00, so the server's text already is UTC.
      return { kind: 'temporal', fallbackType, select: same, convert: zeroDateConverter(field.name, dialect, dialect.timestampFormat === 'iso8601') };
    case T.TIME: case T.TIME2:
      return { kind: 'temporal', fallbackType, select: same };
    case T.JSON:
      return { kind: 'json', fallbackType, select: same };
    case T.GEOMETRY:
      return { kind: 'other', fallbackType, select: (q) => `ST_AsText(${q})` };
    case T.VECTOR:
      return { kind: 'other', fallbackType, select: (q) => `VEC_ToText(${q})` };
    default:
      if (field.extendedFormat === 'json') return { kind: 'json', fallbackType: 'json', select: same };
      if (isBinary(field)) {
        const binaryType = t === T.STRING ? 'binary' : t === T.VAR_STRING || t === T.VARCHAR ? 'varbinary' : fallbackType;
        return { kind: 'binary', fallbackType: binaryType, select: same, convert: binaryConverter(dialect.binaryEncoding) };
      }
      return { kind: 'text', fallbackType: t === T.BLOB ? 'text' : fallbackType, select: same };
  }
}

/** The part of mysql2's typeCast field wrapper used here. */
interface TypeCastField {
  readonly type: string;
  string(encoding?: string): string | null;
}

/** mysql2 type names (its `typeCast` field's `type`) whose text mysql2 would parse into a JS number. */
const NUMBER_PARSED = new Set(['TINY', 'SHORT', 'LONG', 'INT24', 'YEAR', 'FLOAT', 'DOUBLE']);

/**
 * mysql2 `typeCast` for the row-object paths (split exports, and the CSV path's fallback for
 * other charsets or multi-byte delimiters): the integer, YEAR and floating-point types arrive
 * as the server's text instead of JS numbers, as the byte path writes them. Every other type
 * is decoded by mysql2 as configured (big numbers and dates as strings, binary as Buffers).
 */
export function serverTextTypeCast(field: TypeCastField, next: () => unknown): unknown {
  return NUMBER_PARSED.has(field.type) ? field.string('ascii') : next();
}

function binaryConverter(encoding: 'base64' | 'hex') {
  return (value: Cell | Buffer): Cell => (value === null ? null : (value as Buffer).toString(encoding));
}

function zeroDateConverter(column: string, dialect: CsvDialect, iso: boolean) {
  const policy = dialect.zeroDates;
  if (policy === 'keep' && !iso) return undefined;
  return (value: Cell | Buffer): Cell => {
    if (value === null) return null;
    const text = value as string;
    if (text.startsWith('0000-00-00')) {
      if (policy === 'null') return null;
      if (policy === 'error') {
        throw new ConfigError('ZERO_DATE', `column "${column}" holds the zero date "${text}" and csv.zeroDates is "error"`);
      }
      return text;
    }
    return iso ? `${text.replace(' ', 'T')}Z` : text;
  };
}
