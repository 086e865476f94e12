/**
 * The batch builder against the exact converters of parquet-values.ts: its number fast paths
 * must give the same value as the BigInt/regex path on every text, at and beyond their bounds
 * (15 digits, 2^53 microseconds), and throw where that path throws. Values are read back from
 * the Arrow buffers (and, for reused buffers, from the IPC bytes the writer gets).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { TypedColumn } from '@rds-s3-export/shared-types';
import { TypedValueError } from '../errors.js';
import { arrowBatch, arrowSchema, BatchBuilder, type BatchSchema } from './arrow-batch.js';
import {
  daysFromDateText,
  fastTimestampMicros,
  fastUnscaledDecimal,
  integerFromText,
  microsFromTimeText,
  microsFromTimestampText,
  unscaledDecimal,
} from './parquet-values.js';

function schemaOf(column: TypedColumn): BatchSchema {
  return { names: ['c'], columns: [column], binaryEncoding: 'base64' };
}

/** The column's values as the Arrow buffers hold them: bigint for 64/128-bit, number otherwise, null for NULL. */
function valuesOf(column: TypedColumn, cells: readonly (string | null)[]): (number | bigint | boolean | string | null)[] {
  const schema = schemaOf(column);
  const batch = arrowBatch(schema, arrowSchema(schema), cells.map((cell) => [cell]));
  return readColumn(batch.getChildAt(0) as arrow.Vector, column);
}

function readColumn(vector: arrow.Vector, column: TypedColumn): (number | bigint | boolean | string | null)[] {
  const data = vector.data[0] as arrow.Data;
  return Array.from({ length: vector.length }, (_, i) => {
    if (!vector.isValid(i)) return null;
    if (column.type === 'decimal') {
      const words = data.values as Uint32Array;
      let value = 0n;
      for (let w = 3; w >= 0; w -= 1) value = (value << 32n) | BigInt(words[4 * i + w] as number);
      return BigInt.asIntN(128, value);
    }
    if (column.type === 'boolean' || column.type === 'string') return vector.get(i) as boolean | string;
    return (data.values as Float64Array | BigInt64Array)[i] as number | bigint;
  });
}

