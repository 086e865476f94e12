/**
 * Rows (server text, as the sources stream them) appended one at a time into Apache Arrow
 * column buffers whose types are exactly the Parquet types of parquet-types.ts, then handed over
 * as a record batch (or its IPC bytes) per row group. Exact: the converters of
 * parquet-values.ts, no JS number for DECIMAL or 64-bit integers beyond 15 digits.
 *
 * Why appending instead of collecting rows first: a row group of 100,000 JS rows of strings
 * lives long enough to be promoted to V8's old generation, and collecting it was 40 % of the
 * Parquet export's CPU in garbage collection (docs/parquet-writer-choice.md, "Performance").
 * Converted at once, a row dies young; what a row group holds is typed arrays and one UTF-8
 * buffer per text column (outside the JS heap), which are also what its byte size measures.
 */
import * as arrow from 'apache-arrow';
import type { TypedColumn } from '@rds-s3-export/shared-types';
import { isUtf8 } from 'node:buffer';
import type { Cell, Row, WireEncoding } from '../ports.js';
import { TypedValueError } from '../errors.js';
import { daysFromPgDate, fastMicrosFromPgTimestamp, fastUnscaledFromPgNumeric, int16At, int32At, microsFromPgTimestamp, numericText, TIME_TEXT_MAX_BYTES, UUID_TEXT_BYTES, writeTimeText, writeUuidText } from './pg-binary-values.js';
import { fastDaysBytes, fastIntegerBytes, fastTimeMicrosBytes, fastTimestampMicrosBytes, fastUnscaledDecimalBytes } from './byte-values.js';
import {
  bytesFromCell,
  daysFromDateText,
  fastDays,
  fastInteger,
  fastTimeMicros,
  fastTimestampMicros,
  fastUnscaledDecimal,
  floatingFromText,
  integerFromText,
  booleanFromText,
  microsFromTimeText,
  microsFromTimestampText,
  unscaledDecimal,
} from './parquet-values.js';

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

type CellValue = Cell | Uint8Array;

const TWO_32 = 4294967296;

/** A safe integer as a little-endian two's-complement 64-bit value in words[at], words[at + 1]. */
function setInt64Words(words: Int32Array, at: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  words[at] = value - high * TWO_32;
  words[at + 1] = high;
}

const textOf = (cell: Exclude<CellValue, null>): string => (typeof cell === 'string' ? cell : typeof cell === 'number' ? String(cell) : Buffer.from(cell).toString());

/** One column's buffers, grown by doubling; `add` writes row `row` (< capacity). */
abstract class ColumnBuffers {
  validity: Uint8Array;
  nullCount = 0;

  constructor(capacity: number) {
    this.validity = new Uint8Array((capacity + 7) >> 3);
  }

  add(cell: CellValue, row: number): void {
    if (cell === null) {
      this.nullCount += 1;
      this.clear(row);
      return;
    }
    this.validity[row >> 3] = (this.validity[row >> 3] as number) | (1 << (row & 7));
    this.set(cell, row);
  }

  /**
   * Row `row` from the server's text bytes `bytes[start, end)` (the byte path). The default
   * decodes the cell (latin1: numbers, dates and booleans are ASCII; any other byte fails the
   * converter exactly as the driver's decoding would) and converts it as `add` does.
   */
  addBytes(bytes: Buffer, start: number, end: number, row: number): void {
    this.validity[row >> 3] = (this.validity[row >> 3] as number) | (1 << (row & 7));
    this.setBytes(bytes, start, end, row);
  }

  protected setBytes(bytes: Buffer, start: number, end: number, row: number): void {
    this.set(bytes.toString('latin1', start, end), row);
  }

  addNull(row: number): void {
    this.nullCount += 1;
    this.clear(row);
  }

  /** Row `row` from a typed wire value `bytes[start, end)` (CellTarget.appendWire). */
  addWire(bytes: Buffer, start: number, end: number, row: number, encoding: WireEncoding): void {
    this.validity[row >> 3] = (this.validity[row >> 3] as number) | (1 << (row & 7));
    this.setWire(bytes, start, end, row, encoding);
  }

  /** Encodings this column reads (BatchBuilder checks a reader's choice against them once). */
  abstract readonly wires: readonly WireEncoding[];

