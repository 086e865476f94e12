import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CsvRecordCounter } from './csv-record-counter.js';

async function count(chunks: string[]): Promise<{ records: number; bytes: number; out: string }> {
  const counter = new CsvRecordCounter();
  let out = '';
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c, 'utf8'))), counter, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out += chunk.toString('utf8');
  });
  return { records: counter.records, bytes: counter.bytes, out };
}

describe('Class: CsvRecordCounter', () => {
  it('counts LF and CRLF records and passes the bytes through unchanged', async () => {
    const csv = '1,a\n2,b\r\n3,"c"\n';
    const result = await count([csv]);
    expect(result).toEqual({ records: 3, bytes: Buffer.byteLength(csv), out: csv });
  });

  it('does not end a record at a quoted line break, also when quotes and breaks straddle chunks', async () => {
    const csv = '1,"multi\nline ""quoted"" text\r\n"\n2,"x"\n3,é\n';
    expect((await count([csv])).records).toBe(3);
    // Every possible split point, one byte at a time: the quote state carries across chunks.
    const bytes = Buffer.from(csv, 'utf8');
    const oneByte = new CsvRecordCounter();
    await pipeline(Readable.from([...bytes].map((b) => Buffer.from([b]))), oneByte, async (s: AsyncIterable<Buffer>) => {
      for await (const _ of s) void _;
    });
    expect(oneByte.records).toBe(3);
  });

  it('counts nothing for an unterminated last line and for empty input', async () => {
    expect((await count(['1,a\n2,b'])).records).toBe(1);
    expect((await count([])).records).toBe(0);
  });
});
