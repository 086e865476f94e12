/**
 * The Parquet writers under comparison (docs/parquet-writer-choice.md), each behind one
 * function: typed columns + batches of server-text rows in, a Parquet file out. Every writer
 * gets the same cells and converts them with the exporter's own converters
 * (export-core parquet-values), so the comparison measures the writers, not the parsing.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import * as arrow from 'apache-arrow';
import * as wasm from 'parquet-wasm/node';
import { DuckDBInstance, DuckDBDecimalValue, DuckDBDateValue, DuckDBTimeValue, DuckDBTimestampValue, DuckDBTimestampTZValue, type DuckDBAppender } from '@duckdb/node-api';
import type { TypedColumn } from '@rds-s3-export/shared-types';
import { arrowBatch, arrowSchema, type BatchSchema } from '@rds-s3-export/export-core/parquet';
import { parquetColumnType, typedValueConverter, unscaledDecimal, type TypedValue } from '@rds-s3-export/export-core';

export type Codec = 'snappy' | 'zstd';
export type Cell = string | null;

export interface TableSpec {
  readonly names: readonly string[];
  readonly columns: readonly TypedColumn[];
}

/** Writes batches (arrays of rows) to `path`; one batch = one row group. */
export type ParquetFileWriter = (path: string, spec: TableSpec, batches: AsyncIterable<Cell[][]> | Iterable<Cell[][]>, codec: Codec) => Promise<void>;

/** Column-major typed values of one batch (physical values as parquetColumnType stores them). */
function toColumns(spec: TableSpec, rows: Cell[][]): (TypedValue | null)[][] {
  return spec.columns.map((column, c) => {
    const convert = typedValueConverter(column, 'hex');
    const values = new Array<TypedValue | null>(rows.length);
    for (let r = 0; r < rows.length; r += 1) values[r] = convert((rows[r] as Cell[])[c] ?? null);
    return values;
  });
}

// ---------------------------------------------------------------------------------------
// hyparquet-writer (pure JS): ParquetWriter over a Writer whose flush() hands each row
// group's bytes to a file stream and waits for it to drain.
// ---------------------------------------------------------------------------------------

class StreamingByteWriter extends ByteWriter {
  constructor(private readonly out: WriteStream) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const chunk = Buffer.from(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.out.write(chunk) ? Promise.resolve() : once(this.out, 'drain').then(() => undefined);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

function hyparquetSchema(spec: TableSpec) {
  return [
    { name: 'root', num_children: spec.columns.length },
    ...spec.columns.map((column, i) => {
      const t = parquetColumnType(column);
      const base = { name: spec.names[i] as string, type: t.physical, repetition_type: 'OPTIONAL' as const, ...(t.typeLength ? { type_length: t.typeLength } : {}) };
      const l = t.logical;
      if (!l) return base;
      switch (l.type) {
        // hyparquet-writer 0.17 writes the INTEGER logical type's bitWidth with the wrong thrift
        // field type (DuckDB: "TProtocolException: Invalid data"): the legacy converted type
        // alone says the same thing to every reader.
        case 'INTEGER': return { ...base, converted_type: `INT_${l.bitWidth}` as const };
        case 'DECIMAL': return { ...base, converted_type: 'DECIMAL' as const, precision: l.precision, scale: l.scale, logical_type: l };
        case 'DATE': return { ...base, converted_type: 'DATE' as const, logical_type: l };
        case 'TIME': return { ...base, logical_type: l };
        // converted_type TIMESTAMP_MICROS means UTC-adjusted: only set it for those.
        case 'TIMESTAMP': return { ...base, ...(l.isAdjustedToUTC ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}), logical_type: l };
        case 'STRING': return { ...base, converted_type: 'UTF8' as const, logical_type: l };
      }
    }),
  ];
}

export const writeHyparquet: ParquetFileWriter = async (path, spec, batches, codec) => {
  if (codec !== 'snappy') throw new Error('hyparquet-writer ships only a snappy compressor; zstd needs a separate compressor package (Node 20 zlib has no zstd)');
  const out = createWriteStream(path);
  const writer = new StreamingByteWriter(out);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema literal matches hyparquet's SchemaElement
  const pq = new ParquetWriter({ writer, schema: hyparquetSchema(spec) as any, codec: 'SNAPPY', createdBy: 'rds-s3-export bench' });
  for await (const rows of batches) {
    const columns = toColumns(spec, rows).map((values, c) => {
      const column = spec.columns[c] as TypedColumn;
      // hyparquet scales a JS number by 10^scale itself; give it the unscaled bigint instead.
      if (column.type === 'decimal') return rows.map((row) => (row[c] == null ? null : unscaledDecimal(row[c] as string, column.precision, column.scale)));
      return values;
    });
    await pq.write({ columnData: columns.map((data, c) => ({ name: spec.names[c] as string, data: data as never })), rowGroupSize: rows.length });
  }
  await pq.finish();
  out.end();
  await once(out, 'close');
};

// ---------------------------------------------------------------------------------------
// parquet-wasm (arrow-rs compiled to WebAssembly) fed Arrow record batches built with
// apache-arrow: transformParquetStream turns a stream of batches into a stream of bytes.
// ---------------------------------------------------------------------------------------

/** The exporter's own batch builder (export-core/parquet), so this adapter writes what the exporter writes. */
function arrowBatchOf(spec: TableSpec, rows: Cell[][]): arrow.RecordBatch {
  const schema: BatchSchema = { names: spec.names, columns: spec.columns, binaryEncoding: 'hex' };
  return arrowBatch(schema, arrowSchema(schema), rows);
}

export const writeParquetWasm: ParquetFileWriter = async (path, spec, batches, codec) => {
  const iterator = (Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : (batches as Iterable<Cell[][]>)[Symbol.iterator]()) as AsyncIterator<Cell[][]> | Iterator<Cell[][]>;
  const input = new ReadableStream({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      const ipc = arrow.tableToIPC(new arrow.Table([arrowBatchOf(spec, next.value)]), 'stream');
      const table = wasm.Table.fromIPCStream(ipc);
      for (const batch of table.recordBatches()) controller.enqueue(batch);
    },
  });
  const properties = new wasm.WriterPropertiesBuilder()
    .setCompression(codec === 'zstd' ? wasm.Compression.ZSTD : wasm.Compression.SNAPPY)
    .setMaxRowGroupSize(100_000)
    .setCreatedBy('rds-s3-export bench')
    .build();
  const output = await wasm.transformParquetStream(input, properties);
  const file = createWriteStream(path);
  await (output as ReadableStream<Uint8Array>).pipeTo(Writable.toWeb(file));
};

