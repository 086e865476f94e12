/**
 * The MySQL byte path (row packets -> CSV bytes) against the row-object path it replaces
 * (mysql2 row arrays -> converters -> CsvEncoderStream), on a real MariaDB server and the real
 * driver: every MySQL type family, zero-filled integers, other column charsets, binary,
 * zero dates, and dialects whose delimiter occurs inside numbers and dates. Both paths must
 * give the same bytes; the byte path must also keep backpressure and fail like the old one.
 */
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { CsvDialectSchema, type CsvDialectInput } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase } from '../../testing/index.js';
import { parseConnectionUrl } from '../connection-settings.js';
import { encoderOptions } from '../../csv/csv-options.js';
import { CsvEncoderStream } from '../../csv/csv-encoder-stream.js';
import type { SourceRequest } from '../../ports.js';
import { MysqlRowSource } from './mysql-row-source.js';

const DB = 'mysql_csv_stream';
const BIG_ROWS = 60_000;
let admin: Connection;
let url: string;

beforeAll(async () => {
  const db = await freshMysqlDatabase(DB);
  admin = db.admin;
  url = db.url;
  await admin.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
  await admin.query(`CREATE TABLE types (
    id INT PRIMARY KEY, ti TINYINT NULL, si SMALLINT(5) UNSIGNED ZEROFILL NULL, mi MEDIUMINT NULL, i INT(8) ZEROFILL NULL,
    bi BIGINT NULL, ubi BIGINT UNSIGNED NULL, yr YEAR NULL, dec1 DECIMAL(10,3) NULL, f FLOAT NULL, dbl DOUBLE NULL, bits BIT(10) NULL,
    d DATE NULL, dt DATETIME(3) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME NULL,
    c CHAR(5) NULL, vc VARCHAR(50) NULL, txt TEXT NULL, l1 VARCHAR(20) CHARACTER SET latin1 NULL,
    en ENUM('a','b,c','d"e') NULL, st SET('x','y','z') NULL, bin BINARY(4) NULL, vb VARBINARY(10) NULL, bl BLOB NULL, js JSON NULL
  ) CHARACTER SET utf8mb4`);
  const insert =
    'INSERT INTO types (id, ti, si, mi, i, bi, ubi, yr, dec1, f, dbl, bits, d, dt, ts, tm, c, vc, txt, l1, en, st, bin, vb, bl, js) VALUES ?';
  await admin.query(insert, [
    [
      [1, -128, 7, -8388608, 42, '-9223372036854775808', '18446744073709551615', 2026, '-12.500', 1.5, 1e20, 1023,
        '2026-02-22', '2026-02-22 10:12:00.123', '2026-02-22 10:12:00.000001', '-838:59:59', 'ab', 'a,"b"\r\nc', '=1+1', 'café',
        'b,c', 'x,z', Buffer.from([0, 1, 2, 255]), Buffer.from('+/='), Buffer.alloc(0), '{"price": 2.50, "big": 12345678901234567890}'],
      [2, 0, 0, 0, 0, '0', '0', 0, '0.000', -0.1, -2.2250738585072014e-308, 0,
        '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '00:00:00', '', '', '', '',
        'd"e', '', Buffer.alloc(4), Buffer.alloc(0), Buffer.from('x'), '[]'],
      [3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
      [4, 127, 65535, 8388607, 99999999, '9223372036854775807', '1', 1901, '9999999.999', 3.40282e38, 1.7976931348623157e308, 512,
        '9999-12-31', '9999-12-31 23:59:59.999', '2038-01-19 03:14:07.999999', '838:59:59', 'é😀', '-2:3.4 5e6', 'line1\nline2\rline3', 'x:y-z.w',
        'a', 'y', Buffer.from('abcd'), Buffer.from('é'), Buffer.from([0xff, 0xfe]), '"=x"'],
    ],
  ]);
  await admin.query(
    `CREATE TABLE big (id BIGINT PRIMARY KEY, txt VARCHAR(64), amount DECIMAL(12,2), at DATETIME)
     SELECT seq AS id, IF(seq % 7 = 0, NULL, CONCAT('row "', seq, '", with, commas')) AS txt, seq / 100 AS amount,
       TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS at FROM seq_1_to_${BIG_ROWS}`,
  );
});

afterAll(async () => {
  await admin?.end();
});

async function drain(stream: Readable, delayMs = 0, through?: NodeJS.ReadWriteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline([
    stream,
    ...(through ? [through] : []),
    new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        if (delayMs > 0) setTimeout(callback, delayMs);
        else callback();
      },
    }),
  ] as unknown as [Readable, Writable]);
  return Buffer.concat(chunks);
}