  protected setWire(_bytes: Buffer, _start: number, _end: number, _row: number, encoding: WireEncoding): void {
    throw new Error(`a ${encoding} cell cannot go into this Parquet column`);
  }

  grow(capacity: number): void {
    const validity = new Uint8Array((capacity + 7) >> 3);
    validity.set(this.validity);
    this.validity = validity;
    this.growValues(capacity);
  }

  /** Ready for the next batch, keeping the buffers. */
  reset(): void {
    this.validity.fill(0);
    this.nullCount = 0;
  }

  /** Bytes beyond the fixed width per row (a text column's UTF-8). */
  variableBytes(): number {
    return 0;
  }

  protected abstract set(cell: Exclude<CellValue, null>, row: number): void;
  protected abstract clear(row: number): void;
  protected abstract growValues(capacity: number): void;
  abstract readonly width: number;
  abstract data(type: arrow.DataType, length: number): arrow.Data;

  protected common(type: arrow.DataType, length: number) {
    return { type, length, nullCount: this.nullCount, nullBitmap: this.validity.subarray(0, (length + 7) >> 3) };
  }
}

type NumberArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** INT8/16/32, DATE, FLOAT, DOUBLE: one JS number per value. */
class NumberBuffers extends ColumnBuffers {
  readonly width: number;
  private values: NumberArray;

  constructor(
    capacity: number,
    private readonly make: (capacity: number) => NumberArray,
    private readonly parse: (text: string) => number,
    /** The byte twin of parse's fast path (NaN outside it), if it has one. */
    private readonly fastBytes: ((bytes: Buffer, start: number, end: number) => number) | undefined,
    readonly wires: readonly WireEncoding[],
  ) {
    super(capacity);
    this.values = make(capacity);
    this.width = this.values.BYTES_PER_ELEMENT;
  }

  protected set(cell: Exclude<CellValue, null>, row: number): void {
    this.values[row] = this.parse(textOf(cell));
  }

  protected override setBytes(bytes: Buffer, start: number, end: number, row: number): void {
    const value = this.fastBytes ? this.fastBytes(bytes, start, end) : NaN;
    // The fast path's NaN (outside its bounds) and a typed array's own range check: parse decides.
    if (value === value) this.values[row] = value;
    else this.values[row] = this.parse(bytes.toString('latin1', start, end));
  }

  protected override setWire(bytes: Buffer, start: number, _end: number, row: number, encoding: WireEncoding): void {
    switch (encoding) {
      case 'pg-int2': this.values[row] = int16At(bytes, start); return;
      case 'pg-int4': this.values[row] = int32At(bytes, start); return;
      case 'pg-float4': this.values[row] = bytes.readFloatBE(start); return;
      case 'pg-float8': this.values[row] = bytes.readDoubleBE(start); return;
      case 'pg-date': {
        const days = daysFromPgDate(bytes, start);
        // ±infinity: the text converter throws the same TypedValueError the text path does.
        this.values[row] = typeof days === 'number' ? days : this.parse(days);
        return;
      }
      default: super.setWire(bytes, start, _end, row, encoding);
    }
  }

  protected clear(row: number): void {
    this.values[row] = 0;
  }

  protected growValues(capacity: number): void {
    const values = this.make(capacity);
    values.set(this.values as never);
    this.values = values;
  }

  data(type: arrow.DataType, length: number): arrow.Data {
    return arrow.makeData({ ...this.common(type, length), data: this.values.subarray(0, length) } as never);
  }
}

const OUT_OF_RANGE = 'a value has no signed 64-bit Parquet value (a timestamp after 294247-01-10 or before 290308 BC in microseconds from 1970)';

/** A BigInt as a BigInt64Array stores it, which would wrap silently: out of range fails instead. */
function int64(value: bigint): bigint {
  if (value !== BigInt.asIntN(64, value)) throw new TypedValueError(OUT_OF_RANGE);
  return value;
}

/** INT64, TIME and TIMESTAMP microseconds: a fast path through words, BigInt beyond 2^53. */
class Int64Buffers extends ColumnBuffers {
  readonly width = 8;
  private values: BigInt64Array;
  private words: Int32Array;

