/**
 * Typed output (issue #16): which typed column each source column becomes, decided once per
 * export from what the sources already report (the engine, the declared `sourceType` and the
 * column's `kind`), and the Glue/Athena type of that column. Lives here, not in export-core,
 * because infra (the Glue table) and the exporter (the Parquet writer) both need it and infra
 * may only import scope:shared libs.
 *
 * Rules (README "Typed output"):
 * - integers keep their width; unsigned types widen to the next signed type so that every
 *   reader (Athena, Spark, DuckDB) sees the same value; BIGINT UNSIGNED and BIT(64) become
 *   DECIMAL(20,0);
 * - DECIMAL/NUMERIC(p,s) with p <= 38 become decimal(p,s); wider or unconstrained ones (and
 *   any whose precision the source did not report) stay the server's text, with a stated reason;
 * - DATE; DATETIME/timestamp as local timestamps, MySQL TIMESTAMP/timestamptz as UTC timestamps,
 *   both in microseconds;
 * - TIME stays the server's text, with a stated reason: MySQL's spans -838:59:59..838:59:59
 *   (not a time of day), and PostgreSQL's time of day has no column type Athena can read
 *   (Glue/Hive DDL has no TIME; a Parquet TIME declared `bigint` reads only on engines that
 *   accept it, and Spark before 4.1 cannot read Parquet TIME at all: docs/parquet-time.md);
 * - everything else (text, ENUM, SET, JSON, UUID, intervals, arrays, geometry …) is the server's
 *   text as a UTF-8 string, exactly as in CSV.
 */
import type { Engine } from './job-config.js';

/** The column kinds the sources report (mirrors export-core's ColumnKind; only `binary` and `boolean` matter here). */
export type SourceColumnKind = 'text' | 'number' | 'temporal' | 'boolean' | 'binary' | 'json' | 'other';

/** Why a column that could have been typed is written as the server's text. Recorded in the manifest. */
export type StringReason =
  | 'decimal-precision-over-38'
  | 'decimal-unconstrained'
  | 'decimal-precision-unknown'
  | 'mysql-time-range'
  | 'time-no-glue-type'
  | 'money-locale-scale';

/** Every StringReason, for schemas that validate them (the manifest). */
export const STRING_REASONS = ['decimal-precision-over-38', 'decimal-unconstrained', 'decimal-precision-unknown', 'mysql-time-range', 'time-no-glue-type', 'money-locale-scale'] as const satisfies readonly StringReason[];

export type TypedColumn =
  | { readonly type: 'int'; readonly bits: 8 | 16 | 32 | 64 }
  | { readonly type: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly type: 'float' }
  | { readonly type: 'double' }
  | { readonly type: 'date' }
  /**
   * Microseconds since midnight, no time zone. Not produced by `typedColumn` (TIME is written
   * as text, see above); the Parquet writer still supports it.
   */
  | { readonly type: 'time' }
  /** Microseconds since 1970-01-01 00:00:00; `utc` = Parquet isAdjustedToUTC. */
  | { readonly type: 'timestamp'; readonly utc: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'binary' }
  /** The server's text; `reason` is set when a typed column was possible in principle but not taken. */
  | { readonly type: 'string'; readonly reason?: StringReason };

/** Largest precision of a Parquet DECIMAL that Athena, Glue and Spark all read (16 bytes). */
export const MAX_TYPED_DECIMAL_PRECISION = 38;

export interface TypedColumnInput {
  readonly sourceType: string;
  readonly kind: SourceColumnKind;
}

const INT = (bits: 8 | 16 | 32 | 64): TypedColumn => ({ type: 'int', bits });
const STRING: TypedColumn = { type: 'string' };

/** The typed column for one source column. Pure; unknown types fall back to the server's text. */
export function typedColumn(engine: Engine, column: TypedColumnInput): TypedColumn {
  if (column.kind === 'binary') return { type: 'binary' };
  if (column.kind === 'text' || column.kind === 'json') return STRING;
  return engine === 'postgres' ? postgresTyped(column.sourceType) : mysqlTyped(column.sourceType);
}

/**
 * MySQL/MariaDB: `information_schema.COLUMNS.COLUMN_TYPE` for table exports (`int(10) unsigned
 * zerofill`, `decimal(12,2)`, `datetime(6)`), or the protocol type name for custom queries
 * (`decimal`, `bigint unsigned`: no precision, no BIT width).
 */
