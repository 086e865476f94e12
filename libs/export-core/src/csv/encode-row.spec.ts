/**
 * Differential tests of the hot-path CSV encoder against the csv-stringify reference
 * configuration: for every dialect combination the fast encoder (one-shot and streaming) must
 * produce exactly the reference's bytes. Hand-picked adversarial cells first, then a large
 * seeded-random corpus over a hostile alphabet, then literal expectations of the contract.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { CsvDialectInput } from '@rds-s3-export/shared-types';
import type { Cell, ColumnKind, Row } from '../ports.js';
import { encoderOptions, type CsvEncoderOptions } from './csv-options.js';
import { CsvEncoderStream } from './csv-encoder-stream.js';
import { encodeHeader, encodeRow } from './encode-row.js';
import { normaliseDialect, referenceEncode } from '../testing/reference-encoder.js';
import { seededRandom } from '../testing/seeded-random.js';

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const delimiters = [',', ';', '\t', '|'] as const;
const recordDelimiters = ['lf', 'crlf'] as const;
const guards = [false, true] as const;

const combinations = delimiters.flatMap((delimiter) =>
  recordDelimiters.flatMap((recordDelimiter) =>
    guards.map((formulaGuard) => ({ delimiter, recordDelimiter, formulaGuard }) satisfies CsvDialectInput),
  ),
);

/** `delimiter=";" crlf guard` style label for test names. */
const label = (c: { delimiter: string; recordDelimiter: string; formulaGuard: boolean }) =>
  `delimiter=${JSON.stringify(c.delimiter)} ${c.recordDelimiter} guard=${c.formulaGuard ? 'on' : 'off'}`;

/** One test case per combination: `name` for the title, `seed` for the generated corpus. */
const cases = combinations.map((dialect, i) => ({ name: label(dialect), dialect, seed: 0xc5f0 + i }));

function optionsFor(dialect: CsvDialectInput, kinds: readonly ColumnKind[]): CsvEncoderOptions {
  return encoderOptions(normaliseDialect(dialect), kinds);
}

function fastEncode(rows: readonly Row[], options: CsvEncoderOptions): string {
  let out = '';
  for (const row of rows) out += encodeRow(row, options);
  return out;
}

interface StreamResult {
  readonly bytes: Buffer;
  readonly chunks: readonly Buffer[];
  readonly rows: number;
}

async function streamEncode(rows: readonly Row[], options: CsvEncoderOptions, chunkChars?: number): Promise<StreamResult> {
  const encoder = chunkChars === undefined ? new CsvEncoderStream(options) : new CsvEncoderStream(options, chunkChars);
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(rows), encoder, collect);
  return { bytes: Buffer.concat(chunks), chunks, rows: encoder.rows };
}

/** Characters that stress quoting, the record delimiter, the formula guard and UTF-8. */
const HOSTILE = [
  'a', 'b', 'Z', '0', '7', ' ', ' ', ',', ';', '\t', '|', '"', '"', "'", '\r', '\n', '\r\n',
  '=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', 'é', 'ß', '€', '中', '😀', '👩‍💻',
  '\u0000', '\u2028', '\uFEFF', '\\', '.', 'e',
];
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];

