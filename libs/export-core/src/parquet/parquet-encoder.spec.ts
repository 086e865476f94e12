/**
 * The Parquet writer's thread: a file written there has the batches' rows (read back with
 * hyparquet), a batch is taken only when the writer asks for one, the thread is reused for the
 * next file, and a failure (bytes that are no Arrow IPC, the output closed early) fails the
 * output, stops the thread and tells the producer.
 */
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parquetReadObjects } from 'hyparquet';
import { BatchBuilder, type BatchSchema } from './arrow-batch.js';
import { ParquetEncoding, ParquetEncodingError, type EncoderSettings } from './parquet-encoder.js';

const SCHEMA: BatchSchema = { names: ['id', 'note'], columns: [{ type: 'int', bits: 64 }, { type: 'string' }], binaryEncoding: 'hex' };
// snappy: hyparquet reads it without its optional codecs.
const SETTINGS: EncoderSettings = { codec: 'snappy', maxRows: 1000, maxBytes: 1 << 20, createdBy: 'parquet-encoder.spec', deltaColumns: ['id'] };

async function bytesOf(output: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of output) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes `batches` batches of `rows` rows; returns the file and the encoding. */
async function write(batches: number, rows: number): Promise<{ file: Buffer; encoding: ParquetEncoding }> {
  const encoding = new ParquetEncoding(SETTINGS, () => undefined);
  const file = bytesOf(encoding.output);
  const builder = new BatchBuilder(SCHEMA);
  for (let b = 0; b < batches; b += 1) {
    for (let r = 0; r < rows; r += 1) builder.append([String(b * rows + r), `note ${b}/${r}`]);
    await encoding.ready();
    encoding.send(builder.takeIpc());
  }
  await encoding.ready();
  encoding.end();
  return { file: await file, encoding };
}

describe('ParquetEncoding', () => {
  it('writes the batches as one Parquet file on its thread, and the next file reuses the thread', async () => {
    // Act
    const first = await write(3, 500);
    const second = await write(1, 2);

    // Assess
    const rows = await parquetReadObjects({ file: first.file.buffer.slice(first.file.byteOffset, first.file.byteOffset + first.file.length) as ArrayBuffer });
    expect(rows).toHaveLength(1500);
    expect(rows[0]).toEqual({ id: 0n, note: 'note 0/0' });
    expect(rows[1499]).toEqual({ id: 1499n, note: 'note 2/499' });
    expect(first.file.includes('parquet-encoder.spec')).toBe(true);
    expect(second.encoding.threadId).toBe(first.encoding.threadId);
    expect(first.encoding.threadId).toBeGreaterThan(0);
  });

  it('refuses a batch the writer has not asked for', () => {
    const encoding = new ParquetEncoding(SETTINGS, () => undefined);
    expect(() => encoding.send(new Uint8Array(0))).toThrow(/before the writer asked for one/);
    encoding.output.destroy();
  });

  it('fails the output and what waits when the bytes are no Arrow IPC, and ends that thread', async () => {
    // Prepare
    const encoding = new ParquetEncoding(SETTINGS, () => undefined);
    const file = bytesOf(encoding.output);

    // Act
    await encoding.ready();
    encoding.send(new Uint8Array(new SharedArrayBuffer(16)).fill(7));

    // Assess
    await expect(file).rejects.toThrow(ParquetEncodingError);
    await expect(file).rejects.toThrow(/the Parquet writer failed/);
    await expect(encoding.ready()).rejects.toThrow(ParquetEncodingError);
    const next = await write(1, 1);
    expect(next.encoding.threadId).not.toBe(encoding.threadId);
  });

  it('closing the output early stops the thread and tells the producer why', async () => {
    // Prepare
    const reasons: (Error | undefined)[] = [];
    const encoding = new ParquetEncoding(SETTINGS, (reason) => reasons.push(reason));
    await encoding.ready();
    const errors: Error[] = [];
    encoding.output.on('error', (error) => errors.push(error));

    // Act
    encoding.output.destroy(new Error('the upload failed'));

    // Assess
    expect(reasons.map((r) => r?.message)).toEqual(['the upload failed']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map((e) => e.message)).toEqual(['the upload failed']);
    await expect(encoding.ready()).rejects.toThrow('the upload failed');
  });
});
