/**
 * The Parquet object stage on its own (no server: rows from a generator): it streams a row
 * group at a time to the sink's writer while the source is still producing, and a failure of
 * the source or of a cell's conversion fails the object (aborted, nothing visible) instead of
 * hanging or writing a truncated file.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { InMemorySink } from '../testing/index.js';
import type { ObjectWriteOptions, ObjectWriter, Row, SourceColumn } from '../ports.js';
import { objectFormat } from './object-export.js';
import { exportParquetStream, parquetLayout, writeParquetParts } from './parquet-object.js';

const COLUMNS: SourceColumn[] = [
  { name: 'id', sourceType: 'bigint', kind: 'number' },
  { name: 'note', sourceType: 'text', kind: 'text' },
  { name: 'day', sourceType: 'date', kind: 'temporal' },
];

const layout = (rowGroupRows: number) => parquetLayout('mariadb', COLUMNS, 'base64', { rowGroupRows });

/** A sink whose writer reports how many bytes it has received so far. */
class WatchedSink extends InMemorySink {
  received = 0;
  override openWriter(key: string, options: ObjectWriteOptions): ObjectWriter {
    const inner = super.openWriter(key, options);
    const watched = new Writable({
      write: (chunk: Buffer, encoding, callback) => {
        this.received += chunk.length;
        inner.stream.write(chunk, encoding, callback);
      },
      final: (callback) => inner.stream.end(callback),
    });
    return { stream: watched, complete: () => inner.complete(), abort: (error) => inner.abort(error) };
  }
}

function target(sink: InMemorySink) {
  return { sink, format: objectFormat(CsvDialectSchema.parse({}), 'none', COLUMNS) };
}

describe('Function: exportParquetStream', () => {
  it('streams row groups to the writer while the source is still producing rows', async () => {
    // Prepare: 10 row groups of 5,000 rows of hard-to-compress text (each row group well above
    // the 64 KiB the object stage coalesces writes to); note the bytes the writer had when the
    // last group began.
    const sink = new WatchedSink();
    let receivedBeforeLastGroup = -1;
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 1; i <= 50_000; i += 1) {
        if (i === 45_001) receivedBeforeLastGroup = sink.received;
        yield [String(i), createHash('sha256').update(String(i)).digest('hex'), '2026-02-22'];
      }
    }

    // Act
    const result = await exportParquetStream(Readable.from(rows()), layout(5_000), 'x.parquet', target(sink));

    // Assess
    expect(result.rows).toBe(50_000);
    // Most row groups stored before the last one is read (some are in flight in the stream buffers).
    expect(receivedBeforeLastGroup).toBeGreaterThan(result.bytes * 0.5);
    expect(receivedBeforeLastGroup).toBeLessThan(result.bytes);
    expect(sink.objects.get('x.parquet')?.length).toBe(result.bytes);
  });

  it('fails, leaving nothing, when the source fails mid-stream', async () => {
    // Prepare
    const sink = new InMemorySink();
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 1; i <= 5; i += 1) yield [String(i), 'n', '2026-02-22'];
      throw new Error('connection lost');
    }

    // Act + Assess
    await expect(exportParquetStream(Readable.from(rows()), layout(2), 'x.parquet', target(sink))).rejects.toThrow('connection lost');
    expect(sink.keys()).toEqual([]);
  });

  it('fails, leaving nothing, when a cell has no Parquet value (MySQL zero date)', async () => {
    const sink = new InMemorySink();
    const rows: Row[] = [['1', 'a', '2026-02-22'], ['2', 'b', '0000-00-00']];
    await expect(exportParquetStream(Readable.from(rows), layout(10), 'x.parquet', target(sink))).rejects.toThrow(/zero date/);
    expect(sink.keys()).toEqual([]);
  });

  it('a sink that cannot open the object fails the export and stops the source and the writer\'s thread', async () => {
    // Prepare: a source that never ends, and a sink that fails at once
    async function* endless(): AsyncGenerator<Row> {
      for (let i = 1; ; i += 1) yield [String(i), 'x', '2026-02-22'];
    }
    const rows = Readable.from(endless());
    const sink = Object.assign(new InMemorySink(), {
      openWriter: (): ObjectWriter => {
        throw new Error('EACCES: permission denied');
      },
    });

    // Act
    const failed = exportParquetStream(rows, layout(1_000), 'x.parquet', target(sink));

    // Assess
    await expect(failed).rejects.toThrow('EACCES');
    await new Promise((resolve) => setImmediate(resolve));
    expect(rows.destroyed).toBe(true);
  });

  it('writes a valid file with every column and no rows for an empty source', async () => {
    const sink = new InMemorySink();
    const result = await exportParquetStream(Readable.from([]), layout(10), 'x.parquet', target(sink));
    expect(result.rows).toBe(0);
    const bytes = sink.objects.get('x.parquet') as Buffer;
    expect([bytes.subarray(0, 4).toString(), bytes.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);
  });
});

describe('Function: writeParquetParts', () => {
  const row = (i: number): Row => [String(i).padStart(10, '0'), 'y'.repeat(90), '2026-02-22'];
  const keyFor = (part: number) => `p${part}.parquet`;

  it('rolls over at the first row once a part holds maxBytes of cell text', async () => {
    const sink = new InMemorySink();
    // 110 bytes of cell text per row: a part is full after 10 rows (1,100 >= 1,000).
    const parts = await writeParquetParts(Readable.from(Array.from({ length: 35 }, (_, i) => row(i + 1))), layout(1_000), target(sink), { keyFor, limits: { maxBytes: 1_000 } });
    expect(parts.map((p) => [p.key, p.rows])).toEqual([['p1.parquet', 10], ['p2.parquet', 10], ['p3.parquet', 10], ['p4.parquet', 5]]);
    expect(sink.keys()).toEqual(['p1.parquet', 'p2.parquet', 'p3.parquet', 'p4.parquet']);
  });

  it('an empty source still gets one part', async () => {
    const sink = new InMemorySink();
    const parts = await writeParquetParts(Readable.from([]), layout(1_000), target(sink), { keyFor, limits: { maxRows: 10 } });
    expect(parts.map((p) => [p.key, p.rows])).toEqual([['p1.parquet', 0]]);
  });

  it('a failure in the third part removes the parts already written', async () => {
    const sink = new InMemorySink();
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 1; i <= 25; i += 1) yield row(i);
      throw new Error('connection lost');
    }
    await expect(writeParquetParts(Readable.from(rows()), layout(1_000), target(sink), { keyFor, limits: { maxRows: 10 } })).rejects.toThrow('connection lost');
    expect(sink.keys()).toEqual([]);
  });
});
