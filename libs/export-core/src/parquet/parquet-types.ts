/**
 * The Parquet physical and logical type of each typed column (shared-types `typedColumn`),
 * in the terms of the Parquet format spec (LogicalTypes.md), independent of the writer
 * library. DuckDB's `COPY … (FORMAT parquet)` makes the same choices for decimals: INT32 up
 * to precision 9, INT64 up to 18, FIXED_LEN_BYTE_ARRAY above.
 */
import type { ManifestParquetColumn, TypedColumn } from '@rds-s3-export/shared-types';

export type ParquetPhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';

export type ParquetLogicalType =
  | { readonly type: 'INTEGER'; readonly bitWidth: 8 | 16 | 32 | 64; readonly isSigned: true }
  | { readonly type: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly type: 'DATE' }
  | { readonly type: 'TIME'; readonly unit: 'MICROS'; readonly isAdjustedToUTC: false }
  | { readonly type: 'TIMESTAMP'; readonly unit: 'MICROS'; readonly isAdjustedToUTC: boolean }
  | { readonly type: 'STRING' };

export interface ParquetColumnType {
  readonly physical: ParquetPhysicalType;
  /** Only for FIXED_LEN_BYTE_ARRAY. */
  readonly typeLength?: number;
  /** Absent for plain BOOLEAN, FLOAT, DOUBLE and binary BYTE_ARRAY. */
  readonly logical?: ParquetLogicalType;
}

/** The Parquet type of a typed column. Every column is OPTIONAL (SQL NULL). */
export function parquetColumnType(column: TypedColumn): ParquetColumnType {
  switch (column.type) {
    // arrow-rs annotates 8- and 16-bit integers only: plain INT32/INT64 are signed 32/64-bit by the spec.
    case 'int':
      if (column.bits === 32) return { physical: 'INT32' };
      if (column.bits === 64) return { physical: 'INT64' };
      return { physical: 'INT32', logical: { type: 'INTEGER', bitWidth: column.bits, isSigned: true } };
    case 'decimal': {
      const logical = { type: 'DECIMAL', precision: column.precision, scale: column.scale } as const;
      if (column.precision <= 9) return { physical: 'INT32', logical };
      if (column.precision <= 18) return { physical: 'INT64', logical };
      return { physical: 'FIXED_LEN_BYTE_ARRAY', typeLength: decimalByteLength(column.precision), logical };
    }
    case 'float': return { physical: 'FLOAT' };
    case 'double': return { physical: 'DOUBLE' };
    case 'date': return { physical: 'INT32', logical: { type: 'DATE' } };
    case 'time': return { physical: 'INT64', logical: { type: 'TIME', unit: 'MICROS', isAdjustedToUTC: false } };
    case 'timestamp': return { physical: 'INT64', logical: { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: column.utc } };
    case 'boolean': return { physical: 'BOOLEAN' };
    case 'binary': return { physical: 'BYTE_ARRAY' };
    case 'string': return { physical: 'BYTE_ARRAY', logical: { type: 'STRING' } };
  }
}

/**
 * Fewest bytes of a two's-complement integer that holds every unscaled value of DECIMAL(p,_)
 * (±(10^p − 1)): the spec's bound for FIXED_LEN_BYTE_ARRAY decimals. 16 for p = 38.
 */
export function decimalByteLength(precision: number): number {
  const largest = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (largest >= 1n << BigInt(8 * bytes - 1)) bytes += 1;
  return bytes;
}

/**
 * A column as the manifest states it (`parquet.columns`): its Parquet type, always nullable, and
 * why it is the server's text when a typed column was possible in principle. The Parquet stage
 * checks every file's footer against these (parquet-object.ts), so the manifest states what the
 * files hold.
 */
export function manifestParquetColumn(name: string, column: TypedColumn): ManifestParquetColumn {
  const type = parquetColumnType(column);
  return {
    name,
    physicalType: type.physical,
    ...(type.typeLength !== undefined ? { typeLength: type.typeLength } : {}),
    ...(type.logical ? { logicalType: type.logical } : {}),
    nullable: true,
    ...(column.type === 'string' && column.reason ? { stringReason: column.reason } : {}),
  };
}
