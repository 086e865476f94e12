import { describe, expect, it } from 'vitest';
import { decimalByteLength, parquetColumnType } from './parquet-types.js';

describe('Function: parquetColumnType', () => {
  it('stores integers in INT32/INT64, annotating 8 and 16 bits (plain INT32/INT64 are signed 32/64 bits), as arrow-rs does', () => {
    expect(parquetColumnType({ type: 'int', bits: 8 })).toEqual({ physical: 'INT32', logical: { type: 'INTEGER', bitWidth: 8, isSigned: true } });
    expect(parquetColumnType({ type: 'int', bits: 16 })).toEqual({ physical: 'INT32', logical: { type: 'INTEGER', bitWidth: 16, isSigned: true } });
    expect(parquetColumnType({ type: 'int', bits: 32 })).toEqual({ physical: 'INT32' });
    expect(parquetColumnType({ type: 'int', bits: 64 })).toEqual({ physical: 'INT64' });
  });

  it('stores decimals in INT32 up to precision 9, INT64 up to 18, fixed-length bytes above', () => {
    expect(parquetColumnType({ type: 'decimal', precision: 9, scale: 2 }).physical).toBe('INT32');
    expect(parquetColumnType({ type: 'decimal', precision: 10, scale: 2 }).physical).toBe('INT64');
    expect(parquetColumnType({ type: 'decimal', precision: 18, scale: 0 }).physical).toBe('INT64');
    expect(parquetColumnType({ type: 'decimal', precision: 20, scale: 0 })).toEqual({
      physical: 'FIXED_LEN_BYTE_ARRAY',
      typeLength: 9,
      logical: { type: 'DECIMAL', precision: 20, scale: 0 },
    });
    expect(parquetColumnType({ type: 'decimal', precision: 38, scale: 10 }).typeLength).toBe(16);
  });

  it('stores dates, times and timestamps in micros with the UTC flag of the source type', () => {
    expect(parquetColumnType({ type: 'date' })).toEqual({ physical: 'INT32', logical: { type: 'DATE' } });
    expect(parquetColumnType({ type: 'time' })).toEqual({ physical: 'INT64', logical: { type: 'TIME', unit: 'MICROS', isAdjustedToUTC: false } });
    expect(parquetColumnType({ type: 'timestamp', utc: false }).logical).toEqual({ type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: false });
    expect(parquetColumnType({ type: 'timestamp', utc: true }).logical).toEqual({ type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: true });
  });

  it('keeps binary unannotated and marks text as STRING', () => {
    expect(parquetColumnType({ type: 'binary' })).toEqual({ physical: 'BYTE_ARRAY' });
    expect(parquetColumnType({ type: 'string', reason: 'mysql-time-range' })).toEqual({ physical: 'BYTE_ARRAY', logical: { type: 'STRING' } });
    expect(parquetColumnType({ type: 'boolean' })).toEqual({ physical: 'BOOLEAN' });
    expect(parquetColumnType({ type: 'float' })).toEqual({ physical: 'FLOAT' });
    expect(parquetColumnType({ type: 'double' })).toEqual({ physical: 'DOUBLE' });
  });
});

describe('Function: decimalByteLength', () => {
  it.each([
    [1, 1], [2, 1], [3, 2], [9, 4], [10, 5], [18, 8], [19, 9], [20, 9], [38, 16],
  ])('precision %i needs %i bytes (the Parquet spec table)', (precision, bytes) => {
    expect(decimalByteLength(precision)).toBe(bytes);
  });
});