describe('Class: BatchBuilder', () => {
  it('writes 64-bit integers exactly on both sides of the 15-digit fast path', () => {
    const texts = ['0', '-0', '+7', '00042', '999999999999999', '-999999999999999', '1000000000000000', '9007199254740993', '-9223372036854775808', '9223372036854775807', '4294967296', '-4294967297'];
    expect(valuesOf({ type: 'int', bits: 64 }, texts)).toEqual(texts.map((t) => integerFromText(t, 64)));
  });

  it('writes 8/16/32-bit integers exactly and refuses values out of their range', () => {
    expect(valuesOf({ type: 'int', bits: 32 }, ['-2147483648', '2147483647', '0000000000000000000012'])).toEqual([-2147483648, 2147483647, 12]);
    expect(valuesOf({ type: 'int', bits: 8 }, ['-128', '127', null])).toEqual([-128, 127, null]);
    expect(() => valuesOf({ type: 'int', bits: 8 }, ['128'])).toThrow(TypedValueError);
    expect(() => valuesOf({ type: 'int', bits: 32 }, ['2147483648'])).toThrow(TypedValueError);
    expect(() => valuesOf({ type: 'int', bits: 64 }, ['1e3'])).toThrow(TypedValueError);
    expect(() => valuesOf({ type: 'int', bits: 64 }, ['12a'])).toThrow(TypedValueError);
  });

  it.each([
    [12, 2, ['12.34', '-0.05', '7', '7.5', '.5', '-0.00', '9999999999.99', '-9999999999.99', '0000000000012.30']],
    [18, 4, ['99999999999999.9999', '-99999999999999.9999', '12345678901.2345', '1.5']],
    [38, 10, ['9999999999999999999999999999.9999999999', '-9999999999999999999999999999.9999999999', '0.0000000001', '-1']],
    [38, 0, ['99999999999999999999999999999999999999', '-99999999999999999999999999999999999999', '123456789012345']],
    [5, 5, ['0.12345', '-0.99999']],
  ] as const)('writes DECIMAL(%i,%i) exactly, fast path or not', (precision, scale, texts) => {
    const column: TypedColumn = { type: 'decimal', precision, scale };
    expect(valuesOf(column, texts)).toEqual(texts.map((t) => unscaledDecimal(t, precision, scale)));
  });

  it.each(['1.234', '123456.7', 'NaN', '', '-', '.', '1e5', '1.2.3', '--1'])('refuses %j in a DECIMAL(6,2) as the exact path does', (text) => {
    expect(() => unscaledDecimal(text, 6, 2)).toThrow(TypedValueError);
    expect(Number.isNaN(fastUnscaledDecimal(text, 6, 2))).toBe(true);
    expect(() => valuesOf({ type: 'decimal', precision: 6, scale: 2 }, [text])).toThrow(TypedValueError);
  });

  it('writes dates exactly, BC and five-digit years through the exact path', () => {
    const texts = ['1970-01-01', '1969-12-31', '0001-01-01', '9999-12-31', '2000-02-29', '1900-03-01', '0000-01-01', '0044-03-15 BC', '12345-01-01'];
    expect(valuesOf({ type: 'date' }, texts)).toEqual(texts.map(daysFromDateText));
    for (const bad of ['0000-00-00', '2026-02-29', '2026-13-01', '2026-1-01', 'infinity']) {
      expect(() => valuesOf({ type: 'date' }, [bad]), bad).toThrow(TypedValueError);
    }
  });

  it('writes timestamps exactly inside and outside the 2^53-microsecond fast path', () => {
    const texts = [
      '1970-01-01 00:00:00',
      '1969-12-31 23:59:59.999999',
      '2026-01-01 12:34:56.5',
      '2026-01-01T12:34:56.123456Z',
      '1685-06-01 00:00:00.000001', // inside the fast path
      '1684-01-01 00:00:00.000001', // outside: BigInt
      '2255-12-31 23:59:59.999999',
      '2256-01-01 00:00:00.000001',
      '1000-01-01 00:00:00',
      '9999-12-31 23:59:59.999999',
      '0001-01-01 00:00:00 BC',
    ];
    expect(valuesOf({ type: 'timestamp', utc: true }, texts)).toEqual(texts.map(microsFromTimestampText));
    expect(Number.isNaN(fastTimestampMicros('1684-01-01 00:00:00'))).toBe(true);
    expect(Number.isNaN(fastTimestampMicros('9999-12-31 23:59:59'))).toBe(true);
    for (const bad of ['2026-01-01 24:00:00', '2026-01-01 12:60:00', '2026-01-01 12:00:00.1234567', '0000-00-00 00:00:00', '2026-01-01 12:00']) {
      expect(() => valuesOf({ type: 'timestamp', utc: false }, [bad]), bad).toThrow(TypedValueError);
    }
  });

  it('writes times of day exactly, PostgreSQL 24:00:00 included', () => {
    const texts = ['00:00:00', '23:59:59.999999', '12:00:00.5', '24:00:00'];
    expect(valuesOf({ type: 'time' }, texts)).toEqual(texts.map(microsFromTimeText));
    expect(() => valuesOf({ type: 'time' }, ['24:00:01'])).toThrow(TypedValueError);
  });

  it('keeps NULL and the empty string apart, and multi-byte text intact', () => {
    expect(valuesOf({ type: 'string' }, ['', null, 'café ☕ 日本', '😀', 'a'.repeat(100_000)])).toEqual(['', null, 'café ☕ 日本', '😀', 'a'.repeat(100_000)]);
  });

  it('gives the same values batch after batch when its buffers are reused (IPC read back)', () => {
    // Prepare: every kind of column; the second batch has its NULLs and false values where the first had values.
    const columns: TypedColumn[] = [
      { type: 'int', bits: 64 },
      { type: 'decimal', precision: 12, scale: 2 },
      { type: 'boolean' },
      { type: 'string' },
      { type: 'timestamp', utc: true },
      { type: 'double' },
    ];
    const spec: BatchSchema = { names: columns.map((_, i) => `c${i}`), columns, binaryEncoding: 'base64' };
    const first = [
      ['1', '1.50', 't', 'one', '2026-01-01 00:00:00', '1.5'],
      ['2', '2.50', 't', 'two', '2026-01-02 00:00:00', 'NaN'],
    ];
    const second = [
      [null, null, 'f', null, null, null],
      ['3', '-3.00', null, '', '1969-12-31 23:59:59.999999', '-Infinity'],
      ['4', '4.00', 'f', 'four', '2026-01-04 00:00:00', '-0'],
    ];
    const builder = new BatchBuilder(spec);

    // Act
    const read = (rows: (string | null)[][]) => {
      for (const row of rows) builder.append(row);
      const table = arrow.tableFromIPC(builder.takeIpc().slice());
      return rows.map((_, r) => columns.map((column, c) => readColumn(table.getChildAt(c) as arrow.Vector, column)[r]));
    };
    const firstValues = read(first);
    const secondValues = read(second);

    // Assess
    expect(firstValues).toEqual([
      [1n, 150n, true, 'one', microsFromTimestampText('2026-01-01 00:00:00'), 1.5],
      [2n, 250n, true, 'two', microsFromTimestampText('2026-01-02 00:00:00'), NaN],
    ]);
    expect(secondValues).toEqual([
      [null, null, false, null, null, null],
      [3n, -300n, null, '', -1n, -Infinity],
      [4n, 400n, false, 'four', microsFromTimestampText('2026-01-04 00:00:00'), -0],
    ]);
  });

  it('writes uuid and time wire cells as their text between other cells, NULL apart, and refuses a cell of the wrong length', () => {
    // Prepare: three string columns (text, uuid, time) fed as COPY binary cells through appendWire
    const columns: TypedColumn[] = [{ type: 'string' }, { type: 'string' }, { type: 'string', reason: 'time-no-glue-type' }];
    const spec: BatchSchema = { names: ['t', 'u', 'tm'], columns, binaryEncoding: 'base64' };
    const encodings = ['raw', 'pg-uuid', 'pg-time'] as const;
    const micros = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(n);
      return b;
    };
    const rows: (Buffer | null)[][] = [
      [Buffer.from('before'), Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'), micros(45_296_500_000n)],
      [null, null, null],
      [Buffer.alloc(0), Buffer.alloc(16, 0xff), micros(86_400_000_000n)],
      [Buffer.from('after'), Buffer.alloc(16), micros(1n)],
    ];
    const builder = new BatchBuilder(spec);
    const append = (row: readonly (Buffer | null)[]) => {
      const bounds = new Int32Array(2 * row.length);
      const bytes = Buffer.concat(row.map((cell) => cell ?? Buffer.alloc(0)));
      let at = 0;
      row.forEach((cell, c) => {
        bounds[2 * c] = cell === null ? -1 : at;
        bounds[2 * c + 1] = cell === null ? -1 : (at += cell.length);
      });
      builder.appendWire(bytes, bounds, encodings);
    };

    // Act
    for (const row of rows) append(row);
    const table = arrow.tableFromIPC(builder.takeIpc().slice());

    // Assess
    expect(rows.map((_, r) => columns.map((column, c) => readColumn(table.getChildAt(c) as arrow.Vector, column)[r]))).toEqual([
      ['before', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '12:34:56.5'],
      [null, null, null],
      ['', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '24:00:00'],
      ['after', '00000000-0000-0000-0000-000000000000', '00:00:00.000001'],
    ]);
    expect(() => append([null, Buffer.alloc(15), null])).toThrow(/a uuid of 15 bytes/);
    expect(() => append([null, null, Buffer.alloc(4)])).toThrow(/a time of 4 bytes/);
  });
});
