/**
 * FooterTap on real files of the Parquet stage: it reads the row groups and schema from the
 * last bytes that pass, whatever the chunking, keeps no more than its bound, reports a footer
 * over the bound instead of guessing, and refuses bytes that do not end as a Parquet file.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { InMemorySink } from '../testing/index.js';
import type { Row, SourceColumn } from '../ports.js';
import { objectFormat } from '../run/object-export.js';
import { exportParquetStream, footerCheck, parquetLayout, parquetSchemaOf } from '../run/parquet-object.js';
import { FooterTap, readFooter, type FooterReading } from './parquet-footer.js';

const COLUMNS: SourceColumn[] = [
  { name: 'id', sourceType: 'bigint', kind: 'number' },
  { name: 'amount', sourceType: 'decimal(12,2)', kind: 'number' },
  { name: 'note', sourceType: 'text', kind: 'text' },
  { name: 'blob', sourceType: 'varbinary(8)', kind: 'binary' },
];
const layout = parquetLayout('mariadb', COLUMNS, 'hex', { rowGroupRows: 10 });

async function parquetFile(rows: number): Promise<{ file: Buffer; rowGroups: number | undefined }> {
  const sink = new InMemorySink();
  async function* source(): AsyncGenerator<Row> {
    for (let i = 1; i <= rows; i += 1) yield [String(i), `${i}.25`, `note ${i}`, i % 2 ? 'ff00' : null];
  }
  const result = await exportParquetStream(Readable.from(source()), layout, 'x.parquet', { sink, format: objectFormat(CsvDialectSchema.parse({}), 'none', COLUMNS) });
  return { file: sink.objects.get('x.parquet') as Buffer, rowGroups: result.rowGroups };
}

/** Streams `file` through a FooterTap in chunks of `size` bytes. */
async function tapped(file: Buffer, size: number, maxFooterBytes?: number, carryBytes?: number): Promise<FooterReading> {
  const chunks = Array.from({ length: Math.ceil(file.length / size) }, (_, i) => file.subarray(i * size, (i + 1) * size));
  const tap = new FooterTap(undefined, maxFooterBytes, carryBytes);
  await pipeline(Readable.from(chunks), tap, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
  return tap.result();
}

/**
 * `file` as the encoder's thread sends it: the body in chunks of `size` bytes, then one last chunk
 * holding the footer whole (and 50 bytes before it), streamed through a tap with a 300-byte
 * carry; `held` is the tap's held bytes seen at each chunk written downstream.
 */
async function bodyThenFooter(file: Buffer, size: number): Promise<{ tap: FooterTap; chunks: Buffer[]; lastChunk: number; held: number[] }> {
  const lastChunk = file.readUInt32LE(file.length - 8) + 8 + 50;
  const body = file.subarray(0, file.length - lastChunk);
  const chunks = Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size));
  chunks.push(file.subarray(file.length - lastChunk));
  const tap = new FooterTap(undefined, undefined, 300);
  const held: number[] = [];
  await pipeline(Readable.from(chunks), tap, new Writable({ write: (_chunk, _encoding, callback) => (held.push(tap.heldBytes), callback()) }));
  return { tap, chunks, lastChunk, held };
}

