/**
 * COPY binary rows -> wire cells: NULL against an empty value, a header extension, rows cut at
 * every byte between reads, a cell larger than many reads joined once, the trailer, and
 * malformed output refused; and which column types the wire path takes, for which Parquet type.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CellTarget, WireEncoding } from '../../ports.js';
import { CopyBinaryParser, readCopyBinaryCells, wireEncoding } from './postgres-copy-binary.js';

type Cell = Buffer | null;
const ROWS: Cell[][] = [
  [Buffer.from([0, 0, 0, 1]), Buffer.from('plain')],
  [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(0)],
  [null, null],
  [Buffer.from([0, 0, 0, 4]), Buffer.from('tab\tnewline\n\\N back\\slash café ☕')],
  [Buffer.from([0, 0, 0, 5]), Buffer.alloc(70_000, 0xab)],
];
const ENCODINGS: readonly WireEncoding[] = ['pg-int4', 'raw'];

function copyBinary(rows: readonly Cell[][], extension = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')];
  const header = Buffer.alloc(8);
  header.writeInt32BE(extension.length, 4);
  parts.push(header, extension);
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const cell of row) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(cell === null ? -1 : cell.length);
      parts.push(length, ...(cell === null ? [] : [cell]));
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** A target collecting cells, full every `batch` rows; it checks the encodings it is handed. */
function collector(batch: number) {
  const rows: Cell[][] = [];
  let count = 0;
  const target: CellTarget = {
    appendWire(bytes, bounds, encodings) {
      expect(encodings).toEqual(ENCODINGS);
      const row: Cell[] = [];
      for (let c = 0; c < bounds.length / 2; c++) row.push((bounds[2 * c] as number) < 0 ? null : Buffer.from(bytes.subarray(bounds[2 * c], bounds[2 * c + 1])));
      rows.push(row);
      return ++count % batch === 0;
    },
    appendBytes(): boolean {
      throw new Error('no text cells expected');
    },
    appendRow(): boolean {
      throw new Error('no rows expected');
    },
  };
  return { rows, target };
}

async function readAll(stream: Readable, batch: number): Promise<{ rows: Cell[][]; fills: number }> {
  const reader = readCopyBinaryCells(stream, ENCODINGS);
  const { rows, target } = collector(batch);
  let fills = 1;
  while (!(await reader.fill(target))) fills += 1;
  expect(reader.path).toBe('wire');
  return { rows, fills };
}

describe('CopyBinaryParser', () => {
  it('reads every row of one buffer, NULL apart from an empty value, past a header extension', () => {
    const { rows, target } = collector(1000);
    const bytes = copyBinary(ROWS, Buffer.from('future'));
    const parser = new CopyBinaryParser(ENCODINGS);
    expect(parser.parse(bytes, 0, bytes.length, target)).toEqual({ pos: bytes.length, full: false, need: 0 });
    expect(parser.done).toBe(true);
    expect(rows).toEqual(ROWS);
  });

  it('stops at a full batch and goes on from there', () => {
    const { rows, target } = collector(2);
    const bytes = copyBinary(ROWS);
    const parser = new CopyBinaryParser(ENCODINGS);
    const first = parser.parse(bytes, 0, bytes.length, target);
    expect(first.full).toBe(true);
    expect(rows).toHaveLength(2);
    parser.parse(bytes, first.pos, bytes.length, target);
    expect(rows).toEqual(ROWS.slice(0, 4));
  });

  it('refuses output without the signature, with OIDs, with the wrong field count or data after the trailer', () => {
    const { target } = collector(1000);
    const good = copyBinary(ROWS.slice(0, 1));
    const noSignature = Buffer.from(good);
    noSignature[0] = 0x51;
    expect(() => new CopyBinaryParser(ENCODINGS).parse(noSignature, 0, noSignature.length, target)).toThrow(/no PGCOPY signature/);
    const withOids = Buffer.from(good);
    withOids.writeInt32BE(0x10000, 11);
    expect(() => new CopyBinaryParser(ENCODINGS).parse(withOids, 0, withOids.length, target)).toThrow(/OIDs/);
    expect(() => new CopyBinaryParser(['raw']).parse(good, 0, good.length, target)).toThrow(/1 fields expected, 2 read/);
    const trailing = Buffer.concat([good, Buffer.from([0])]);
    expect(() => new CopyBinaryParser(ENCODINGS).parse(trailing, 0, trailing.length, target)).toThrow(/data after the trailer/);
  });
});

