/**
 * The Parquet byte path on PostgreSQL: `COPY (data query) TO STDOUT` in text format, parsed
 * straight into a CellTarget (the Parquet batch builder) as byte ranges, so no cell becomes a JS
 * string. The data query is the row cursor's, so every cell is the same server text the row
 * route gets (RAW_TEXT: the type output functions, after the projection of postgres-columns.ts),
 * with one difference: bytea is projected as `encode(…, 'hex')` and decoded here to its raw
 * bytes (the row route gets base64/hex text and decodes it to the same bytes).
 *
 * COPY text format (PostgreSQL docs, "COPY", File Formats): fields separated by a tab, rows end
 * with a newline, NULL is `\N`, and the output escapes backslash, newline, carriage return, tab,
 * backspace, form feed and vertical tab as `\\ \n \r \t \b \f \v`. Other escapes (octal, `\x`)
 * are never written by COPY TO; any other escaped byte stands for itself, as COPY FROM reads it.
 * A row with an escape or a bytea cell is rebuilt in a scratch buffer; others are read in place.
 *
 * Pull: rows are parsed only while the writer asks for a batch; otherwise the COPY stream is not
 * read and its own backpressure holds the socket.
 */
import type { Readable } from 'node:stream';
import type { CellReader, CellTarget } from '../../ports.js';
import { copyReads } from './postgres-copy-reads.js';

const TAB = 9;
const LF = 10;
const BACKSLASH = 92;
const N = 78;

/** The byte an escape letter stands for (COPY TO writes only these); any other stands for itself. */
const UNESCAPE = new Uint8Array(256).map((_, b) => b);
UNESCAPE[0x62] = 8; // \b
UNESCAPE[0x66] = 12; // \f
UNESCAPE[0x6e] = LF; // \n
UNESCAPE[0x72] = 13; // \r
UNESCAPE[0x74] = TAB; // \t
UNESCAPE[0x76] = 11; // \v

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/**
 * Parses COPY text rows into a target. `hexColumns[c]`: column c is `encode(bytea, 'hex')` text,
 * handed over as its bytes.
 */
export class CopyTextParser {
  private readonly columns: number;
  private readonly bounds: Int32Array;
  private readonly escaped: Uint8Array;
  private readonly hex: Uint8Array;
  private readonly anyHex: boolean;
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(hexColumns: readonly boolean[]) {
    this.columns = hexColumns.length;
    this.bounds = new Int32Array(2 * this.columns);
    this.escaped = new Uint8Array(this.columns);
    this.hex = Uint8Array.from(hexColumns, (h) => (h ? 1 : 0));
    this.anyHex = hexColumns.some(Boolean);
  }

  /**
   * Appends the complete rows of `buf[pos, end)` until the target is full. Returns the position
   * after the last row appended (an incomplete last row stays unread) and whether it is full.
   */
  parse(buf: Buffer, pos: number, end: number, target: CellTarget): { pos: number; full: boolean } {
    const n = this.columns;
    const bounds = this.bounds;
    const escaped = this.escaped;
    for (;;) {
      let p = pos;
      let rebuild = false;
      for (let c = 0; c < n; c++) {
        const s = p;
        let b = 0;
        let esc = 0;
        while (p < end) {
          b = buf[p] as number;
          if (b === TAB || b === LF) break;
          if (b === BACKSLASH) {
            esc = 1;
            p += 2;
          } else {
            p += 1;
          }
        }
        if (p >= end) return { pos, full: false }; // incomplete row (or an escape cut at the chunk's end)
        if (b !== (c === n - 1 ? LF : TAB)) throw new Error(`malformed COPY row: ${n} columns expected`);
        if (esc === 1 && p - s === 2 && buf[s + 1] === N) {
          bounds[2 * c] = -1;
          bounds[2 * c + 1] = -1;
          escaped[c] = 0;
        } else {
          bounds[2 * c] = s;
          bounds[2 * c + 1] = p;
          escaped[c] = esc;
          if (esc === 1) rebuild = true;
        }
        p += 1;
      }
      const full = rebuild || this.anyHex ? target.appendBytes(this.rebuilt(buf), bounds) : target.appendBytes(buf, bounds);
      pos = p;
      if (full) return { pos, full: true };
    }
  }

  /** The row's cells unescaped (and hex decoded) into the scratch buffer; `bounds` point into it. */
  private rebuilt(buf: Buffer): Buffer {
    const bounds = this.bounds;
    let needed = 0;
    for (let c = 0; c < this.columns; c++) if ((bounds[2 * c] as number) >= 0) needed += (bounds[2 * c + 1] as number) - (bounds[2 * c] as number);
    if (needed > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(needed, 2 * this.scratch.length));
    const out = this.scratch;
    let o = 0;
    for (let c = 0; c < this.columns; c++) {
      const s = bounds[2 * c] as number;
      if (s < 0) continue;
      const e = bounds[2 * c + 1] as number;
      const o0 = o;
      if (this.hex[c] === 1) {
        // encode(…, 'hex') writes only hex digits: no escapes.
        if ((e - s) % 2 !== 0) throw new Error('malformed COPY row: odd hex digits in a bytea cell');
        for (let i = s; i < e; i += 2) {
          const high = HEX[buf[i] as number] as number;
          const low = HEX[buf[i + 1] as number] as number;
          if (high < 0 || low < 0) throw new Error('malformed COPY row: a bytea cell is not hex');
          out[o++] = (high << 4) | low;
        }
      } else if (this.escaped[c] === 1) {
        for (let i = s; i < e; i++) {
          const b = buf[i] as number;
          out[o++] = b === BACKSLASH ? (UNESCAPE[buf[++i] as number] as number) : b;
        }
      } else {
        buf.copy(out, o, s, e);
        o += e - s;
      }
      bounds[2 * c] = o0;
      bounds[2 * c + 1] = o;
    }
    return out;
  }
}

/** The COPY stream's rows, a batch per fill. */
export function readCopyCells(copy: Readable, hexColumns: readonly boolean[]): CellReader {
  const parser = new CopyTextParser(hexColumns);
  const reads = copyReads(copy);
  let chunk: Buffer | undefined;
  let pos = 0;
  /** What is left of a read whose first row completed the previous read's last one. */
  let rest: Buffer | undefined;

  return {
    path: 'bytes',
    async fill(target: CellTarget): Promise<boolean> {
      for (;;) {
        if (reads.failure) throw reads.failure;
        if (chunk) {
          const parsed = parser.parse(chunk, pos, chunk.length, target);
          pos = parsed.pos;
          if (parsed.full) return false;
        }
        const tail = chunk && pos < chunk.length ? chunk.subarray(pos) : undefined;
        const read = rest ?? (await reads.next());
        rest = undefined;
        if (read === null) {
          if (tail) throw new Error('malformed COPY output: the last row has no end');
          chunk = undefined;
          return true;
        }
        pos = 0;
        if (!tail) {
          chunk = read;
          continue;
        }
        // An incomplete row carries over: joined with the next read only up to its end (a raw
        // newline only ever ends a row, data newlines are escaped), the rest read in place.
        const lf = read.indexOf(LF);
        if (lf < 0 || lf === read.length - 1) {
          chunk = Buffer.concat([tail, read]);
        } else {
          chunk = Buffer.concat([tail, read.subarray(0, lf + 1)]);
          rest = read.subarray(lf + 1);
        }
      }
    },
    destroy: (error?: Error) => reads.destroy(error),
  };
}
