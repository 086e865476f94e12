/**
 * Differential tests of the MySQL byte path: synthetic text-protocol row packets go through
 * MysqlCsvEncoder, and the same values, decoded the way the row path has mysql2 decode them
 * (rowsAsArray, big numbers and dates as strings, integers and floats as the server's text
 * through serverTextTypeCast, binary as Buffers) and run
 * through the per-column converters, go through csv-stringify's reference configuration. The
 * bytes must be identical for every dialect, every column mode and every chunk size.
 * (`mysql-csv-stream.integ.spec.ts` does the same against the real driver and server.)
 */
import { describe, expect, it } from 'vitest';
import { CsvDialectSchema, type CsvDialectInput } from '@rds-s3-export/shared-types';
import type { Cell, ColumnKind, Row } from '../../ports.js';
import { encoderOptions, type CsvEncoderOptions } from '../../csv/csv-options.js';
import { encodeCell, encodeRow } from '../../csv/encode-row.js';
import { referenceEncode } from '../../testing/reference-encoder.js';
import { planColumn, T, type ColumnPlan, type MysqlField } from './mysql-columns.js';
import { MysqlCsvEncoder, planByteColumns } from './mysql-csv-encoder.js';
import { seededRandom } from '../../testing/seeded-random.js';

// ---------------------------------------------------------------------------------------
// Helpers: fields, packets, and mysql2's decoding
// ---------------------------------------------------------------------------------------

const UTF8MB4 = 224;
const BINARY = 63;
const ZEROFILL = 64;

type TestField = MysqlField & { encoding: string };

function field(name: string, columnType: number, characterSet = UTF8MB4, flags = 0): TestField {
  return { name, columnType, characterSet, columnLength: 0, decimals: 0, flags, encoding: characterSet === BINARY ? 'binary' : 'utf8' };
}

/** A length-encoded string (or 0xFB for NULL), as in a text-protocol row. */
function lenenc(value: Buffer | null, wide = false): Buffer {
  if (value === null) return Buffer.from([0xfb]);
  const n = value.length;
  let head: Buffer;
  if (wide) {
    // the 8-byte form, which the server uses from 16 MiB on; any length may be written so
    head = Buffer.alloc(9);
    head[0] = 0xfe;
    head.writeUInt32LE(n, 1);
  } else if (n < 251) head = Buffer.from([n]);
  else if (n < 0x10000) head = Buffer.from([0xfc, n & 0xff, n >> 8]);
  else if (n < 0x1000000) head = Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  else {
    head = Buffer.alloc(9);
    head[0] = 0xfe;
    head.writeUInt32LE(n, 1);
  }
  return Buffer.concat([head, value]);
}

/** A packet buffer with some unrelated bytes around the row, as in a socket chunk. */
function packetOf(cells: readonly (Buffer | null)[], wide = false): { buf: Buffer; start: number; end: number } {
  const body = Buffer.concat(cells.map((c) => lenenc(c, wide)));
  const buf = Buffer.concat([Buffer.from([1, 2, 3, 4, 0x22, 0x2c]), body, Buffer.from([0x22, 0x0a, 0xff])]);
  return { buf, start: 6, end: 6 + body.length };
}

/** What mysql2 hands the row encoder for one cell (see its text_parser.js readCodeFor). */
function mysql2Decode(f: MysqlField, value: Buffer | null): Cell | Buffer {
  if (value === null) return null;
  switch (f.columnType) {
    case T.TINY: case T.SHORT: case T.LONG: case T.INT24: case T.YEAR: case T.FLOAT: case T.DOUBLE:
      // serverTextTypeCast: field.string('ascii'), the server's text
      return value.toString('ascii');
    case T.LONGLONG:
      return value.toString('latin1');
    case T.DECIMAL: case T.NEWDECIMAL: case T.DATE: case T.DATETIME: case T.TIMESTAMP: case T.TIME:
      return value.toString('ascii');
    case T.JSON:
      return value.toString('utf8');
    default:
      return f.characterSet === BINARY ? value : value.toString('utf8');
  }
}

