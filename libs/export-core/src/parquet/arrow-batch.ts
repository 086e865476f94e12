/**
 * One row group's rows (server text, as the sources stream them) as an Apache Arrow record
 * batch whose column types are exactly the Parquet types of parquet-types.ts: the exact
 * converters of parquet-values.ts per typed column, no JS number for DECIMAL or 64-bit ints.
 */
import * as arrow from 'apache-arrow';
import type { TypedColumn } from '@rds-s3-export/shared-types';
import type { Row } from '../ports.js';
import { decimalBytes, typedValueConverter, unscaledDecimal, type TypedValue } from './parquet-values.js';

export interface BatchSchema {
  readonly names: readonly string[];
  readonly columns: readonly TypedColumn[];
  readonly binaryEncoding: 'base64' | 'hex';
}

function arrowType(column: TypedColumn): arrow.DataType {
  switch (column.type) {
    case 'int': return column.bits === 8 ? new arrow.Int8() : column.bits === 16 ? new arrow.Int16() : column.bits === 32 ? new arrow.Int32() : new arrow.Int64();
    case 'decimal': return new arrow.Decimal(column.scale, column.precision, 128);
    case 'float': return new arrow.Float32();
    case 'double': return new arrow.Float64();
    case 'date': return new arrow.DateDay();
    case 'time': return new arrow.TimeMicrosecond();
    case 'timestamp': return new arrow.TimestampMicrosecond(column.utc ? 'UTC' : null);
    case 'boolean': return new arrow.Bool();
    case 'binary': return new arrow.Binary();
    case 'string': return new arrow.Utf8();
  }
}

/** The Arrow schema of a batch schema: every column nullable. */
export function arrowSchema(schema: BatchSchema): arrow.Schema {
  return new arrow.Schema(schema.columns.map((column, c) => new arrow.Field(schema.names[c] as string, arrowType(column), true)));
}

function columnData(column: TypedColumn, type: arrow.DataType, rows: readonly Row[], c: number, binaryEncoding: 'base64' | 'hex'): arrow.Data {
  const length = rows.length;
  const cells = rows.map((row) => row[c] ?? null);
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  cells.forEach((cell, i) => {
    if (cell === null) nullCount += 1;
    else nullBitmap[i >> 3] = (nullBitmap[i >> 3] as number) | (1 << (i & 7));
  });
  const common = { type, length, nullCount, nullBitmap } as const;
  if (column.type === 'decimal') {
    // Arrow Decimal128: 16 bytes, little-endian two's complement, per value (any precision).
    const bytes = new Uint8Array(length * 16);
    cells.forEach((cell, i) => {
      if (cell === null) return;
      const big = decimalBytes(unscaledDecimal(String(cell), column.precision, column.scale), 16);
      for (let b = 0; b < 16; b += 1) bytes[i * 16 + b] = big[15 - b] as number;
    });
    return arrow.makeData({ ...common, data: new Uint32Array(bytes.buffer) } as never);
  }
  const convert = typedValueConverter(column, binaryEncoding);
  const values: (TypedValue | null)[] = cells.map((cell) => convert(cell));
  switch (column.type) {
    case 'int': case 'date': {
      const Typed = column.type === 'date' || column.bits === 32 ? Int32Array : column.bits === 16 ? Int16Array : column.bits === 8 ? Int8Array : BigInt64Array;
      const data = new Typed(length);
      values.forEach((v, i) => { if (v !== null) (data as unknown as (number | bigint)[])[i] = v as number | bigint; });
      return arrow.makeData({ ...common, data } as never);
    }
    case 'time': case 'timestamp': {
      const data = new BigInt64Array(length);
      values.forEach((v, i) => { if (v !== null) data[i] = v as bigint; });
      return arrow.makeData({ ...common, data } as never);
    }
    case 'float': case 'double': {
      const data = column.type === 'float' ? new Float32Array(length) : new Float64Array(length);
      values.forEach((v, i) => { if (v !== null) data[i] = v as number; });
      return arrow.makeData({ ...common, data } as never);
    }
    case 'boolean': {
      const data = new Uint8Array((length + 7) >> 3);
      values.forEach((v, i) => { if (v === true) data[i >> 3] = (data[i >> 3] as number) | (1 << (i & 7)); });
      return arrow.makeData({ ...common, data } as never);
    }
    case 'binary': case 'string': {
      const encoder = new TextEncoder();
      const parts = values.map((v) => (v === null ? new Uint8Array(0) : typeof v === 'string' ? encoder.encode(v) : (v as Uint8Array)));
      const valueOffsets = new Int32Array(length + 1);
      let total = 0;
      parts.forEach((p, i) => { total += p.length; valueOffsets[i + 1] = total; });
      const data = new Uint8Array(total);
      parts.forEach((p, i) => data.set(p, valueOffsets[i] as number));
      return arrow.makeData({ ...common, valueOffsets, data } as never);
    }
  }
}

/** The rows as one record batch of `schema` (from arrowSchema). */
export function arrowBatch(spec: BatchSchema, schema: arrow.Schema, rows: readonly Row[]): arrow.RecordBatch {
  const children = spec.columns.map((column, c) => columnData(column, (schema.fields[c] as arrow.Field).type, rows, c, spec.binaryEncoding));
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.RecordBatch(schema, struct);
}

/** The batch as Arrow IPC stream bytes (how record batches cross into the wasm writer). */
export function batchIpc(batch: arrow.RecordBatch): Uint8Array {
  return arrow.tableToIPC(new arrow.Table([batch]), 'stream');
}