describe('readCopyBinaryCells', () => {
  it('gives the same rows however the stream is cut, at every byte of the small rows', async () => {
    const bytes = copyBinary(ROWS.slice(0, 4));
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const { rows } = await readAll(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)], { objectMode: false }), 1000);
      expect(rows, `cut at ${cut}`).toEqual(ROWS.slice(0, 4));
    }
  });

  it('joins a cell spread over many small reads, and pauses at each full batch', async () => {
    const bytes = copyBinary(ROWS);
    const reads = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(1000 * i, 1000 * (i + 1)));
    const { rows, fills } = await readAll(Readable.from(reads, { objectMode: false }), 2);
    expect(rows).toEqual(ROWS);
    expect(fills).toBe(3);
  });

  it('joins a row of several large cells a few times, not once per cell', async () => {
    // Prepare: one row of ten 200 KB cells, read 16 KB at a time
    const big: Cell[][] = [Array.from({ length: 10 }, (_, i) => Buffer.alloc(200_000, i))];
    const bytes = copyBinary(big);
    const reads = Array.from({ length: Math.ceil(bytes.length / 16_384) }, (_, i) => bytes.subarray(16_384 * i, 16_384 * (i + 1)));
    const reader = readCopyBinaryCells(Readable.from(reads, { objectMode: false }), Array.from({ length: 10 }, () => 'raw' as const));
    const rows: Cell[][] = [];
    const copied: number[] = [];
    const concat = Buffer.concat;
    Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
      const joined = concat(list, length);
      copied.push(joined.length);
      return joined;
    }) as typeof Buffer.concat;

    // Act
    try {
      const target: CellTarget = {
        appendWire(buf, bounds) {
          rows.push(Array.from({ length: 10 }, (_, c) => Buffer.from(buf.subarray(bounds[2 * c], bounds[2 * c + 1]))));
          return false;
        },
        appendBytes: () => false,
        appendRow: () => false,
      };
      while (!(await reader.fill(target)));
    } finally {
      Buffer.concat = concat;
    }

    // Assess: the row, and the bytes copied to join it within a small multiple of its size
    expect(rows).toHaveLength(1);
    expect(rows[0]?.map((cell, c) => Buffer.compare(cell as Buffer, big[0]?.[c] as Buffer))).toEqual(Array.from({ length: 10 }, () => 0));
    expect(copied.reduce((sum, n) => sum + n, 0)).toBeLessThan(4 * bytes.length);
  });

  it('fails a stream that ends inside a row or without its trailer', async () => {
    const bytes = copyBinary(ROWS.slice(0, 2));
    await expect(readAll(Readable.from([bytes.subarray(0, bytes.length - 5)], { objectMode: false }), 1000)).rejects.toThrow(/the last row has no end/);
    await expect(readAll(Readable.from([bytes.subarray(0, bytes.length - 2)], { objectMode: false }), 1000)).rejects.toThrow(/without its trailer/);
  });

  it('passes on the stream\'s error, and destroy stops a pending fill', async () => {
    const failing = new Readable({ read() {} });
    const reader = readCopyBinaryCells(failing, ENCODINGS);
    const pending = reader.fill(collector(1000).target);
    failing.destroy(new Error('connection lost'));
    await expect(pending).rejects.toThrow('connection lost');
    const idle = new Readable({ read() {} });
    const stopped = readCopyBinaryCells(idle, ENCODINGS);
    const waiting = stopped.fill(collector(1000).target);
    stopped.destroy(new Error('the run was aborted'));
    await expect(waiting).rejects.toThrow('the run was aborted');
  });
});

describe('wireEncoding', () => {
  it('takes each type only into the Parquet column typed-columns.ts gives it', () => {
    expect(wireEncoding(20, 'b', { type: 'int', bits: 64 })).toBe('pg-int8');
    expect(wireEncoding(23, 'b', { type: 'int', bits: 32 })).toBe('pg-int4');
    expect(wireEncoding(23, 'b', { type: 'int', bits: 16 })).toBeUndefined();
    expect(wireEncoding(1700, 'b', { type: 'decimal', precision: 12, scale: 2 })).toBe('pg-numeric');
    expect(wireEncoding(1700, 'b', { type: 'string', reason: 'decimal-unconstrained' })).toBeUndefined();
    expect(wireEncoding(1184, 'b', { type: 'timestamp', utc: true })).toBe('pg-timestamp');
    expect(wireEncoding(1184, 'b', { type: 'timestamp', utc: false })).toBeUndefined();
    expect(wireEncoding(1114, 'b', { type: 'timestamp', utc: false })).toBe('pg-timestamp');
    expect(wireEncoding(3802, 'b', { type: 'string' })).toBe('pg-jsonb');
    expect(wireEncoding(17, 'b', { type: 'binary' })).toBe('raw');
    expect(wireEncoding(12345, 'e', { type: 'string' })).toBe('raw');
    // time (text, no Glue type) and uuid are rebuilt as their text, only into a string column.
    expect(wireEncoding(1083, 'b', { type: 'string', reason: 'time-no-glue-type' })).toBe('pg-time');
    expect(wireEncoding(1083, 'b', { type: 'string' })).toBeUndefined();
    expect(wireEncoding(2950, 'b', { type: 'string' })).toBe('pg-uuid');
    expect(wireEncoding(2950, 'b', { type: 'binary' })).toBeUndefined();
    // interval (1186), timetz (1266) and any type it does not know come as text.
    expect(wireEncoding(1186, 'b', { type: 'string' })).toBeUndefined();
    expect(wireEncoding(1266, 'b', { type: 'string' })).toBeUndefined();
    expect(wireEncoding(12345, 'd', { type: 'string' })).toBeUndefined();
  });
});
