/**
 * COPY text rows -> cells: NULL (`\N`) against the empty string and the text `\N`, every escape
 * COPY TO writes, multi-byte UTF-8, hex bytea decoded to its bytes, and rows cut at every byte
 * between chunks.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CellTarget, Row } from '../../ports.js';
import { CopyTextParser, readCopyCells } from './postgres-copy-cells.js';

/** COPY TO's text escaping of one value (PostgreSQL's CopyAttributeOutText). */
function escape(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\n\r\t\b\f\v]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[c] as string);
}

type Cell = string | Buffer | null;
const ROWS: Cell[][] = [
  ['1', 'plain', Buffer.from([0, 1, 0xff])],
  ['2', '', Buffer.alloc(0)],
  ['3', null, null],
  ['4', '\\N', Buffer.from('\\N')],
  ['5', 'tab\there\nnewline\r\\back\bspace\fform\vvertical', Buffer.from([9, 10, 92])],
  ['6', 'café ☕ 日本 😀', Buffer.from('é')],
  ['7', 'x'.repeat(70_000), Buffer.alloc(40_000, 0xab)],
];

function copyText(rows: readonly Cell[][]): Buffer {
  return Buffer.from(rows.map((row) => row.map((cell) => (Buffer.isBuffer(cell) ? cell.toString('hex') : escape(cell))).join('\t') + '\n').join(''));
}

/** A target collecting cells (bytes), full every `batch` rows. */
function collector(batch: number) {
  const rows: Cell[][] = [];
  let count = 0;
  const target: CellTarget = {
    appendBytes(bytes, bounds) {
      const row: Cell[] = [];
      for (let c = 0; c < bounds.length / 2; c++) row.push((bounds[2 * c] as number) < 0 ? null : Buffer.from(bytes.subarray(bounds[2 * c], bounds[2 * c + 1])));
      rows.push(row);
      return ++count % batch === 0;
    },
    appendWire(): boolean {
      throw new Error('no wire values expected');
    },
    appendRow(_row: Row) {
      throw new Error('no rows expected');
    },
  };
  return { rows, target };
}

const expected = ROWS.map((row) => row.map((cell) => (cell === null ? null : Buffer.isBuffer(cell) ? cell : Buffer.from(cell))));
const HEX = [false, false, true];

describe('CopyTextParser', () => {
  it('reads every row of one buffer into the cells the row route gets', () => {
    const { rows, target } = collector(1000);
    const text = copyText(ROWS);
    expect(new CopyTextParser(HEX).parse(text, 0, text.length, target)).toEqual({ pos: text.length, full: false });
    expect(rows).toEqual(expected);
  });

  it('leaves an incomplete row unread and refuses a row with the wrong column count', () => {
    const { rows, target } = collector(1000);
    const text = Buffer.from('1\ta\t00\n2\tb\t0');
    expect(new CopyTextParser(HEX).parse(text, 0, text.length, target)).toEqual({ pos: 7, full: false });
    expect(rows).toHaveLength(1);
    const short = Buffer.from('1\ta\n');
    expect(() => new CopyTextParser(HEX).parse(short, 0, short.length, target)).toThrow(/3 columns expected/);
  });
});

describe('readCopyCells', () => {
  it('gives the same rows whatever the chunk boundaries and batch sizes', async () => {
    const text = copyText(ROWS.slice(0, 6));
    for (let cut = 1; cut < text.length; cut += 1) {
      const third = Math.min(text.length, cut + 7);
      const copy = Readable.from([text.subarray(0, cut), text.subarray(cut, third), text.subarray(third)].filter((c) => c.length > 0), { objectMode: false });
      const reader = readCopyCells(copy, HEX);
      const { rows, target } = collector(2);
      let fills = 0;
      while (!(await reader.fill(target))) fills += 1;
      expect(rows, `cut at ${cut}`).toEqual(expected.slice(0, 6));
      expect(fills).toBe(3);
    }
  });

  it('fails on output that ends inside a row', async () => {
    const reader = readCopyCells(Readable.from([Buffer.from('1\ta\t00\n2\tb')]), HEX);
    await expect(reader.fill(collector(1000).target)).rejects.toThrow(/last row has no end/);
  });
});