function generateRows(seed: number, count: number, kinds: readonly ColumnKind[]): Row[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const text = (maxLength: number): string => {
    let s = random() < 0.25 ? pick(FORMULA_STARTS) : '';
    const length = Math.floor(random() * (maxLength + 1));
    for (let i = 0; i < length; i++) s += pick(HOSTILE);
    return s;
  };
  const number = (): number =>
    pick([
      () => Math.floor(random() * 2_000_001) - 1_000_000,
      () => (random() - 0.5) * 1e6,
      () => pick([0, -0, 1, -1, 1e21, -1e21, 1.5e-7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0.1 + 0.2]),
    ])();
  const cell = (kind: ColumnKind): Cell => {
    const r = random();
    if (r < 0.08) return null;
    if (r < 0.14) return '';
    switch (kind) {
      case 'text':
        // A text column may still carry a JS number (guard never applies to numbers).
        return random() < 0.05 ? number() : text(14);
      case 'number':
        // Exact DECIMAL/BIGINT values arrive as text and keep their sign even with the guard on.
        return random() < 0.5 ? number() : `${random() < 0.5 ? '-' : ''}${Math.floor(random() * 1e9)}.${Math.floor(random() * 100)}`;
      case 'temporal':
        return pick(['2026-02-22 10:12:00', '2026-02-22 10:12:00.123456', '0000-00-00 00:00:00', '-infinity', '2026-02-22T10:12:00Z']);
      case 'boolean':
        return pick(['true', 'false', '1', '0']);
      case 'binary':
        // base64 may start with + (and contain / and =): not text, so never guarded.
        return pick(['+/8=', 'AAEC', '+AAA', '=', Buffer.from(text(6)).toString('base64')]);
      case 'json':
        return pick(['{"a":1,"b":"x,y"}', '[1,2,"=3"]', '"-x"', 'null', `{"t":${JSON.stringify(text(6))}}`]);
      default:
        return text(6);
    }
  };
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) rows.push(kinds.map(cell));
  return rows;
}

// ---------------------------------------------------------------------------------------
// (a) adversarial hand-picked cells
// ---------------------------------------------------------------------------------------

const ADVERSARIAL_CELLS: readonly Cell[] = [
  null, '', '""', '"', ',', ';', '\t', '|', '\r', '\n', '\r\n', '\n\r', ' x ', ' ', 'a"b', '"a"', 'a,b', 'a;b', 'a|b',
  'a\tb', 'line1\nline2', 'line1\r\nline2', 'trailing\r', 'é', '€', '中文', '😀', '👩‍💻', 'a😀b', '\uFEFFbom',
  '\u0000', '\u2028', "'quoted'", '\\', 'NULL', '\\N',
  // lone surrogates: the same string in both; Buffer.from turns each into U+FFFD identically
  '\uD83D', '\uDE00', 'x\uD83Dy', '\uDE00\uD83D',
  // numbers, as JS numbers
  0, -0, 1, -1, -42, 3.14, -3.14, 1e21, -1e21, 1.5e-7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0.1 + 0.2,
  // numbers as exact text (DECIMAL/BIGINT)
  '-1', '-0.50', '+1', '12345678901234567890123', '1e21',
  // formula starts, ASCII and full-width
  '=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '\r', '=', '+', '-', '@', '\uFF1D1', '\uFF0B1', '\uFF0D1', '\uFF20x',
  '=HYPERLINK("http://x","y")', '-2+3,"a"', '@\r\n', 'a=b', ' =1',
];

const ADVERSARIAL_KINDS: readonly ColumnKind[] = ['text', 'number', 'temporal', 'boolean', 'binary', 'json', 'other'];

