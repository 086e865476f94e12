/**
 * The Parquet byte path on MySQL/MariaDB: runs the data query and hands each text-protocol row
 * packet's cells (length-encoded strings of the server's text, 0xFB = NULL) to a CellTarget
 * (the Parquet batch builder) as byte ranges of the packet, so no cell becomes a JS string:
 * text is copied as UTF-8, binary as its raw bytes, numbers and dates are parsed from their
 * ASCII digits (parquet/byte-values.ts).
 *
 * Like mysql-csv-stream.ts it replaces the Query command's `row` state for this one query (the
 * same mysql2 internals, pinned exactly). When a column needs a conversion the byte path does
 * not reproduce exactly (a `convert` of mysql-columns.ts other than binary -> base64/hex: zero
 * dates `null`/`error`, ISO timestamps; a text charset other than UTF-8; a type mysql2 would turn
 * into an object), the whole query takes the row route instead: mysql2's row parser, the
 * converters, and CellTarget.appendRow, exactly the `rows` stream's cells.
 *
 * Backpressure is pull: the Parquet writer asks for a batch (`fill`); when the target is full the
 * connection is paused until the next `fill`. Packets mysql2 had already read when it paused are
 * copied and replayed first (at most what one socket read delivered).
 */
import type { Connection } from 'mysql2';
import type { Cell, CellReader, CellTarget, Row } from '../../ports.js';
import { T, type ColumnPlan, type MysqlField } from './mysql-columns.js';
import { rawRowQuery, type QueryCommand, type RowPacket } from './mysql-query-internals.js';

const BINARY_CHARSET = 63;

/**
 * True when every column of the result can go from its packet bytes straight into the column
 * buffers with the values the row route would give: numbers and temporals without a converter
 * (their server text, ASCII), UTF-8 text and JSON (copied), binary (raw bytes: its converter is
 * only the base64/hex text the row route decodes again).
 */