/** The old path: decode like mysql2, convert, encode with the csv-stringify reference. */
function referenceBytes(fields: readonly MysqlField[], plans: readonly ColumnPlan[], rows: readonly (Buffer | null)[][], options: CsvEncoderOptions): Buffer {
  const decoded: Row[] = rows.map((row) =>
    row.map((value, i) => {
      const cell = mysql2Decode(fields[i] as MysqlField, value);
      const convert = (plans[i] as ColumnPlan).convert;
      return (convert ? convert(cell) : cell) as Cell;
    }),
  );
  const viaEncodeRow = decoded.map((r) => encodeRow(r, options)).join('');
  const reference = referenceEncode(decoded, options);
  expect(viaEncodeRow).toBe(reference);
  return Buffer.from(reference, 'utf8');
}

function encodeAll(fields: readonly MysqlField[], plans: readonly ColumnPlan[], rows: readonly (Buffer | null)[][], options: CsvEncoderOptions, chunkBytes?: number) {
  const columns = planByteColumns(fields, plans, options);
  expect(columns).toBeDefined();
  const chunks: Buffer[] = [];
  const encoder = new MysqlCsvEncoder(columns!, options, (c) => chunks.push(Buffer.from(c)), chunkBytes);
  for (const row of rows) {
    const { buf, start, end } = packetOf(row);
    encoder.encodePacket(buf, start, end);
  }
  encoder.flush();
  return { bytes: Buffer.concat(chunks), chunks, rows: encoder.rows };
}

const HOSTILE = ['a', 'Z', '0', ' ', ',', ';', '\t', '|', ':', '.', '"', '"', "'", '\r', '\n', '=', '+', '-', '@', '\uFF1D', 'é', '中', '😀', '\\', 'e'];
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];

/** The columns of the differential corpus: every mode of the byte path. */
const CORPUS_FIELDS: TestField[] = [
  field('id', T.LONGLONG, BINARY),
  field('txt', T.BLOB),
  field('vc', T.VAR_STRING),
  field('dec', T.NEWDECIMAL, BINARY),
  field('d', T.DATE, BINARY),
  field('ts', T.TIMESTAMP, BINARY),
  field('tm', T.TIME, BINARY),
  field('i', T.LONG, BINARY),
  field('zf', T.SHORT, BINARY, ZEROFILL),
  field('yr', T.YEAR, BINARY, ZEROFILL),
  field('flt', T.FLOAT, BINARY),
  field('dbl', T.DOUBLE, BINARY, ZEROFILL),
  field('bin', T.BLOB, BINARY),
  field('js', T.JSON, BINARY),
  field('en', T.STRING),
  field('nul', T.NULL, BINARY),
];