function mysqlTyped(sourceType: string): TypedColumn {
  const type = sourceType.trim().toLowerCase();
  const match = /^([a-z0-9_]+)\s*(?:\(([^)]*)\))?\s*(.*)$/.exec(type);
  if (!match) return STRING;
  const [, name = '', args = '', rest = ''] = match;
  const unsigned = /\bunsigned\b/.test(rest);
  switch (name) {
    case 'tinyint': return unsigned ? INT(16) : INT(8);
    case 'smallint': return unsigned ? INT(32) : INT(16);
    case 'mediumint': return INT(32);
    case 'int': case 'integer': return unsigned ? INT(64) : INT(32);
    case 'bigint': return unsigned ? decimal(20, 0) : INT(64);
    // BIT(n) arrives as CAST(... AS UNSIGNED): BIT(64) does not fit a signed 64-bit integer;
    // without a width (custom query) assume the widest.
    case 'bit': return args !== '' && Number(args) < 64 ? INT(64) : decimal(20, 0);
    // YEAR is 0 or 1901..2155 (the text `0000` is 0).
    case 'year': return INT(16);
    case 'decimal': case 'numeric': case 'dec': case 'fixed': return decimalFromArgs(args, 'decimal-precision-unknown');
    case 'float': return { type: 'float' };
    case 'double': case 'real': return { type: 'double' };
    case 'date': case 'newdate': return { type: 'date' };
    case 'datetime': return { type: 'timestamp', utc: false };
    // The session time zone is +00:00, so TIMESTAMP text is UTC.
    case 'timestamp': return { type: 'timestamp', utc: true };
    case 'time': return { type: 'string', reason: 'mysql-time-range' };
    default: return STRING;
  }
}

/** PostgreSQL: `pg_catalog.format_type(oid, typmod)` (`numeric(12,2)`, `timestamp(3) with time zone`). */
function postgresTyped(sourceType: string): TypedColumn {
  const type = sourceType.trim();
  if (type.endsWith(']')) return STRING; // arrays
  const bare = type.replace(/\([^)]*\)/, '');
  switch (bare) {
    case 'smallint': return INT(16);
    case 'integer': return INT(32);
    case 'bigint': return INT(64);
    case 'oid': return INT(64); // unsigned 32-bit
    case 'real': return { type: 'float' };
    case 'double precision': return { type: 'double' };
    case 'boolean': return { type: 'boolean' };
    case 'bytea': return { type: 'binary' };
    case 'date': return { type: 'date' };
    // A time of day has no Glue/Athena column type: the server's text (docs/parquet-time.md).
    case 'time without time zone': return { type: 'string', reason: 'time-no-glue-type' };
    case 'timestamp without time zone': return { type: 'timestamp', utc: false };
    // Written as UTC text by the source (AT TIME ZONE 'UTC').
    case 'timestamp with time zone': return { type: 'timestamp', utc: true };
    case 'numeric': return decimalFromArgs(/^numeric\(([^)]*)\)$/.exec(type)?.[1] ?? '', 'decimal-unconstrained');
    // The source casts money to numeric; its scale follows lc_monetary, so it is not known here.
    case 'money': return { type: 'string', reason: 'money-locale-scale' };
    default: return STRING;
  }
}

function decimal(precision: number, scale: number): TypedColumn {
  return { type: 'decimal', precision, scale };
}

/**
 * `p,s` or `p` from the declared type. PostgreSQL 15 allows a negative scale (values are
 * rounded to tens, hundreds …: digits p + |s|, scale 0) and a scale above the precision
 * (values below 10^(p-s): scale s digits in all).
 */
function decimalFromArgs(args: string, missing: StringReason): TypedColumn {
  const parts = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?$/.exec(args);
  if (!parts) return { type: 'string', reason: missing };
  const declaredPrecision = Number(parts[1]);
  const declaredScale = Number(parts[2] ?? '0');
  const scale = Math.max(declaredScale, 0);
  const precision = declaredScale < 0 ? declaredPrecision - declaredScale : Math.max(declaredPrecision, declaredScale);
  if (precision > MAX_TYPED_DECIMAL_PRECISION) return { type: 'string', reason: 'decimal-precision-over-38' };
  return decimal(precision, scale);
}

const GLUE_INT = { 8: 'tinyint', 16: 'smallint', 32: 'int', 64: 'bigint' } as const;

/**
 * The Glue (Hive DDL, as Athena reads it) column type of a typed column. A `time` column (never
 * produced by `typedColumn`) would be Parquet TIME(micros), which Glue can only declare as
 * `bigint` (microseconds since midnight).
 */
export function glueType(column: TypedColumn): string {
  switch (column.type) {
    case 'int': return GLUE_INT[column.bits];
    case 'decimal': return `decimal(${column.precision},${column.scale})`;
    case 'float': return 'float';
    case 'double': return 'double';
    case 'date': return 'date';
    case 'time': return 'bigint';
    case 'timestamp': return 'timestamp';
    case 'boolean': return 'boolean';
    case 'binary': return 'binary';
    case 'string': return 'string';
  }
}