// ---------------------------------------------------------------------------------------
// DuckDB: an in-memory table filled through the appender, then COPY … (FORMAT parquet).
// ---------------------------------------------------------------------------------------

function duckType(column: TypedColumn): string {
  switch (column.type) {
    case 'int': return { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[column.bits];
    case 'decimal': return `DECIMAL(${column.precision},${column.scale})`;
    case 'float': return 'FLOAT';
    case 'double': return 'DOUBLE';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timestamp': return column.utc ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case 'boolean': return 'BOOLEAN';
    case 'binary': return 'BLOB';
    case 'string': return 'VARCHAR';
  }
}

function duckAppend(appender: DuckDBAppender, column: TypedColumn, cell: Cell, convert: (cell: Cell) => TypedValue | null): void {
  if (cell === null) return appender.appendNull();
  const v = convert(cell) as TypedValue;
  switch (column.type) {
    case 'int':
      if (column.bits === 64) return appender.appendBigInt(v as bigint);
      return column.bits === 8 ? appender.appendTinyInt(v as number) : column.bits === 16 ? appender.appendSmallInt(v as number) : appender.appendInteger(v as number);
    case 'decimal': return appender.appendDecimal(new DuckDBDecimalValue(unscaledDecimal(cell, column.precision, column.scale), column.precision, column.scale));
    case 'float': return appender.appendFloat(v as number);
    case 'double': return appender.appendDouble(v as number);
    case 'date': return appender.appendDate(new DuckDBDateValue(v as number));
    case 'time': return appender.appendTime(new DuckDBTimeValue(v as bigint));
    case 'timestamp': return column.utc ? appender.appendTimestampTZ(new DuckDBTimestampTZValue(v as bigint)) : appender.appendTimestamp(new DuckDBTimestampValue(v as bigint));
    case 'boolean': return appender.appendBoolean(v as boolean);
    case 'binary': return appender.appendBlob(v as Uint8Array);
    case 'string': return appender.appendVarchar(v as string);
  }
}

export const writeDuckdb: ParquetFileWriter = async (path, spec, batches, codec) => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const definition = spec.columns.map((column, c) => `"${(spec.names[c] as string).replaceAll('"', '""')}" ${duckType(column)}`).join(', ');
    await connection.run(`CREATE TABLE t (${definition})`);
    const appender = await connection.createAppender('t');
    const converters = spec.columns.map((column) => typedValueConverter(column, 'hex'));
    for await (const rows of batches) {
      for (const row of rows) {
        spec.columns.forEach((column, c) => duckAppend(appender, column, row[c] ?? null, converters[c] as (cell: Cell) => TypedValue | null));
        appender.endRow();
      }
      appender.flushSync();
    }
    appender.closeSync();
    await connection.run(`COPY t TO '${path.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 100000)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

export const WRITERS = { hyparquet: writeHyparquet, 'parquet-wasm': writeParquetWasm, duckdb: writeDuckdb } as const;
export type WriterName = keyof typeof WRITERS;

