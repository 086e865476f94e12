/**
 * The MySQL/MariaDB hot path: text-protocol row packets straight to CSV bytes.
 *
 * A row of the text protocol is a sequence of length-encoded strings, one per column, each
 * already the server's text of the value (0xFB = NULL). The CSV contract asks for exactly
 * that text, so for almost every column the bytes of the packet can be copied to the output
 * as they are, quoted when they contain the delimiter, `"`, CR or LF. Decoding every cell to a
 * JavaScript string (what a row-object driver does) and encoding it back to UTF-8 costs more
 * than everything else in an export together; this encoder does neither and allocates nothing
 * per row. Only cells that need a conversion (binary -> base64/hex, zero dates, ISO
 * timestamps), formula-guarded text, and text that is not valid UTF-8 take the string path,
 * through {@link encodeCell}: the same function the row encoder uses.
 *
 * The output is byte-identical to decoding the row the way the row path does (mysql2 with
 * rowsAsArray, big numbers and dates as strings, integers and floats as the server's text
 * through `serverTextTypeCast`, per-column converters) and encoding it with `encodeRow`;
 * `mysql-csv-encoder.spec.ts` proves it differentially, and the conformance suite end to end.
 */
import { isUtf8 } from 'node:buffer';
import type { Cell } from '../../ports.js';
import type { CsvEncoderOptions } from '../../csv/csv-options.js';
import { encodeCell } from '../../csv/encode-row.js';
import { T, type ColumnPlan, type MysqlField } from './mysql-columns.js';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BINARY_CHARSET = 63;

/** Bytes copied as they are; never contain `"`, CR or LF (numbers, dates as server text). */
const VERBATIM = 0;
/** UTF-8 text: scanned, quoted when needed, `"` doubled. */
const TEXT = 1;
/** Decoded to a string (or a Buffer for binary) and written through encodeCell. */
const STRING = 2;

export interface ByteColumn {
  readonly mode: number;
  /** STRING mode: hand the converter a Buffer (binary column) rather than a string. */
  readonly binary: boolean;
  readonly convert?: (value: Cell | Buffer) => Cell;
  readonly guard: boolean;
}

/** Characters a number, date or time can contain: such a delimiter makes those columns need the scan too. */
const NUMERIC_AND_TEMPORAL = new Set('0123456789-+.: eE');

/**
 * How each column of a result set is written, from the data query's own field metadata (its
 * types after any select rewrite) and the per-column plans of mysql-columns.ts (conversions).
 * Returns undefined when some column is outside what the byte path reproduces exactly (a
 * non-UTF-8 result charset, a multi-byte delimiter, a type mysql2 itself would turn into an
 * object): the caller then streams row objects as before.
 */
export function planByteColumns(
  fields: readonly MysqlField[],
  plans: readonly ColumnPlan[],
  options: CsvEncoderOptions,
): ByteColumn[] | undefined {
  if (fields.length !== plans.length || fields.length === 0) return undefined;
  const d = options.delimiter.charCodeAt(0);
  if (options.delimiter.length !== 1 || d >= 0x80) return undefined;
  const verbatim = NUMERIC_AND_TEMPORAL.has(options.delimiter) ? TEXT : VERBATIM;
  const columns: ByteColumn[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as MysqlField;
    const plan = plans[i] as ColumnPlan;
    const guard = options.guardColumn[i] === true;
    // mysql2's decoding of the column (its ColumnDefinition names it); 'utf8' for utf8mb3/utf8mb4.
    const encoding = (field as { encoding?: string }).encoding;
    let mode: number;
    let binary = false;
    switch (field.columnType) {
      // Numbers as the server wrote them: ZEROFILL padding and YEAR `0000` kept (mysql-columns.ts).
      case T.TINY: case T.SHORT: case T.LONG: case T.INT24: case T.YEAR: case T.FLOAT: case T.DOUBLE:
      case T.LONGLONG: case T.DECIMAL: case T.NEWDECIMAL:
      case T.DATE: case T.DATETIME: case T.TIMESTAMP: case T.TIME:
        mode = verbatim;
        break;
      case T.NULL:
        mode = VERBATIM; // every cell is NULL
        break;
      case T.JSON:
        mode = TEXT; // JSON arrives with the binary charset but is UTF-8 text (mysql2 decodes it as utf8)
        break;
      case T.VARCHAR: case T.VAR_STRING: case T.STRING: case T.ENUM: case T.SET:
      case T.TINY_BLOB: case T.MEDIUM_BLOB: case T.LONG_BLOB: case T.BLOB:
        if (encoding === 'utf8') {
          mode = TEXT; // MariaDB's JSON (LONGTEXT with extended metadata) included
        } else if (field.extendedFormat !== 'json' && field.characterSet === BINARY_CHARSET && plan.convert) {
          mode = STRING; // binary: a Buffer for the base64/hex converter
          binary = true;
        } else {
          return undefined; // another charset, or a Buffer cell without converter
        }
        break;
      default:
        // GEOMETRY, VECTOR, internal types: the select rewrites of mysql-columns.ts never let
        // them reach a data query; refuse anyway.
        return undefined;
    }
    if (plan.convert || guard) mode = STRING;
    columns.push(Object.freeze({ mode, binary, guard, ...(plan.convert ? { convert: plan.convert } : {}) }));
  }
  return columns;
}