  constructor(
    capacity: number,
    private readonly fast: (text: string) => number,
    private readonly exact: (text: string) => bigint,
    private readonly fastBytes: (bytes: Buffer, start: number, end: number) => number,
    readonly wires: readonly WireEncoding[],
  ) {
    super(capacity);
    this.values = new BigInt64Array(capacity);
    this.words = new Int32Array(this.values.buffer);
  }

  protected override setBytes(bytes: Buffer, start: number, end: number, row: number): void {
    const value = this.fastBytes(bytes, start, end);
    if (value === value) setInt64Words(this.words, 2 * row, value);
    else this.values[row] = int64(this.exact(bytes.toString('latin1', start, end)));
  }

  protected set(cell: Exclude<CellValue, null>, row: number): void {
    const text = textOf(cell);
    const value = this.fast(text);
    if (value === value) setInt64Words(this.words, 2 * row, value);
    else this.values[row] = int64(this.exact(text));
  }

  protected override setWire(bytes: Buffer, start: number, end: number, row: number, encoding: WireEncoding): void {
    switch (encoding) {
      case 'pg-int8':
        this.words[2 * row] = int32At(bytes, start + 4);
        this.words[2 * row + 1] = int32At(bytes, start);
        return;
      case 'pg-oid':
        this.words[2 * row] = int32At(bytes, start);
        this.words[2 * row + 1] = 0;
        return;
      case 'pg-timestamp': {
        const value = fastMicrosFromPgTimestamp(bytes, start);
        if (value === value) return setInt64Words(this.words, 2 * row, value);
        const exact = microsFromPgTimestamp(bytes, start);
        if (typeof exact === 'bigint') this.values[row] = exact;
        else if (exact === 'out-of-range') throw new TypedValueError(OUT_OF_RANGE);
        else this.values[row] = this.exact(exact); // ±infinity: the text converter's TypedValueError
        return;
      }
      default: super.setWire(bytes, start, end, row, encoding);
    }
  }

  protected clear(row: number): void {
    this.words[2 * row] = 0;
    this.words[2 * row + 1] = 0;
  }

  protected growValues(capacity: number): void {
    const values = new BigInt64Array(capacity);
    values.set(this.values);
    this.values = values;
    this.words = new Int32Array(values.buffer);
  }

  data(type: arrow.DataType, length: number): arrow.Data {
    return arrow.makeData({ ...this.common(type, length), data: this.values.subarray(0, length) } as never);
  }
}

/** DECIMAL(p,s), any precision: Arrow Decimal128, four little-endian 32-bit words per value. */
class DecimalBuffers extends ColumnBuffers {
  readonly width = 16;
  readonly wires: readonly WireEncoding[] = ['pg-numeric'];
  private words: Int32Array;

  constructor(capacity: number, private readonly precision: number, private readonly scale: number) {
    super(capacity);
    this.words = new Int32Array(4 * capacity);
  }

  protected override setBytes(bytes: Buffer, start: number, end: number, row: number): void {
    const value = fastUnscaledDecimalBytes(bytes, start, end, this.precision, this.scale);
    if (value === value) this.setFast(value, 4 * row);
    else this.set(bytes.toString('latin1', start, end), row);
  }

  /** numeric: the digits when they fit a JS number exactly, else the server's text of them. */
  protected override setWire(bytes: Buffer, start: number, end: number, row: number, encoding: WireEncoding): void {
    if (encoding !== 'pg-numeric') return super.setWire(bytes, start, end, row, encoding);
    const value = fastUnscaledFromPgNumeric(bytes, start, end, this.precision, this.scale);
    if (value === value) this.setFast(value, 4 * row);
    else this.set(numericText(bytes, start, end), row);
  }

  private setFast(value: number, at: number): void {
    setInt64Words(this.words, at, value);
    const extension = value < 0 ? -1 : 0;
    this.words[at + 2] = extension;
    this.words[at + 3] = extension;
  }

  protected set(cell: Exclude<CellValue, null>, row: number): void {
    const text = textOf(cell);
    const at = 4 * row;
    const value = fastUnscaledDecimal(text, this.precision, this.scale);
    if (value === value) {
      setInt64Words(this.words, at, value);
      const extension = value < 0 ? -1 : 0;
      this.words[at + 2] = extension;
      this.words[at + 3] = extension;
      return;
    }
    let rest = BigInt.asUintN(128, unscaledDecimal(text, this.precision, this.scale));
    for (let w = 0; w < 4; w += 1) {
      this.words[at + w] = Number(BigInt.asIntN(32, rest));
      rest >>= 32n;
    }
  }