/** Exports through the source, by the byte path (`preferRows: false`) or the row-object path. */
async function exportBody(request: Omit<SourceRequest, 'dialect'> & { dialect: CsvDialectInput }, preferRows: boolean) {
  const dialect = CsvDialectSchema.parse(request.dialect);
  // The test server's root may do everything: its custom queries run only when allowed explicitly.
  const opened = await new MysqlRowSource(parseConnectionUrl(url)).open({ ...request, dialect, preferRows, allowPrivilegedQuery: true });
  try {
    const data = opened.stream();
    if (data.kind === 'csv') {
      const bytes = await drain(data.stream);
      return { kind: data.kind, bytes, rows: await data.rowCount() };
    }
    const encoder = new CsvEncoderStream(encoderOptions(dialect, opened.columns.map((c) => c.kind)));
    const bytes = await drain((data as { stream: Readable }).stream, 0, encoder);
    return { kind: data.kind, bytes, rows: encoder.rows };
  } finally {
    await opened.close();
  }
}

const dialects: CsvDialectInput[] = [
  {},
  { delimiter: ';', recordDelimiter: 'crlf', formulaGuard: true },
  { binaryEncoding: 'hex', timestampFormat: 'iso8601' },
  { zeroDates: 'null' },
  { delimiter: ':' },
  { delimiter: '-' },
  { delimiter: '.', formulaGuard: true },
  { delimiter: ' ' },
  { delimiter: '\t' },
];

describe('Function: streamMysqlCsv (byte path vs row objects, real server)', () => {
  it.each(dialects.map((d) => ({ name: JSON.stringify(d), dialect: d })))('gives the bytes of the row-object path for every type ($name)', async ({ dialect }) => {
    // Act
    const bytePath = await exportBody({ table: 'types', dialect }, false);
    const rowPath = await exportBody({ table: 'types', dialect }, true);

    // Assess
    expect(bytePath.kind).toBe('csv');
    expect(rowPath.kind).toBe('rows');
    expect(bytePath.rows).toBe(4);
    expect(bytePath.bytes.toString('utf8')).toBe(rowPath.bytes.toString('utf8'));
    expect(bytePath.bytes.equals(rowPath.bytes)).toBe(true);
  });

  it('gives the same bytes for a custom query with computed columns', async () => {
    const query = "SELECT id, CONCAT(vc, '|', c) AS cat, f * 2 AS f2, dbl AS d2, LENGTH(txt) AS n, NULL AS nothing, d + INTERVAL 1 DAY AS next_day FROM types";
    const bytePath = await exportBody({ query, dialect: {} }, false);
    const rowPath = await exportBody({ query, dialect: {} }, true);
    expect(bytePath.bytes.equals(rowPath.bytes)).toBe(true);
  });

  it('writes the contract text of the tricky cells', async () => {
    const text = (await exportBody({ table: 'types', dialect: {} }, false)).bytes.toString('utf8');
    const [one, two] = text.split(/\n(?=\d+,)/); // records start with their id; cells may hold newlines
    // ZEROFILL integers and YEAR as the server sends them; BIGINT exact; binary base64
    expect(one).toMatch(/^1,-128,00007,-8388608,00000042,-9223372036854775808,18446744073709551615,2026,-12\.500,1\.5,1e20,1023,/);
    expect(one).toContain(',"a,""b""\r\nc",=1+1,café,"b,c","x,z",AAEC/w==,Ky89,"",');
    expect(two).toMatch(/^2,0,00000,0,00000000,0,0,0000,0\.000,-0\.1,-2\.2250738585072014e-308,0,/);
    expect(two).toContain(',0000-00-00,0000-00-00 00:00:00.000,0000-00-00 00:00:00.000000,00:00:00,"","","","","d""e","",AAAAAA==,"",eA==,[]');
  });

  it('keeps every row under backpressure from a slow consumer, and counts them', async () => {
    // Prepare
    const dialect = CsvDialectSchema.parse({});
    const fast = await exportBody({ table: 'big', dialect: {} }, true);
    const opened = await new MysqlRowSource(parseConnectionUrl(url)).open({ table: 'big', dialect });
    try {
      const data = opened.stream();
      if (data.kind !== 'csv') throw new Error('expected the byte path');

      // Act
      const slow = await drain(data.stream, 3);

      // Assess
      expect(slow.equals(fast.bytes)).toBe(true);
      expect(await data.rowCount()).toBe(BIG_ROWS);
    } finally {
      await opened.close();
    }
  });

  it('fails the stream with the converter\'s error (zero dates with "error")', async () => {
    await expect(exportBody({ table: 'types', dialect: { zeroDates: 'error' } }, false)).rejects.toMatchObject({ code: 'ZERO_DATE' });
    await expect(exportBody({ table: 'types', dialect: { zeroDates: 'error' } }, true)).rejects.toMatchObject({ code: 'ZERO_DATE' });
  });
});