/** Scan flags per byte value: the delimiter, CR or LF force quotes; `"` is doubled; >= 0x80 may be invalid UTF-8. */
const NEEDS_QUOTES = 1;
const HAS_QUOTE = 2;
const NON_ASCII = 4;

/**
 * Encodes row packets into output chunks of about `chunkBytes`, handed to `emit` when full
 * (and by `flush()`). Memory: one chunk being filled, plus one row if a row is larger than a chunk.
 */
export class MysqlCsvEncoder {
  private out: Buffer;
  private pos = 0;
  private rowCount = 0;
  private emittedBytes = 0;
  private readonly modes: Uint8Array;
  private readonly scan: Uint8Array;
  private readonly delimiter: number;
  private readonly delimiterText: string;
  private readonly record: Buffer;

  constructor(
    private readonly columns: readonly ByteColumn[],
    options: CsvEncoderOptions,
    private readonly emit: (chunk: Buffer) => void,
    /** @default 256 KiB */
    private readonly chunkBytes = 256 * 1024,
  ) {
    this.modes = Uint8Array.from(columns.map((c) => c.mode));
    this.delimiter = options.delimiter.charCodeAt(0);
    this.delimiterText = options.delimiter;
    this.record = Buffer.from(options.recordDelimiter, 'latin1');
    this.scan = new Uint8Array(256);
    this.scan[this.delimiter] = NEEDS_QUOTES;
    this.scan[CR] = NEEDS_QUOTES;
    this.scan[LF] = NEEDS_QUOTES;
    this.scan[QUOTE] = HAS_QUOTE;
    for (let b = 0x80; b < 256; b++) this.scan[b] = NON_ASCII;
    this.out = Buffer.allocUnsafe(chunkBytes);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Bytes encoded so far (emitted and pending). */
  get bytes(): number {
    return this.emittedBytes + this.pos;
  }

  /** Hands over what is pending, if anything. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.out.subarray(0, this.pos);
    this.emittedBytes += this.pos;
    this.out = Buffer.allocUnsafe(this.chunkBytes);
    this.pos = 0;
    this.emit(chunk);
  }

  /** Makes room for `bytes` more output bytes (flushing what is pending when they do not fit). */
  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    this.flush();
    if (bytes > this.out.length) this.out = Buffer.allocUnsafe(bytes);
  }