  protected clear(row: number): void {
    this.words.fill(0, 4 * row, 4 * row + 4);
  }

  protected growValues(capacity: number): void {
    const words = new Int32Array(4 * capacity);
    words.set(this.words);
    this.words = words;
  }

  data(type: arrow.DataType, length: number): arrow.Data {
    return arrow.makeData({ ...this.common(type, length), data: new Uint32Array(this.words.buffer, 0, 4 * length) } as never);
  }
}

class BooleanBuffers extends ColumnBuffers {
  readonly width = 1;
  readonly wires: readonly WireEncoding[] = ['pg-bool'];
  private bits: Uint8Array;

  constructor(capacity: number) {
    super(capacity);
    this.bits = new Uint8Array((capacity + 7) >> 3);
  }

  protected set(cell: Exclude<CellValue, null>, row: number): void {
    if (booleanFromText(textOf(cell))) this.bits[row >> 3] = (this.bits[row >> 3] as number) | (1 << (row & 7));
  }

  /** `t`/`true` and `f`/`false` read from their bytes; any other text through booleanFromText (which throws). */
  protected override setBytes(bytes: Buffer, start: number, end: number, row: number): void {
    const first = bytes[start];
    const length = end - start;
    if (first === 0x74 && (length === 1 || (length === 4 && bytes[start + 1] === 0x72 && bytes[start + 2] === 0x75 && bytes[start + 3] === 0x65))) {
      this.bits[row >> 3] = (this.bits[row >> 3] as number) | (1 << (row & 7));
    } else if (!(first === 0x66 && (length === 1 || (length === 5 && bytes[start + 1] === 0x61 && bytes[start + 2] === 0x6c && bytes[start + 3] === 0x73 && bytes[start + 4] === 0x65)))) {
      this.set(bytes.toString('latin1', start, end), row);
    }
  }

  protected override setWire(bytes: Buffer, start: number, end: number, row: number, encoding: WireEncoding): void {
    if (encoding !== 'pg-bool') return super.setWire(bytes, start, end, row, encoding);
    if (bytes[start] !== 0) this.bits[row >> 3] = (this.bits[row >> 3] as number) | (1 << (row & 7));
  }

  protected clear(): void {
    // The bits start cleared (reset) and a false value leaves its bit clear.
  }

  protected growValues(capacity: number): void {
    const bits = new Uint8Array((capacity + 7) >> 3);
    bits.set(this.bits);
    this.bits = bits;
  }

  override reset(): void {
    super.reset();
    this.bits.fill(0);
  }

  data(type: arrow.DataType, length: number): arrow.Data {
    return arrow.makeData({ ...this.common(type, length), data: this.bits.subarray(0, (length + 7) >> 3) } as never);
  }
}

const INITIAL_BYTES = 64 * 1024;

/** UTF8 and BINARY: offsets and one byte buffer, text written into it as UTF-8 in place. */
class VariableBuffers extends ColumnBuffers {
  readonly width = 4;
  readonly wires: readonly WireEncoding[];
  private offsets: Int32Array;
  private bytes: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private end = 0;

  constructor(capacity: number, private readonly binaryEncoding: 'base64' | 'hex' | undefined) {
    super(capacity);
    this.offsets = new Int32Array(capacity + 1);
    this.wires = binaryEncoding === undefined ? ['raw', 'pg-jsonb', 'pg-uuid', 'pg-time'] : ['raw'];
  }

  /**
   * `raw`: the bytes as the text path's are (UTF-8 checked for text); jsonb: its text after the
   * version byte; uuid and time: the text their output functions write (ASCII).
   */
  protected override setWire(bytes: Buffer, start: number, end: number, row: number, encoding: WireEncoding): void {
    if (encoding === 'raw') return this.setBytes(bytes, start, end, row);
    if (this.binaryEncoding === undefined) {
      switch (encoding) {
        case 'pg-jsonb':
          if (bytes[start] !== 1) throw new Error(`unknown jsonb binary format version ${String(bytes[start])}`);
          return this.setBytes(bytes, start + 1, end, row);
        case 'pg-uuid':
          if (end - start !== 16) throw new Error(`a uuid of ${end - start} bytes`);
          this.room(UUID_TEXT_BYTES);
          return this.ended(writeUuidText(bytes, start, this.bytes, this.end), row);
        case 'pg-time':
          if (end - start !== 8) throw new Error(`a time of ${end - start} bytes`);
          this.room(TIME_TEXT_MAX_BYTES);
          return this.ended(writeTimeText(bytes, start, this.bytes, this.end), row);
      }
    }
    super.setWire(bytes, start, end, row, encoding);
  }

