/**
 * Runs the data query on a mysql2 connection and streams its result as CSV body bytes (no
 * header), encoding each row packet as it arrives (mysql-csv-encoder.ts) instead of letting
 * mysql2 build a row object per row and an object stream carry it to the encoder.
 *
 * This reaches into mysql2's Query command: it replaces the command's `row` state for this
 * one query, and reads the row packet's `buffer`/`offset`/`end`. Both have been stable for
 * years (mysql2 is pinned exactly in package.json); `mysql-csv-stream.integ.spec.ts` and the
 * conformance suite would catch a change, and so does rawRowQuery (mysql-query-internals.ts) at run time.
 *
 * Backpressure is the driver's own: when the readable side is full, `connection.pause()`
 * stops the socket (mysql2 queues the packets it had already read), and `_read` resumes it.
 * Memory: one 256 KiB chunk being filled plus the stream's 1 MiB high-water mark.
 */
import { Readable } from 'node:stream';
import type { Connection } from 'mysql2';
import type { Cell } from '../../ports.js';
import type { CsvEncoderOptions } from '../../csv/csv-options.js';
import { encodeRow } from '../../csv/encode-row.js';
import type { ColumnPlan, MysqlField } from './mysql-columns.js';
import { rawRowQuery, type QueryCommand, type RowPacket } from './mysql-query-internals.js';
import { MysqlCsvEncoder, planByteColumns } from './mysql-csv-encoder.js';

export interface MysqlCsvStreamOptions {
  /** Output chunk size. @default 256 KiB */
  readonly chunkBytes?: number;
  /** Bytes buffered on the readable side before the socket is paused. @default 1 MiB */
  readonly highWaterMark?: number;
}

export interface MysqlCsvStream {
  readonly stream: Readable;
  /** Rows encoded so far. */
  readonly rows: number;
  /** Resolves with the row count once the result set has ended. */
  rowCount(): Promise<number>;
}

export function streamMysqlCsv(
  connection: Connection,
  sql: string,
  plans: readonly ColumnPlan[],
  options: CsvEncoderOptions,
  streamOptions: MysqlCsvStreamOptions = {},
): MysqlCsvStream {
  const { query, originalRow } = rawRowQuery(connection, sql, 'CSV');

  let encoder: MysqlCsvEncoder | undefined;
  /** Set when the byte path cannot reproduce a column exactly: rows go through mysql2's parser and encodeRow. */
  let converters: { index: number; convert: (value: Cell | Buffer) => Cell }[] | undefined;
  let paused = false;
  let failed = false;
  let settle: { resolve(rows: number): void; reject(error: unknown): void } | undefined;
  const ended = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  ended.catch(() => undefined);

  const resume = () => {
    if (!paused) return;
    paused = false;
    connection.resume();
  };
  const stream = new Readable({
    highWaterMark: streamOptions.highWaterMark ?? 1024 * 1024,
    read: resume,
    destroy(error, callback) {
      failed = true;
      // Let the driver drain (and drop) the rest; the source closes the connection anyway.
      resume();
      settle?.reject(error ?? new Error('stream destroyed'));
      callback(error);
    },
  });
  const emit = (chunk: Buffer) => {
    if (stream.destroyed) return;
    if (!stream.push(chunk) && !paused) {
      paused = true;
      connection.pause();
    }
  };
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    stream.destroy(error as Error);
  };

  query.on('fields', (fields: MysqlField[]) => {
    const columns = planByteColumns(fields, plans, options);
    if (!columns) converters = plans.flatMap((p, index) => (p.convert ? [{ index, convert: p.convert }] : []));
    encoder = new MysqlCsvEncoder(columns ?? [], options, emit, streamOptions.chunkBytes);
  });
  query.row = function row(this: QueryCommand, packet: RowPacket, conn: unknown) {
    if (packet.isEOF()) return originalRow.call(this, packet, conn);
    if (failed || !encoder) return row;
    try {
      if (converters === undefined) {
        encoder.encodePacket(packet.buffer, packet.offset, packet.end);
      } else {
        const cells = (this._rowParser as NonNullable<QueryCommand['_rowParser']>).next(packet, this._currentFields, this.options);
        for (const { index, convert } of converters) cells[index] = convert(cells[index] as Cell);
        encoder.encodeRecordText(encodeRow(cells, options));
      }
    } catch (error) {
      fail(error);
    }
    return row;
  };
  query.on('error', fail);
  query.on('end', () => {
    if (failed || stream.destroyed) return;
    encoder?.flush();
    stream.push(null);
    settle?.resolve(encoder?.rows ?? 0);
  });

  return {
    stream,
    get rows() {
      return encoder?.rows ?? 0;
    },
    rowCount: () => ended,
  };
}
