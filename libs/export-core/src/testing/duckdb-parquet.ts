/**
 * Reading exported Parquet files back with DuckDB (`@duckdb/node-api`, an independent reader) in
 * tests: rows as text, the column types DuckDB reads, the Parquet schema and row groups its
 * footer reader reports, and the manifest's Parquet schema spelled the way DuckDB prints it.
 * Not exported from testing/index.ts: importing it loads DuckDB's native module, which only the
 * Parquet tests need.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ManifestParquetColumn } from '@rds-s3-export/shared-types';

export async function openDuck(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** A file path as a SQL string literal. */
export function sqlPath(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}

/** Every row of `sql`, each value as DuckDB's text (String of the JS value), NULL as null. */
export async function duckRows(duck: DuckDBConnection, sql: string): Promise<(string | null)[][]> {
  const reader = await duck.runAndReadAll(sql);
  return reader.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
}

/** [column, DuckDB type] of the file, as DESCRIBE reports them. */
export function describeParquet(duck: DuckDBConnection, path: string): Promise<(string | null)[][]> {
  return duckRows(duck, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlPath(path)}))`);
}

/** [column, physical type, logical type] of every leaf column, as DuckDB's footer reader reports them. */
export function parquetSchemaRows(duck: DuckDBConnection, path: string): Promise<(string | null)[][]> {
  return duckRows(duck, `SELECT name, type, logical_type FROM parquet_schema(${sqlPath(path)}) WHERE coalesce(num_children, 0) = 0`);
}

/** The number of row groups in the file, as DuckDB's parquet_metadata() reports it. */
export async function rowGroupCount(duck: DuckDBConnection, path: string): Promise<number> {
  const rows = await duckRows(duck, `SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${sqlPath(path)})`);
  return Number(rows[0]?.[0]);
}

const MICROS = 'unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))';

/**
 * The Parquet physical type and logical type (as parquet_schema() prints it) that each DuckDB
 * column type must come from: parquet-types.ts's mapping, spelled out for the reader.
 */
export function parquetTypeOf(duckType: string): [string, string | null] {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(duckType);
  if (decimal) {
    const precision = Number(decimal[1]);
    const physical = precision <= 9 ? 'INT32' : precision <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY';
    return [physical, `DecimalType(scale=${decimal[2]}, precision=${precision})`];
  }
  const types: Record<string, [string, string | null]> = {
    TINYINT: ['INT32', 'IntType(bitWidth=\x08, isSigned=1)'],
    SMALLINT: ['INT32', 'IntType(bitWidth=\x10, isSigned=1)'],
    INTEGER: ['INT32', null],
    BIGINT: ['INT64', null],
    FLOAT: ['FLOAT', null],
    DOUBLE: ['DOUBLE', null],
    DATE: ['INT32', 'DateType()'],
    TIME: ['INT64', `TimeType(isAdjustedToUTC=0, ${MICROS}`],
    TIMESTAMP: ['INT64', `TimestampType(isAdjustedToUTC=0, ${MICROS}`],
    'TIMESTAMP WITH TIME ZONE': ['INT64', `TimestampType(isAdjustedToUTC=1, ${MICROS}`],
    BOOLEAN: ['BOOLEAN', null],
    BLOB: ['BYTE_ARRAY', null],
    VARCHAR: ['BYTE_ARRAY', 'StringType()'],
  };
  const found = types[duckType];
  if (!found) throw new Error(`no Parquet type listed for ${duckType}`);
  return found;
}

/** A manifest's Parquet column as parquet_schema() prints it: [name, physical type, logical type]. */
export function manifestColumnAsDuck(column: ManifestParquetColumn): [string, string, string | null] {
  const logical = column.logicalType;
  if (!logical) return [column.name, column.physicalType, null];
  const unit = (u: string) => `unit=TimeUnit(MILLIS=${u === 'MILLIS' ? 'MilliSeconds()' : '<null>'}, MICROS=${u === 'MICROS' ? 'MicroSeconds()' : '<null>'}, NANOS=${u === 'NANOS' ? 'NanoSeconds()' : '<null>'}))`;
  const printed = {
    INTEGER: () => (logical.type === 'INTEGER' ? `IntType(bitWidth=${String.fromCharCode(logical.bitWidth)}, isSigned=${logical.isSigned ? 1 : 0})` : ''),
    DECIMAL: () => (logical.type === 'DECIMAL' ? `DecimalType(scale=${logical.scale}, precision=${logical.precision})` : ''),
    DATE: () => 'DateType()',
    TIME: () => (logical.type === 'TIME' ? `TimeType(isAdjustedToUTC=${logical.isAdjustedToUTC ? 1 : 0}, ${unit(logical.unit)}` : ''),
    TIMESTAMP: () => (logical.type === 'TIMESTAMP' ? `TimestampType(isAdjustedToUTC=${logical.isAdjustedToUTC ? 1 : 0}, ${unit(logical.unit)}` : ''),
    STRING: () => 'StringType()',
  }[logical.type]();
  return [column.name, column.physicalType, printed];
}

/** A FLOAT/DOUBLE as DuckDB prints it (`inf`, `-inf`, `nan`) as a JS number. */
export function duckNumber(value: string): number {
  return value === 'inf' ? Infinity : value === '-inf' ? -Infinity : value === 'nan' || value === '-nan' ? NaN : Number(value);
}