  /**
   * Encodes one row: the payload `buf[start, end)` of a text-protocol row packet. Throws on a
   * malformed packet or when a converter refuses a value (e.g. zero dates with `error`).
   */
  encodePacket(buf: Buffer, start: number, end: number): void {
    const modes = this.modes;
    const n = modes.length;
    const d = this.delimiter;
    const scan = this.scan;
    // Without conversions a cell takes at most 2 x its bytes + 2 quotes, and its length prefix
    // (>= 1 byte) pays for its delimiter: one reservation covers the whole row.
    this.reserve(2 * (end - start) + 2 * n + 2);
    let out = this.out;
    let o = this.pos;
    let p = start;
    for (let c = 0; c < n; c++) {
      if (p >= end) throw new Error(`malformed row packet: ${n} columns expected, ${c} found`);
      if (c > 0) out[o++] = d;
      let len = buf[p++] as number;
      if (len >= 0xfb) {
        if (len === 0xfb) continue; // NULL: an empty, unquoted field
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
      const s = p;
      const e = p + len;
      if (e > end) throw new Error('malformed row packet: a value runs past the end of the packet');
      p = e;
      if (len === 0) {
        if (modes[c] === STRING) {
          this.pos = o;
          o = this.writeCell(c, buf, s, e, end - p, n - c);
          out = this.out;
        } else {
          out[o++] = QUOTE;
          out[o++] = QUOTE;
        }
        continue;
      }
      switch (modes[c]) {
        case VERBATIM:
          for (let i = s; i < e; i++) out[o++] = buf[i] as number;
          break;
        case TEXT: {
          // One pass: copy while collecting the scan flags; fix up the rare cells that need it.
          const o0 = o;
          let flags = 0;
          for (let i = s; i < e; i++) {
            const b = buf[i] as number;
            out[o++] = b;
            flags |= scan[b] as number;
          }
          if (flags === 0) break;
          if ((flags & NON_ASCII) !== 0 && !isUtf8(buf.subarray(s, e))) {
            // mysql2 would decode with replacement characters: do exactly that.
            this.pos = o0;
            o = this.writeText(encodeCell(buf.toString('utf8', s, e), false, this.delimiterText), end - p, n - c);
            out = this.out;
            break;
          }
          if ((flags & HAS_QUOTE) !== 0) {
            o = o0;
            out[o++] = QUOTE;
            for (let i = s; i < e; i++) {
              const b = buf[i] as number;
              out[o++] = b;
              if (b === QUOTE) out[o++] = QUOTE;
            }
            out[o++] = QUOTE;
          } else if ((flags & NEEDS_QUOTES) !== 0) {
            out.copyWithin(o0 + 1, o0, o);
            out[o0] = QUOTE;
            o++;
            out[o++] = QUOTE;
          }
          break;
        }
        default:
          this.pos = o;
          o = this.writeCell(c, buf, s, e, end - p, n - c);
          out = this.out;
      }
    }
    if (p !== end) throw new Error(`malformed row packet: ${end - p} bytes after the last of ${n} columns`);
    const record = this.record;
    for (let i = 0; i < record.length; i++) out[o++] = record[i] as number;
    this.pos = o;
    this.rowCount++;
  }

  /** Appends a record already encoded as text (the row-object fallback path). */
  encodeRecordText(record: string): void {
    this.reserve(record.length * 3);
    this.pos += this.out.write(record, this.pos, 'utf8');
    this.rowCount++;
  }

  /** STRING mode: decode, convert, encode through encodeCell. Returns the new output position. */
  private writeCell(c: number, buf: Buffer, s: number, e: number, restBytes: number, restColumns: number): number {
    const column = this.columns[c] as ByteColumn;
    const value: Cell | Buffer = column.binary ? buf.subarray(s, e) : buf.toString('utf8', s, e);
    const cell = column.convert ? column.convert(value) : (value as Cell);
    return this.writeText(encodeCell(cell, column.guard, this.delimiterText), restBytes, restColumns);
  }

  /**
   * Writes an encoded field at `this.pos` (after its delimiter), then makes sure the rest of the
   * row still fits, as `encodePacket`'s one reservation assumed (a converted field can be longer
   * than its bytes in the packet). Chunks need not end on a record boundary, so what is pending
   * may be emitted here. Returns the new output position.
   */
  private writeText(field: string, restBytes: number, restColumns: number): number {
    this.reserve(field.length * 3 + 2 * restBytes + 2 * restColumns + 2);
    this.pos += this.out.write(field, this.pos, 'utf8');
    return this.pos;
  }
}