export function byteCellsReproduce(fields: readonly MysqlField[], plans: readonly ColumnPlan[]): boolean {
  if (fields.length !== plans.length || fields.length === 0) return false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as MysqlField;
    const plan = plans[i] as ColumnPlan;
    const encoding = (field as { encoding?: string }).encoding;
    switch (field.columnType) {
      case T.TINY: case T.SHORT: case T.LONG: case T.INT24: case T.YEAR: case T.FLOAT: case T.DOUBLE:
      case T.LONGLONG: case T.DECIMAL: case T.NEWDECIMAL:
      case T.DATE: case T.DATETIME: case T.TIMESTAMP: case T.TIME:
      case T.NULL: case T.JSON:
        if (plan.convert) return false;
        break;
      case T.VARCHAR: case T.VAR_STRING: case T.STRING: case T.ENUM: case T.SET:
      case T.TINY_BLOB: case T.MEDIUM_BLOB: case T.LONG_BLOB: case T.BLOB:
        if (encoding === 'utf8' && !plan.convert) break;
        if (field.extendedFormat !== 'json' && field.characterSet === BINARY_CHARSET && plan.kind === 'binary') break;
        return false;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Reads one row packet's cell bounds into `bounds` (2 entries per column; start -1 for NULL).
 * Throws on a malformed packet.
 */
export function packetCellBounds(buf: Buffer, start: number, end: number, columns: number, bounds: Int32Array): void {
  let p = start;
  for (let c = 0; c < columns; c++) {
    if (p >= end) throw new Error(`malformed row packet: ${columns} columns expected, ${c} found`);
    let len = buf[p++] as number;
    if (len >= 0xfb) {
      if (len === 0xfb) {
        bounds[2 * c] = -1;
        bounds[2 * c + 1] = -1;
        continue;
      }
      if (len === 0xfc) {
        len = (buf[p] as number) | ((buf[p + 1] as number) << 8);
        p += 2;
      } else if (len === 0xfd) {
        len = (buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16);
        p += 3;
      } else if (len === 0xfe) {
        len = buf.readUInt32LE(p) + buf.readUInt32LE(p + 4) * 0x100000000;
        p += 8;
      } else {
        throw new Error(`malformed row packet: length prefix 0x${len.toString(16)}`);
      }
    }
    const e = p + len;
    if (e > end) throw new Error('malformed row packet: a value runs past the end of the packet');
    bounds[2 * c] = p;
    bounds[2 * c + 1] = e;
    p = e;
  }
  if (p !== end) throw new Error(`malformed row packet: ${end - p} bytes after the last of ${columns} columns`);
}

export function readMysqlCells(connection: Connection, sql: string, plans: readonly ColumnPlan[]): CellReader {
  const { query, originalRow } = rawRowQuery(connection, sql, 'Parquet');

  let path: 'bytes' | 'rows' | undefined;
  let columns = 0;
  let bounds = new Int32Array(0);
  let converters: { index: number; convert: (value: Cell | Buffer) => Cell }[] = [];
  let target: CellTarget | undefined;
  let settle: { resolve(ended: boolean): void; reject(error: unknown): void } | undefined;
  /** Rows that arrived while no fill was running: packet payload copies (bytes) or parsed rows. */
  const pending: (Buffer | Row)[] = [];
  let paused = false;
  let ended = false;
  let failure: Error | undefined;

  const pause = () => {
    if (paused) return;
    paused = true;
    connection.pause();
  };
  const resume = () => {
    if (!paused) return;
    paused = false;
    connection.resume();
  };
  const fail = (error: Error) => {
    if (failure) return;
    failure = error;
    target = undefined;
    pending.length = 0;
    // Let the driver drain (and drop) the rest; the source closes the connection anyway.
    resume();
    const s = settle;
    settle = undefined;
    s?.reject(error);
  };

  const parse = (packet: RowPacket): Row => {
    const cells = (query._rowParser as NonNullable<QueryCommand['_rowParser']>).next(packet, query._currentFields, query.options);
    for (const { index, convert } of converters) cells[index] = convert(cells[index] as Cell);
    return cells;
  };
  const appendBytes = (into: CellTarget, buf: Buffer, start: number, end: number): boolean => {
    packetCellBounds(buf, start, end, columns, bounds);
    return into.appendBytes(buf, bounds);
  };
  /** One row into the target; true when the target is full. */
  const append = (into: CellTarget, packet: RowPacket): boolean =>
    path === 'bytes' ? appendBytes(into, packet.buffer, packet.offset, packet.end) : into.appendRow(parse(packet));

  query.on('fields', (fields: MysqlField[]) => {
    columns = fields.length;
    bounds = new Int32Array(2 * columns);
    path = byteCellsReproduce(fields, plans) ? 'bytes' : 'rows';
    if (path === 'rows') converters = plans.flatMap((p, index) => (p.convert ? [{ index, convert: p.convert }] : []));
  });
  query.row = function row(this: QueryCommand, packet: RowPacket, conn: unknown) {
    if (packet.isEOF()) return originalRow.call(this, packet, conn);
    if (failure) return row;
    try {
      if (!target) {
        // Read before the pause took effect: kept for the next fill.
        pending.push(path === 'bytes' ? Buffer.from(packet.buffer.subarray(packet.offset, packet.end)) : parse(packet));
        pause();
        return row;
      }
      if (append(target, packet)) {
        target = undefined;
        pause();
        const s = settle;
        settle = undefined;
        s?.resolve(false);
      }
    } catch (error) {
      fail(error as Error);
    }
    return row;
  };
  query.on('error', (error: Error) => fail(error));
  query.on('end', () => {
    if (failure) return;
    ended = true;
    target = undefined;
    const s = settle;
    settle = undefined;
    s?.resolve(true);
  });

  return {
    get path() {
      return path;
    },
    fill(into: CellTarget): Promise<boolean> {
      if (failure) return Promise.reject(failure);
      if (settle) return Promise.reject(new Error('a fill is already running'));
      try {
        while (pending.length > 0) {
          const next = pending.shift() as Buffer | Row;
          const full = Buffer.isBuffer(next) ? appendBytes(into, next, 0, next.length) : into.appendRow(next);
          if (full) return Promise.resolve(false);
        }
      } catch (error) {
        fail(error as Error);
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve(true);
      return new Promise<boolean>((resolve, reject) => {
        settle = { resolve, reject };
        target = into;
        resume();
      });
    },
    destroy(error?: Error) {
      // After the result set ended there is nothing left to stop (rows still pending stay valid).
      if (ended) return;
      fail(error ?? Object.assign(new Error('the cell reader closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    },
  };
}