  /** The cell of `row` ends at `end` of the byte buffer. */
  private ended(end: number, row: number): void {
    this.end = end;
    this.offsets[row + 1] = end;
  }

  override variableBytes(): number {
    return this.end;
  }

  private room(needed: number): void {
    if (this.end + needed <= this.bytes.length) return;
    const bytes = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.end + needed));
    this.bytes.copy(bytes, 0, 0, this.end);
    this.bytes = bytes;
  }

  /**
   * Binary: the raw bytes (what the row path gets back from the base64/hex text). Text: the
   * server's UTF-8 copied as it is, unless it is not valid UTF-8, where the driver would have
   * decoded it with replacement characters: that one cell takes exactly that route.
   */
  protected override setBytes(bytes: Buffer, start: number, end: number, row: number): void {
    const length = end - start;
    this.room(length);
    const out = this.bytes;
    let o = this.end;
    if (length > 32) {
      bytes.copy(out, o, start, end);
      if (this.binaryEncoding === undefined && !isUtf8(bytes.subarray(start, end))) return this.set(bytes.toString('utf8', start, end), row);
      o += length;
    } else {
      let high = 0;
      for (let i = start; i < end; i += 1) {
        const b = bytes[i] as number;
        high |= b;
        out[o++] = b;
      }
      if (high >= 0x80 && this.binaryEncoding === undefined && !isUtf8(bytes.subarray(start, end))) return this.set(bytes.toString('utf8', start, end), row);
    }
    this.end = o;
    this.offsets[row + 1] = o;
  }

  protected set(cell: Exclude<CellValue, null>, row: number): void {
    if (this.binaryEncoding === undefined) {
      const text = textOf(cell);
      // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
      this.room(3 * text.length);
      this.end += this.bytes.write(text, this.end);
    } else {
      const value = bytesFromCell(typeof cell === 'number' ? String(cell) : cell, this.binaryEncoding);
      this.room(value.length);
      this.bytes.set(value, this.end);
      this.end += value.length;
    }
    this.offsets[row + 1] = this.end;
  }

  protected clear(row: number): void {
    this.offsets[row + 1] = this.end;
  }

  protected growValues(capacity: number): void {
    const offsets = new Int32Array(capacity + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
  }

  override reset(): void {
    super.reset();
    this.end = 0;
  }

  data(type: arrow.DataType, length: number): arrow.Data {
    return arrow.makeData({ ...this.common(type, length), valueOffsets: this.offsets.subarray(0, length + 1), data: this.bytes.subarray(0, this.end) } as never);
  }
}

function smallInteger(bits: 8 | 16 | 32): (text: string) => number {
  const limit = 2 ** (bits - 1);
  return (text) => {
    const value = fastInteger(text);
    return value >= -limit && value < limit ? value : integerFromText(text, bits);
  };
}