describe('Class: FooterTap', () => {
  it('reads the row groups and the schema from the end of the stream, whatever the chunk sizes', async () => {
    // Prepare: 95 rows in row groups of 10
    const { file, rowGroups } = await parquetFile(95);

    // Act
    const readings = await Promise.all([1, 7, 4096, file.length].map((size) => tapped(file, size)));

    // Assess
    expect(rowGroups).toBe(10);
    const expected = { footer: { rowGroups: 10, rows: 95, columns: parquetSchemaOf(layout) } };
    for (const reading of readings) expect(reading).toEqual(expected);
    expect(readFooter(file)).toEqual(expected);
  });

  it('reports a footer over its bound as too large instead of parsing a part of it', async () => {
    // Prepare
    const { file } = await parquetFile(95);
    const footerBytes = file.readUInt32LE(file.length - 8);

    // Act
    const over = await tapped(file, 100, footerBytes - 1);
    const exact = await tapped(file, 100, footerBytes);

    // Assess
    expect(over).toEqual({ tooLarge: true, footerBytes });
    expect('footer' in exact && exact.footer.rowGroups).toBe(10);
  });

  it('holds a bounded tail whatever the file size: at most the bound plus one chunk', async () => {
    // Prepare: a file of tens of KB through a tap bounded at 1,000 bytes of footer, in
    // chunks of 100 bytes and, at the end, one chunk larger than the bound.
    const { file } = await parquetFile(5_000);
    const limit = 1_000 + 8;
    const tap = new FooterTap(undefined, 1_000);
    let most = 0;
    const chunks = [...Array.from({ length: Math.floor((file.length - 5_000) / 100) }, (_, i) => file.subarray(i * 100, (i + 1) * 100))];
    chunks.push(file.subarray(chunks.length * 100));

    // Act
    await pipeline(Readable.from(chunks), tap, new Writable({ write: (_chunk, _encoding, callback) => ((most = Math.max(most, tap.heldBytes)), callback()) }));

    // Assess
    expect(file.length).toBeGreaterThan(20 * limit);
    expect(most).toBeLessThanOrEqual(limit + 100);
    expect(tap.heldBytes).toBeLessThanOrEqual(2 * limit);
    expect(tap.result()).toEqual(readFooter(file, 1_000));
  });

  it('holds the newest chunk and a small carry, not the bound, while a large file passes; a footer in the last chunk is read whole', async () => {
    // Prepare: a file whose body is tens of KB and whose footer is over 400 bytes
    const { file } = await parquetFile(5_000);

    // Act: the body in chunks of 100 bytes
    const { tap, chunks, lastChunk, held } = await bodyThenFooter(file, 100);

    // Assess: at most the last chunk, the carry and one body chunk were held (a tap that kept the
    // last MAX_FOOTER_BYTES held all of it).
    expect(lastChunk).toBeGreaterThan(400 + 58);
    expect(chunks.length).toBeGreaterThan(150);
    expect(Math.max(...held)).toBeLessThanOrEqual(lastChunk + 300 + 100);
    expect(tap.result()).toEqual(readFooter(file));
  });

  it('keeps only the carry of a large chunk once a newer one arrives (not two chunks whole)', async () => {
    // Prepare
    const { file } = await parquetFile(5_000);

    // Act: the body in chunks of 2,000 bytes (row groups larger than the carry)
    const { tap, chunks, held } = await bodyThenFooter(file, 2_000);

    // Assess: while the body passed, the newest chunk and 300 bytes of the one before it
    expect(chunks.length).toBeGreaterThan(5);
    expect(Math.max(...held.slice(0, -1))).toBe(2_000 + 300);
    expect(tap.result()).toEqual(readFooter(file));
  });

  it('reads a footer split over chunks within the carry, and reports one split beyond it as too large', async () => {
    // Prepare
    const { file } = await parquetFile(95);
    const footerBytes = file.readUInt32LE(file.length - 8);

    // Act: chunks of 50 bytes, so the footer is spread over many of them
    const within = await tapped(file, 50, undefined, footerBytes + 8);
    const beyond = await tapped(file, 50, undefined, footerBytes - 200);

    // Assess
    expect(within).toEqual(readFooter(file));
    expect(beyond).toEqual({ tooLarge: true, footerBytes });
  });

  it('fails the stream when the bytes do not end as a Parquet file, however short', async () => {
    await expect(tapped(Buffer.from('id,note\n1,x\n'), 4)).rejects.toThrow(/does not end with a Parquet footer/);
    await expect(tapped(Buffer.from('PAR1'), 4)).rejects.toThrow(/does not end with a Parquet footer/);
    const empty = new FooterTap();
    await pipeline(Readable.from([]), empty, new Writable({ write: (_chunk, _encoding, callback) => callback() })).catch(() => undefined);
    expect(() => empty.result()).toThrow(/does not end with a Parquet footer/);
  });
});

describe('Function: footerCheck', () => {
  it('refuses a footer whose schema or rows are not what the manifest will state, and accepts a matching one', async () => {
    // Prepare
    const { file } = await parquetFile(3);
    const reading = readFooter(file);
    if (!('footer' in reading)) throw new Error('footer expected');
    const check = footerCheck(layout, () => 3);
    const retyped = { footer: { ...reading.footer, columns: reading.footer.columns.map((c) => (c.name === 'amount' ? { ...c, logicalType: { type: 'DECIMAL' as const, precision: 12, scale: 3 } } : c)) } };

    // Act / Assess
    expect(() => check(reading)).not.toThrow();
    expect(() => check({ tooLarge: true, footerBytes: 1 })).not.toThrow();
    expect(() => check(retyped)).toThrow(expect.objectContaining({ code: 'PARQUET_SCHEMA_MISMATCH', errorClass: 'internal' }));
    expect(() => footerCheck(layout, () => 4)(reading)).toThrow(expect.objectContaining({ code: 'PARQUET_ROW_COUNT_MISMATCH' }));
  });
});