function corpus(seed: number, count: number): (Buffer | null)[][] {
  const random = seededRandom(seed);
  const pick = <X>(items: readonly X[]): X => items[Math.floor(random() * items.length)] as X;
  const text = (max: number) => {
    let s = random() < 0.2 ? pick(FORMULA_STARTS) : '';
    const n = Math.floor(random() * (max + 1));
    for (let i = 0; i < n; i++) s += pick(HOSTILE);
    return s;
  };
  const u = (s: string) => Buffer.from(s, 'utf8');
  const gen: Record<string, () => Buffer> = {
    id: () => u(pick(['1', '-9223372036854775808', '18446744073709551615', String(Math.floor(random() * 1e12))])),
    txt: () => u(text(40)),
    vc: () => u(text(8)),
    dec: () => u(pick(['0.00', '-12.50', '99999999999999999999999999999999999.999999999999999999999999999999', '2.500000000000000000000000000000'])),
    d: () => u(pick(['2026-02-22', '0000-00-00', '1000-01-01'])),
    ts: () => u(pick(['2026-02-22 10:12:00.000001', '0000-00-00 00:00:00', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999'])),
    tm: () => u(pick(['838:59:59.000000', '-838:59:59', '10:12:00'])),
    i: () => u(pick(['0', '-1', '2147483647', '-2147483648', '42'])),
    zf: () => u(pick(['00042', '00000', '65535', '00100'])),
    yr: () => u(pick(['2026', '0000', '1901'])),
    flt: () => u(pick(['1.500', '-1.125', '3.40282e38', '0.1', '-0'])),
    dbl: () => u(pick(['1e20', '2.2250738585072014e-308', '0000000003.5', '100000.0000'])),
    bin: () => Buffer.from(Array.from({ length: Math.floor(random() * 12) }, () => Math.floor(random() * 256))),
    js: () => u(pick(['{"price": 2.50, "big": 12345678901234567890}', '[]', `{"t": ${JSON.stringify(text(6))}}`])),
    en: () => u(pick(['small', 'a,b', 'x"y'])),
    nul: () => u('x'),
  };
  return Array.from({ length: count }, () =>
    CORPUS_FIELDS.map((f) => {
      if (f.name === 'nul') return null;
      const r = random();
      if (r < 0.08) return null;
      if (r < 0.12 && !['i', 'zf', 'yr', 'flt', 'dbl'].includes(f.name)) return Buffer.alloc(0);
      return (gen[f.name] as () => Buffer)();
    }),
  );
}

const dialects: CsvDialectInput[] = [
  {},
  { delimiter: ';', recordDelimiter: 'crlf' },
  { delimiter: '\t', formulaGuard: true },
  { delimiter: '|', binaryEncoding: 'hex' },
  // delimiters that occur inside numbers, dates and times: those columns must be scanned too
  { delimiter: ':' },
  { delimiter: '.', recordDelimiter: 'crlf', formulaGuard: true },
  { delimiter: '-' },
  { delimiter: ' ' },
  // zero dates and ISO timestamps go through their converters
  { zeroDates: 'null' },
  { timestampFormat: 'iso8601' },
];

function setup(input: CsvDialectInput) {
  const dialect = CsvDialectSchema.parse(input);
  const plans = CORPUS_FIELDS.map((f) => planColumn(f, dialect));
  const options = encoderOptions(dialect, plans.map((p) => p.kind as ColumnKind));
  return { dialect, plans, options };
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

describe('Class: MysqlCsvEncoder (differential against mysql2 decoding + csv-stringify)', () => {
  it.each(dialects.map((d, i) => ({ name: JSON.stringify(d), dialect: d, seed: 0x5eed + i })))(
    'writes the reference bytes for a random corpus over every column mode ($name)',
    ({ dialect, seed }) => {
      // Prepare
      const { plans, options } = setup(dialect);
      const rows = corpus(seed, 2_000);

      // Act
      const { bytes, rows: count } = encodeAll(CORPUS_FIELDS, plans, rows, options);

      // Assess
      expect(count).toBe(rows.length);
      expect(bytes.equals(referenceBytes(CORPUS_FIELDS, plans, rows, options))).toBe(true);
    },
  );

  it('gives the same bytes at every chunk size, and no chunk over its size unless one cell is', () => {
    // Prepare
    const { plans, options } = setup({});
    const rows = corpus(7, 300);
    const whole = encodeAll(CORPUS_FIELDS, plans, rows, options).bytes;

    for (const chunkBytes of [1, 7, 64, 1000, 65_536]) {
      // Act
      const { bytes, chunks } = encodeAll(CORPUS_FIELDS, plans, rows, options, chunkBytes);

      // Assess
      expect(bytes.equals(whole), `chunkBytes ${chunkBytes}`).toBe(true);
      if (chunkBytes >= 1000) for (const c of chunks) expect(c.length).toBeLessThanOrEqual(chunkBytes);
    }
  });

  it('copies cells of every length-prefix size, larger than a chunk, with quotes doubled', () => {
    // Prepare
    const fields = [field('txt', T.LONG_BLOB), field('id', T.LONGLONG, BINARY)];
    const { options } = setup({});
    const plans = fields.map((f) => planColumn(f, CsvDialectSchema.parse({})));
    const sizes = [250, 251, 65_535, 65_536, 70_000];
    const rows = sizes.map((n) => [Buffer.from('ab"c,'.repeat(Math.ceil(n / 5)).slice(0, n)), Buffer.from(String(n))]);
    const wideRow = [Buffer.from('wide "prefix"'), Buffer.from('9')];

    // Act
    const { bytes } = encodeAll(fields, plans, rows, options, 4096);
    const chunks: Buffer[] = [];
    const encoder = new MysqlCsvEncoder(planByteColumns(fields, plans, options)!, options, (c) => chunks.push(c));
    const wide = packetOf(wideRow, true);
    encoder.encodePacket(wide.buf, wide.start, wide.end);
    encoder.flush();

    // Assess
    expect(bytes.equals(referenceBytes(fields, plans, rows, options))).toBe(true);
    expect(Buffer.concat(chunks).toString()).toBe('"wide ""prefix""",9\n');
  });

  it('decodes invalid UTF-8 exactly as mysql2 does (replacement characters), valid multi-byte text untouched', () => {
    // Prepare
    const fields = [field('txt', T.BLOB)];
    const { options } = setup({});
    const plans = fields.map((f) => planColumn(f, CsvDialectSchema.parse({})));
    const rows = [
      [Buffer.from([0x61, 0xff, 0x62])],
      [Buffer.from([0xc3, 0x28, 0x22])],
      [Buffer.from([0xed, 0xa0, 0x80])], // a UTF-16 surrogate encoded as UTF-8 (CESU-8): invalid
      [Buffer.from('😀 é 中 "q"', 'utf8')],
      [Buffer.from([0xf0, 0x9f, 0x98])], // truncated 4-byte sequence
    ];

    // Act
    const { bytes } = encodeAll(fields, plans, rows, options);

    // Assess
    expect(bytes.equals(referenceBytes(fields, plans, rows, options))).toBe(true);
    expect(bytes.toString('utf8')).toContain('\uFFFD');
  });

  it('writes ZEROFILL integers, YEAR and floats as the server sent them (padding, 0000, fixed decimals), whatever the delimiter', () => {
    // Prepare
    const fields = [
      field('a', T.LONG, BINARY, ZEROFILL),
      field('b', T.TINY, BINARY),
      field('y', T.YEAR, BINARY, ZEROFILL),
      field('f', T.FLOAT, BINARY),
      field('d', T.DOUBLE, BINARY, ZEROFILL),
    ];
    const rows = [
      ['0000000042', '-128', '0000', '1.500', '0000000003.5'],
      ['0', '0', '2026', '3.40282e38', '1e20'],
      ['4294967295', '-0', '1901', '-1.125', '100000.0000'],
    ].map((r) => r.map((s) => Buffer.from(s)));

    for (const [dialect, expected] of [
      [{}, '0000000042,-128,0000,1.500,0000000003.5\n0,0,2026,3.40282e38,1e20\n4294967295,-0,1901,-1.125,100000.0000\n'],
      [{ delimiter: '.' }, '0000000042.-128.0000."1.500"."0000000003.5"\n0.0.2026."3.40282e38".1e20\n4294967295.-0.1901."-1.125"."100000.0000"\n'],
      [{ delimiter: '-' }, '0000000042-"-128"-0000-1.500-0000000003.5\n0-0-2026-3.40282e38-1e20\n4294967295-"-0"-1901-"-1.125"-100000.0000\n'],
    ] as const) {
      const plans = fields.map((f) => planColumn(f, CsvDialectSchema.parse(dialect)));
      const options = encoderOptions(CsvDialectSchema.parse(dialect), plans.map((p) => p.kind));

      // Act
      const { bytes } = encodeAll(fields, plans, rows, options);

      // Assess
      expect(bytes.toString(), JSON.stringify(dialect)).toBe(expected);
      expect(bytes.equals(referenceBytes(fields, plans, rows, options))).toBe(true);
    }
  });

  it('fails on a malformed packet instead of writing a wrong record', () => {
    // Prepare
    const fields = [field('a', T.VAR_STRING), field('b', T.VAR_STRING)];
    const { options } = setup({});
    const plans = fields.map((f) => planColumn(f, CsvDialectSchema.parse({})));
    const encoder = new MysqlCsvEncoder(planByteColumns(fields, plans, options)!, options, () => undefined);
    const one = packetOf([Buffer.from('x')]);
    const overrun = packetOf([Buffer.from('x'), Buffer.from('yz')]);
    const three = packetOf([Buffer.from('x'), Buffer.from('y'), Buffer.from('z')]);

    // Act / Assess
    expect(() => encoder.encodePacket(one.buf, one.start, one.end)).toThrow(/2 columns expected, 1 found/);
    expect(() => encoder.encodePacket(overrun.buf, overrun.start, overrun.end - 1)).toThrow(/past the end/);
    expect(() => encoder.encodePacket(three.buf, three.start, three.end)).toThrow(/after the last of 2 columns/);
  });

  it('lets a converter refuse a value (zero dates with "error")', () => {
    // Prepare
    const fields = [field('d', T.DATETIME, BINARY)];
    const dialect = CsvDialectSchema.parse({ zeroDates: 'error' });
    const plans = fields.map((f) => planColumn(f, dialect));
    const options = encoderOptions(dialect, ['temporal']);
    const encoder = new MysqlCsvEncoder(planByteColumns(fields, plans, options)!, options, () => undefined);
    const { buf, start, end } = packetOf([Buffer.from('0000-00-00 00:00:00')]);

    // Act / Assess
    expect(() => encoder.encodePacket(buf, start, end)).toThrow(expect.objectContaining({ code: 'ZERO_DATE' }));
  });
});

describe('Function: planByteColumns', () => {
  const { options } = setup({});
  const plan = (f: MysqlField, dialect: CsvDialectInput = {}) => planColumn(f, CsvDialectSchema.parse(dialect));

  it('refuses what only mysql2 itself reproduces: other charsets, raw Buffers, geometry', () => {
    const latin1 = { ...field('t', T.VAR_STRING, 8), encoding: 'cp1252' };
    expect(planByteColumns([latin1], [plan(latin1)], options)).toBeUndefined();
    const bin = field('b', T.BLOB, BINARY);
    expect(planByteColumns([bin], [{ ...plan(bin), convert: undefined }], options)).toBeUndefined();
    expect(planByteColumns([field('g', T.GEOMETRY, BINARY)], [plan(field('g', T.VAR_STRING))], options)).toBeUndefined();
  });

  it('refuses a delimiter that is not one byte in UTF-8', () => {
    const f = field('t', T.VAR_STRING);
    const dialect = CsvDialectSchema.parse({ delimiter: '§' });
    expect(planByteColumns([f], [planColumn(f, dialect)], encoderOptions(dialect, ['text']))).toBeUndefined();
  });

  it('accepts every column of the corpus under the default dialect', () => {
    const { plans } = setup({});
    expect(planByteColumns(CORPUS_FIELDS, plans, options)).toHaveLength(CORPUS_FIELDS.length);
  });
});

describe('Function: encodeCell', () => {
  it('writes each cell exactly as encodeRow writes it', () => {
    const cells: Cell[] = [null, '', 'a', 'a,b', 'say "hi"', 'x\ny', '=1', '-2', 0, -0, 1e21, 'é'];
    for (const guard of [false, true]) {
      const options: CsvEncoderOptions = encoderOptions(CsvDialectSchema.parse({ formulaGuard: guard }), cells.map(() => 'text'));
      expect(cells.map((c) => encodeCell(c, guard, ',')).join(',') + '\n').toBe(encodeRow(cells, options));
    }
  });
});
