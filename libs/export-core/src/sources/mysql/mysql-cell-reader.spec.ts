/**
 * The Parquet byte path's decoding: text-protocol row packets (length-encoded cells, 0xFB =
 * NULL, 0xFC/0xFD/0xFE length prefixes) -> cell bounds -> BatchBuilder.appendBytes must give the
 * very Arrow batch that the row route gives (the decoded text through BatchBuilder.append,
 * binary as its base64 text), byte for byte in the IPC stream the writer gets.
 */
import { describe, expect, it } from 'vitest';
import type { TypedColumn } from '@rds-s3-export/shared-types';
import { BatchBuilder, type BatchSchema } from '../../parquet/arrow-batch.js';
import { TypedValueError } from '../../errors.js';
import { byteCellsReproduce, packetCellBounds } from './mysql-cell-reader.js';
import { planColumn, T, type MysqlField } from './mysql-columns.js';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';

type Raw = Buffer | null;

/** A length-encoded string as the server writes it. */
function lenenc(value: Raw): Buffer {
  if (value === null) return Buffer.from([0xfb]);
  const n = value.length;
  if (n < 0xfb) return Buffer.concat([Buffer.from([n]), value]);
  if (n < 0x10000) return Buffer.concat([Buffer.from([0xfc, n & 0xff, n >> 8]), value]);
  if (n < 0x1000000) return Buffer.concat([Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]), value]);
  const prefix = Buffer.alloc(9);
  prefix[0] = 0xfe;
  prefix.writeUInt32LE(n, 1);
  return Buffer.concat([prefix, value]);
}

/** A row packet's payload inside a larger buffer (a socket read holds several packets). */
function packet(row: readonly Raw[]): [Buffer, number, number] {
  const payload = Buffer.concat(row.map(lenenc));
  return [Buffer.concat([Buffer.from([1, 2, 3, 4]), payload, Buffer.from([0xfe, 0, 0])]), 4, 4 + payload.length];
}

const COLUMNS: TypedColumn[] = [
  { type: 'int', bits: 64 },
  { type: 'int', bits: 8 },
  { type: 'decimal', precision: 20, scale: 0 },
  { type: 'decimal', precision: 12, scale: 2 },
  { type: 'double' },
  { type: 'date' },
  { type: 'timestamp', utc: true },
  { type: 'timestamp', utc: false },
  { type: 'string' },
  { type: 'binary' },
  { type: 'boolean' },
];
const SPEC: BatchSchema = { names: COLUMNS.map((_, i) => `c${i}`), columns: COLUMNS, binaryEncoding: 'base64' };

/** Rows as the server's text (binary cells as their bytes). */
const ROWS: Raw[][] = [
  ['1', '-128', '18446744073709551615', '-12.50', '1e20', '2026-02-22', '2026-02-22 10:12:00.000001', '9999-12-31 23:59:59.999999', 'café ☕ 日本 😀', '\u0000\u0001\u00ff', 'true'].map((t, i) => (i === 9 ? Buffer.from([0, 1, 255]) : Buffer.from(t))),
  [null, null, null, null, null, null, null, null, null, null, null],
  ['0', '0', '0', '0.00', '-0', '0001-01-01', '1684-01-01 00:00:00.000001', '1970-01-01 00:00:00', '', '', 'false'].map((t) => Buffer.from(t)),
  ['-9223372036854775808', '127', '123456789012345678', '9999999999.99', 'NaN', '1969-12-31', '2256-01-01 00:00:00', '2026-01-01 00:00:00.5', 'x'.repeat(300), 'y'.repeat(70_000), 't'].map((t) => Buffer.from(t)),
  ['9223372036854775807', '-1', '1', '.5', '-Infinity', '2000-02-29', '1970-01-01 00:00:00', '1970-01-01 00:00:00', 'é'.repeat(40_000), '', 'f'].map((t) => Buffer.from(t)),
  // Not valid UTF-8 (a lone continuation byte, a truncated sequence), short and long: the driver's replacement characters.
  ['2', '2', '2', '2', '2', '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', '', 'true'].map((t, i) => (i === 8 ? Buffer.from([0x61, 0x80, 0xe2, 0x82]) : Buffer.from(t))),
  ['3', '3', '3', '3', '3', '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', '', 'false'].map((t, i) => (i === 8 ? Buffer.concat([Buffer.from('z'.repeat(40)), Buffer.from([0xc3])]) : Buffer.from(t))),
];

/** The row route's cells: mysql2's decoding (UTF-8 text; binary through base64, as the converter writes it). */
function decoded(row: readonly Raw[]): (string | null)[] {
  return row.map((cell, i) => (cell === null ? null : COLUMNS[i]?.type === 'binary' ? cell.toString('base64') : cell.toString('utf8')));
}