function columnBuffers(column: TypedColumn, capacity: number, binaryEncoding: 'base64' | 'hex'): ColumnBuffers {
  switch (column.type) {
    case 'int': {
      const bits = column.bits;
      if (bits === 64) return new Int64Buffers(capacity, fastInteger, (text) => integerFromText(text, 64), fastIntegerBytes, ['pg-int8', 'pg-oid']);
      const make = bits === 8 ? (n: number) => new Int8Array(n) : bits === 16 ? (n: number) => new Int16Array(n) : (n: number) => new Int32Array(n);
      const limit = 2 ** (bits - 1);
      // Outside the column's range (or the fast path) the exact function decides, or throws.
      const fast = (bytes: Buffer, start: number, end: number) => {
        const value = fastIntegerBytes(bytes, start, end);
        return value >= -limit && value < limit ? value : NaN;
      };
      return new NumberBuffers(capacity, make, smallInteger(bits), fast, bits === 16 ? ['pg-int2'] : bits === 32 ? ['pg-int4'] : []);
    }
    case 'decimal': return new DecimalBuffers(capacity, column.precision, column.scale);
    case 'float': return new NumberBuffers(capacity, (n) => new Float32Array(n), (text) => floatingFromText(text, true), undefined, ['pg-float4']);
    case 'double': return new NumberBuffers(capacity, (n) => new Float64Array(n), (text) => floatingFromText(text, false), undefined, ['pg-float8']);
    case 'date': return new NumberBuffers(capacity, (n) => new Int32Array(n), (text) => {
      const days = fastDays(text);
      return days === days ? days : daysFromDateText(text);
    }, fastDaysBytes, ['pg-date']);
    case 'time': return new Int64Buffers(capacity, fastTimeMicros, microsFromTimeText, fastTimeMicrosBytes, []);
    case 'timestamp': return new Int64Buffers(capacity, fastTimestampMicros, microsFromTimestampText, fastTimestampMicrosBytes, ['pg-timestamp']);
    case 'boolean': return new BooleanBuffers(capacity);
    case 'binary': return new VariableBuffers(capacity, binaryEncoding);
    case 'string': return new VariableBuffers(capacity, undefined);
  }
}

const INITIAL_ROWS = 1024;

/**
 * Appends rows into the column buffers of one record batch at a time. `byteLength` is what the
 * batch's buffers hold (fixed widths, offsets and UTF-8), the measure row groups are bounded by.
 */
export class BatchBuilder {
  readonly schema: arrow.Schema;
  private columns: ColumnBuffers[];
  private capacity = INITIAL_ROWS;
  private fixedWidth: number;
  private readonly variable: ColumnBuffers[];
  /** Rows appended since the last batch was taken. */
  length = 0;

  constructor(private readonly spec: BatchSchema, schema?: arrow.Schema) {
    this.schema = schema ?? arrowSchema(spec);
    this.columns = this.freshColumns();
    this.fixedWidth = this.columns.reduce((sum, c) => sum + c.width, 0);
    this.variable = this.columns.filter((c) => c instanceof VariableBuffers);
  }

  private freshColumns(): ColumnBuffers[] {
    return this.spec.columns.map((column) => columnBuffers(column, this.capacity, this.spec.binaryEncoding));
  }

  /** The index of the row about to be appended, the buffers grown (doubled) when they are full. */
  private nextRow(): number {
    if (this.length === this.capacity) {
      this.capacity *= 2;
      for (const column of this.columns) column.grow(this.capacity);
    }
    return this.length;
  }

  /** Converts and appends one row; throws TypedValueError for a cell with no typed value. */
  append(row: readonly CellValue[]): void {
    const at = this.nextRow();
    const columns = this.columns;
    for (let c = 0; c < columns.length; c += 1) (columns[c] as ColumnBuffers).add(row[c] ?? null, at);
    this.length = at + 1;
  }

  /**
   * Converts and appends one row given as the server's text bytes (CellTarget.appendBytes):
   * cell c is `bytes[bounds[2c], bounds[2c + 1])`, NULL when `bounds[2c]` < 0. The same values
   * as `append` with the decoded text (binary columns: the raw bytes instead of base64/hex).
   */
  appendBytes(bytes: Buffer, bounds: Int32Array): void {
    const at = this.nextRow();
    const columns = this.columns;
    for (let c = 0; c < columns.length; c += 1) {
      const start = bounds[2 * c] as number;
      if (start < 0) (columns[c] as ColumnBuffers).addNull(at);
      else (columns[c] as ColumnBuffers).addBytes(bytes, start, bounds[2 * c + 1] as number, at);
    }
    this.length = at + 1;
  }

  /**
   * Converts and appends one row of typed wire values (CellTarget.appendWire): cell c is
   * `bytes[bounds[2c], bounds[2c + 1])` in the format `encodings[c]`, NULL when `bounds[2c]` < 0.
   * The encodings are checked against the columns' Parquet types the first time they are seen:
   * a reader that chose wrongly fails here instead of writing a value into the wrong width.
   */
  appendWire(bytes: Buffer, bounds: Int32Array, encodings: readonly WireEncoding[]): void {
    if (encodings !== this.checkedWires) this.checkWires(encodings);
    const at = this.nextRow();
    const columns = this.columns;
    for (let c = 0; c < columns.length; c += 1) {
      const start = bounds[2 * c] as number;
      if (start < 0) (columns[c] as ColumnBuffers).addNull(at);
      else (columns[c] as ColumnBuffers).addWire(bytes, start, bounds[2 * c + 1] as number, at, encodings[c] as WireEncoding);
    }
    this.length = at + 1;
  }