describe('Function: encodeRow (differential, adversarial cells)', () => {
  it.each(cases)('matches csv-stringify byte for byte for every hand-picked cell in every column kind ($name)', ({ dialect }) => {
    // Prepare: each cell alone, in every kind of column, then all cells side by side
    const rows: Row[] = [];
    for (const cell of [...ADVERSARIAL_CELLS, dialect.delimiter]) {
      rows.push([cell]);
      rows.push(ADVERSARIAL_KINDS.map(() => cell));
    }
    const cells = [...ADVERSARIAL_CELLS, dialect.delimiter];
    const wideKinds = cells.map((_, i) => ADVERSARIAL_KINDS[i % ADVERSARIAL_KINDS.length] as ColumnKind);
    const wideOptions = optionsFor(dialect, wideKinds);
    const kindsOptions = optionsFor(dialect, ADVERSARIAL_KINDS);

    // Act
    const perCell = rows.map((row) => ({ row, fast: encodeRow(row, kindsOptions), reference: referenceEncode([row], kindsOptions) }));
    const wideFast = encodeRow(cells, wideOptions);
    const wideReference = referenceEncode([cells], wideOptions);

    // Assess: report the first differing row by value, then compare the bytes
    for (const { row, fast, reference } of perCell) expect({ row, out: fast }).toEqual({ row, out: reference });
    expect(Buffer.from(wideFast, 'utf8').equals(Buffer.from(wideReference, 'utf8'))).toBe(true);
    expect(wideFast).toBe(wideReference);
  });

  it.each(cases)('the guard changes only text columns ($name)', ({ dialect }) => {
    // Prepare
    const kinds: ColumnKind[] = ['text', 'number', 'binary', 'json', 'temporal', 'other'];
    const row: Row = ['=cmd', '-12.50', '+/8=', '-1', '-infinity', '@x'];
    const options = optionsFor(dialect, kinds);
    const d = dialect.delimiter;
    const rd = dialect.recordDelimiter === 'crlf' ? '\r\n' : '\n';

    // Act
    const out = encodeRow(row, options);

    // Assess
    const first = dialect.formulaGuard ? "'=cmd" : '=cmd';
    expect(out).toBe([first, '-12.50', '+/8=', '-1', '-infinity', '@x'].join(d) + rd);
    expect(out).toBe(referenceEncode([row], options));
  });

  it('encodeHeader matches the reference and never applies the formula guard to names', () => {
    // Prepare
    const names = ['id', '', '=name', 'a,b', 'say "hi"', 'multi\nline', 'ünï', '-x'];
    const options = optionsFor({ formulaGuard: true }, names.map(() => 'text'));

    // Act
    const header = encodeHeader(names, options);

    // Assess
    expect(header).toBe('id,"",=name,"a,b","say ""hi""","multi\nline",ünï,-x\n');
    expect(header).toBe(referenceEncode([names], { ...options, guardColumn: [] }));
  });
});

// ---------------------------------------------------------------------------------------
// (b) generated corpus, one-shot and streaming
// ---------------------------------------------------------------------------------------

const GENERATED_ROWS = 20_000;
const GENERATED_KINDS: readonly ColumnKind[] = ['text', 'number', 'text', 'temporal', 'binary', 'json', 'boolean', 'other', 'text'];

describe('Class: CsvEncoderStream (differential, generated rows)', () => {
  it.each(cases)(
    'encodes $name like csv-stringify, one-shot and streamed, seed $seed',
    async ({ seed, dialect }) => {
      // Prepare
      const rows = generateRows(seed, GENERATED_ROWS, GENERATED_KINDS);
      const options = optionsFor(dialect, GENERATED_KINDS);
      const reference = Buffer.from(referenceEncode(rows, options), 'utf8');

      // Act
      const oneShot = Buffer.from(fastEncode(rows, options), 'utf8');
      const small = await streamEncode(rows, options, 100);
      const standard = await streamEncode(rows, options);

      // Assess: one-shot
      expect(reference.length).toBeGreaterThan(3 * 64 * 1024);
      expect(oneShot.equals(reference)).toBe(true);
      // Assess: small chunks (many flushes) and the 64 KiB default threshold
      const tail = Buffer.from(options.recordDelimiter, 'utf8');
      for (const result of [small, standard]) {
        expect(result.rows).toBe(GENERATED_ROWS);
        expect(result.bytes.equals(reference)).toBe(true);
        // chunks end at record boundaries, so no UTF-8 sequence is ever split
        expect(result.chunks.filter((chunk) => !chunk.subarray(chunk.length - tail.length).equals(tail))).toEqual([]);
      }
      // every chunk but the last reached the threshold (in UTF-16 code units)
      const belowThreshold = (chunks: readonly Buffer[], threshold: number) =>
        chunks.slice(0, -1).filter((chunk) => chunk.toString('utf8').length < threshold).length;
      expect(small.chunks.length).toBeGreaterThan(1000);
      expect(belowThreshold(small.chunks, 100)).toBe(0);
      expect(standard.chunks.length).toBeGreaterThanOrEqual(3);
      expect(belowThreshold(standard.chunks, 64 * 1024)).toBe(0);
    },
  );

  it('emits nothing and counts zero rows for an empty input', async () => {
    // Prepare
    const options = optionsFor({}, ['text']);

    // Act
    const result = await streamEncode([], options);

    // Assess
    expect(result.rows).toBe(0);
    expect(result.chunks).toHaveLength(0);
    expect(result.bytes.length).toBe(0);
  });

  it('counts rows and flushes the tail below the threshold on end', async () => {
    // Prepare
    const options = optionsFor({}, ['text', 'number']);
    const rows: Row[] = [['a', 1], [null, -2], ['', 3]];

    // Act
    const result = await streamEncode(rows, options);

    // Assess
    expect(result.rows).toBe(3);
    expect(result.chunks).toHaveLength(1);
    expect(result.bytes.toString('utf8')).toBe('a,1\n,-2\n"",3\n');
  });
});