describe('packetCellBounds + BatchBuilder.appendBytes', () => {
  it('reads NULL, empty, multi-byte UTF-8 and 0xFC/0xFD length prefixes into the cells the row route gets', () => {
    const bounds = new Int32Array(2 * COLUMNS.length);
    for (const row of ROWS) {
      const [buf, start, end] = packet(row);
      packetCellBounds(buf, start, end, COLUMNS.length, bounds);
      const cells = row.map((_, c) => ((bounds[2 * c] as number) < 0 ? null : buf.subarray(bounds[2 * c], bounds[2 * c + 1])));
      expect(cells).toEqual(row);
    }
    expect(packet([Buffer.alloc(300)])[0][4]).toBe(0xfc);
    expect(packet([Buffer.alloc(70_000)])[0][4]).toBe(0xfd);
  });

  it('builds the same Arrow batch as the row route, byte for byte', () => {
    const bytes = new BatchBuilder(SPEC);
    const rows = new BatchBuilder(SPEC);
    const bounds = new Int32Array(2 * COLUMNS.length);
    for (const row of ROWS) {
      const [buf, start, end] = packet(row);
      packetCellBounds(buf, start, end, COLUMNS.length, bounds);
      bytes.appendBytes(buf, bounds);
      rows.append(decoded(row));
    }
    expect(bytes.byteLength).toBe(rows.byteLength);
    expect(Buffer.from(bytes.takeIpc())).toEqual(Buffer.from(rows.takeIpc()));
  });

  it('refuses what the row route refuses, with the same error', () => {
    const bounds = new Int32Array(2);
    for (const [column, text] of [[{ type: 'boolean' }, 'yes'], [{ type: 'boolean' }, 'tru'], [{ type: 'date' }, '0000-00-00'], [{ type: 'int', bits: 8 }, '128'], [{ type: 'decimal', precision: 6, scale: 2 }, '1.234'], [{ type: 'timestamp', utc: false }, '0000-00-00 00:00:00']] as const) {
      const spec: BatchSchema = { names: ['c'], columns: [column], binaryEncoding: 'hex' };
      const [buf, start, end] = packet([Buffer.from(text)]);
      packetCellBounds(buf, start, end, 1, bounds);
      expect(() => new BatchBuilder(spec).appendBytes(buf, bounds), text).toThrow(TypedValueError);
      expect(() => new BatchBuilder(spec).append([text]), text).toThrow(TypedValueError);
    }
  });

  it('refuses malformed packets', () => {
    const bounds = new Int32Array(4);
    const [buf, start, end] = packet([Buffer.from('ab')]);
    expect(() => packetCellBounds(buf, start, end, 2, bounds)).toThrow(/2 columns expected, 1 found/);
    expect(() => packetCellBounds(buf, start, end - 1, 1, bounds)).toThrow(/runs past the end/);
    const [two, s2, e2] = packet([Buffer.from('a'), Buffer.from('b')]);
    expect(() => packetCellBounds(two, s2, e2, 1, bounds)).toThrow(/bytes after the last/);
    expect(() => packetCellBounds(Buffer.from([0xff]), 0, 1, 1, bounds)).toThrow(/length prefix 0xff/);
  });
});

describe('byteCellsReproduce', () => {
  const field = (columnType: number, more: Partial<MysqlField> & { encoding?: string } = {}): MysqlField =>
    ({ name: 'c', columnType, characterSet: 45, columnLength: 10, decimals: 0, flags: 0, encoding: 'utf8', ...more }) as MysqlField;
  const keep = CsvDialectSchema.parse({});

  it('takes the byte path for numbers, dates under zeroDates keep, UTF-8 text, JSON and binary', () => {
    const fields = [field(T.LONGLONG, { characterSet: 63, encoding: 'binary' }), field(T.DATE), field(T.TIMESTAMP), field(T.VAR_STRING), field(T.JSON, { characterSet: 63, encoding: 'binary' }), field(T.BLOB, { characterSet: 63, encoding: 'binary' })];
    expect(byteCellsReproduce(fields, fields.map((f) => planColumn(f, keep)))).toBe(true);
  });

  it('falls back for a zero-date policy, ISO timestamps and a text charset other than UTF-8', () => {
    const dateOnly = [field(T.DATE)];
    expect(byteCellsReproduce(dateOnly, dateOnly.map((f) => planColumn(f, CsvDialectSchema.parse({ zeroDates: 'null' }))))).toBe(false);
    expect(byteCellsReproduce(dateOnly, dateOnly.map((f) => planColumn(f, CsvDialectSchema.parse({ zeroDates: 'error' }))))).toBe(false);
    const ts = [field(T.TIMESTAMP)];
    expect(byteCellsReproduce(ts, ts.map((f) => planColumn(f, CsvDialectSchema.parse({ timestampFormat: 'iso8601' }))))).toBe(false);
    const latin1 = [field(T.VAR_STRING, { characterSet: 8, encoding: 'latin1' })];
    expect(byteCellsReproduce(latin1, latin1.map((f) => planColumn(f, keep)))).toBe(false);
    const geometry = [field(T.GEOMETRY, { characterSet: 63, encoding: 'binary' })];
    expect(byteCellsReproduce(geometry, geometry.map((f) => planColumn(f, keep)))).toBe(false);
  });
});