  private checkedWires: readonly WireEncoding[] | undefined;

  private checkWires(encodings: readonly WireEncoding[]): void {
    if (encodings.length !== this.columns.length) throw new Error(`${encodings.length} wire encodings for ${this.columns.length} columns`);
    this.columns.forEach((column, c) => {
      const encoding = encodings[c] as WireEncoding;
      if (!column.wires.includes(encoding)) {
        throw new Error(`column ${this.spec.names[c] ?? c} is Parquet ${this.spec.columns[c]?.type ?? '?'}: a ${encoding} cell cannot go into it`);
      }
    });
    this.checkedWires = encodings;
  }

  /** Bytes the batch in progress holds in its buffers. */
  get byteLength(): number {
    let bytes = this.length * this.fixedWidth;
    for (const column of this.variable) bytes += column.variableBytes();
    return bytes;
  }

  private batch(): arrow.RecordBatch {
    const children = this.columns.map((column, c) => column.data((this.schema.fields[c] as arrow.Field).type, this.length));
    const struct = arrow.makeData({ type: new arrow.Struct(this.schema.fields), length: this.length, nullCount: 0, children });
    return new arrow.RecordBatch(this.schema, struct);
  }

  /** The rows so far as a record batch that owns the buffers; the builder starts afresh. */
  takeBatch(): arrow.RecordBatch {
    const batch = this.batch();
    this.capacity = INITIAL_ROWS;
    this.columns = this.freshColumns();
    this.variable.splice(0, this.variable.length, ...this.columns.filter((c) => c instanceof VariableBuffers));
    this.length = 0;
    return batch;
  }

  /**
   * The rows so far as Arrow IPC stream bytes, and the builder ready for the next batch (its
   * buffers kept). The bytes are a view of a staging buffer (shared memory, so they can be
   * posted to another thread without a copy) that the next call overwrites: use them (copy them
   * into wasm) before taking the next batch.
   */
  takeIpc(): Uint8Array {
    const sink = new StagingSink(this.staging);
    new arrow.RecordBatchStreamWriter().reset(sink).writeAll([this.batch()]);
    this.staging = sink.buffer;
    for (const column of this.columns) column.reset();
    this.length = 0;
    return sink.buffer.subarray(0, sink.length);
  }

  private staging: Uint8Array = new Uint8Array(0);
}

/**
 * The IPC writer's sink, copying each chunk into one buffer kept from batch to batch. Arrow's own
 * `tableToIPC` joins the chunks into a fresh buffer per batch, and touching fresh memory (page
 * faults) made that copy a fifth of the batch building's CPU on the benchmark.
 */
class StagingSink extends arrow.AsyncByteQueue {
  length = 0;

  constructor(public buffer: Uint8Array) {
    super();
  }

  override write(value: Parameters<arrow.AsyncByteQueue['write']>[0]): void {
    const chunk = value as Uint8Array;
    if (this.length + chunk.byteLength > this.buffer.byteLength) {
      // Shared memory: the bytes go to the encoder's thread without a copy (parquet-encoder.ts).
      const grown = new Uint8Array(new SharedArrayBuffer(Math.max(2 * this.buffer.byteLength, this.length + chunk.byteLength, 1 << 20)));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.byteLength;
  }
}

/** The rows as one record batch of `schema` (from arrowSchema). */
export function arrowBatch(spec: BatchSchema, schema: arrow.Schema, rows: readonly Row[]): arrow.RecordBatch {
  const builder = new BatchBuilder(spec, schema);
  for (const row of rows) builder.append(row);
  return builder.takeBatch();
}

/** The batch as Arrow IPC stream bytes (how record batches cross into the wasm writer). */
export function batchIpc(batch: arrow.RecordBatch): Uint8Array {
  return arrow.tableToIPC(new arrow.Table([batch]), 'stream');
}