// ---------------------------------------------------------------------------------------
// Literal expectations of the contract (README.md, "The CSV contract")
// ---------------------------------------------------------------------------------------

describe('Function: encodeRow (contract literals)', () => {
  const defaults = (kinds: readonly ColumnKind[]) => optionsFor({}, kinds);

  it('writes NULL as an empty unquoted field and the empty string as ""', () => {
    // Act
    const out = encodeRow([null, '', 'a'], defaults(['text', 'text', 'text']));

    // Assess
    expect(out).toBe(',"",a\n');
  });

  it('quotes a field with the delimiter, quotes, CR or LF and doubles the quotes', () => {
    // Act
    const out = encodeRow(['a,"b"\r\nc'], defaults(['text']));

    // Assess
    expect(out).toBe('"a,""b""\r\nc"\n');
  });

  it.each([
    ['plain', 'plain'],
    [' x ', ' x '],
    ['\r', '"\r"'],
    ['\n', '"\n"'],
    ['"', '""""'],
    ['😀', '😀'],
  ])('encodes %j as %j with the default dialect', (cell, expected) => {
    expect(encodeRow([cell], defaults(['text']))).toBe(`${expected}\n`);
  });

  it('ends records with CRLF when asked and quotes the configured delimiter only', () => {
    // Prepare
    const options = optionsFor({ delimiter: ';', recordDelimiter: 'crlf' }, ['text', 'text', 'number']);

    // Act
    const out = encodeRow(['a,b', 'c;d', 1e21], options);

    // Assess
    expect(out).toBe('a,b;"c;d";1e+21\r\n');
  });

  it('prefixes formula starts with a quote in text columns when the guard is on', () => {
    // Prepare
    const options = optionsFor({ formulaGuard: true }, ['text', 'text', 'text', 'text', 'number']);

    // Act
    const out = encodeRow(['=1+2', '\uFF0B1', 'a=b', '-1,5', -1], options);

    // Assess
    expect(out).toBe("'=1+2,'\uFF0B1,a=b,\"'-1,5\",-1\n");
  });

  it('quotes a bare CR or LF whatever the record delimiter (the reference is configured to agree)', () => {
    // Prepare
    const lf = defaults(['text', 'text']);
    const crlf = optionsFor({ recordDelimiter: 'crlf' }, ['text', 'text']);

    // Act
    const outputs = [encodeRow(['\r', 'a\rb'], lf), encodeRow(['\n', 'a\rb'], crlf)];
    const references = [referenceEncode([['\r', 'a\rb']], lf), referenceEncode([['\n', 'a\rb']], crlf)];

    // Assess
    expect(outputs).toEqual(['"\r","a\rb"\n', '"\n","a\rb"\r\n']);
    expect(references).toEqual(outputs);
  });

  it("quotes a guarded cell when the guard's own quote character is the delimiter", () => {
    // Prepare: csv-stringify decides quoting before it adds the `'`, so it would write `'=x` raw here
    const options = optionsFor({ delimiter: "'", formulaGuard: true }, ['text', 'text']);

    // Act
    const out = encodeRow(['=x', 'y'], options);

    // Assess
    expect(out).toBe(`"'=x"'y\n`);
  });

  it('encodes a 4-byte UTF-8 character to its exact bytes', () => {
    // Act
    const bytes = Buffer.from(encodeRow(['😀', null], defaults(['text', 'text'])), 'utf8');

    // Assess
    expect([...bytes]).toEqual([0xf0, 0x9f, 0x98, 0x80, 0x2c, 0x0a]);
  });
});
