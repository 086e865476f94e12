/**
 * Row-mode buffering bounded by bytes as well as rows. A row count alone is no bound: 2,000
 * rows of 256 KB are 512 MB. Both engines' row streams keep at most about `maxBytes` of rows
 * (and at most `maxRows`) between the driver and the encoder before the driver is paused.
 */
import { Readable } from 'node:stream';
import type { Row } from '../ports.js';

export interface RowBufferLimits {
  /** Rows buffered at most. @default 2000 */
  readonly maxRows?: number;
  /** Bytes of rows (as their text) buffered at most, beyond one row. @default 4 MiB */
  readonly maxBytes?: number;
}

export const DEFAULT_ROW_BUFFER_ROWS = 2000;
export const DEFAULT_ROW_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Object-mode stages after the source (conversions, the part splitter, the CSV encoder's
 * writable side) hold at most this many rows each: the source's buffer is the deep one, bounded
 * by bytes, and these stay small so that wide rows cannot pile up behind it (8 rows of 256 KB
 * are 2 MB; the 512 they held before were 128 MB each). Small rows lose nothing: a stage only
 * fills while the stage after it is the slower one.
 */
export const STAGE_ROWS = 8;

/**
 * A row's size as the driver holds it: string lengths (UTF-16 units, about the UTF-8 bytes),
 * buffer lengths, 8 for anything else. One pass over the cells, no allocation.
 */
export function rowBytes(row: Row | readonly unknown[]): number {
  let bytes = 0;
  for (let i = 0; i < row.length; i++) {
    const cell = row[i];
    bytes += typeof cell === 'string' ? cell.length : cell instanceof Uint8Array ? cell.length : 8;
  }
  return bytes;
}

/**
 * An object-mode Readable fed by a push-style driver (mysql2's row events). Rows pass straight
 * through while the consumer keeps up; otherwise they wait in a queue, and once the queue holds
 * `maxBytes` or `maxRows` the driver is paused, and resumed when the queue has drained to half.
 * (Readable's own buffer counts objects only, so it is kept at a few rows.)
 */
export class BoundedRowStream extends Readable {
  private readonly queue: (Row | undefined)[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private queuedBytes = 0;
  private ended = false;
  private paused = false;
  /** The consumer asked for rows (_read) and push() has not said stop since. */
  private wanted = false;
  private readonly maxRows: number;
  private readonly maxBytes: number;

  constructor(
    private readonly driver: { pause(): void; resume(): void },
    limits: RowBufferLimits = {},
  ) {
    super({ objectMode: true, highWaterMark: 8 });
    this.maxRows = Math.max(1, limits.maxRows ?? DEFAULT_ROW_BUFFER_ROWS);
    this.maxBytes = Math.max(1, limits.maxBytes ?? DEFAULT_ROW_BUFFER_BYTES);
  }

  /** The driver's next row. */
  add(row: Row): void {
    if (this.destroyed) return;
    // Fast path: nothing queued and the consumer wants more (push() takes the row either way;
    // false only says to stop).
    if (this.wanted && this.head === this.queue.length) {
      this.wanted = this.push(row);
      return;
    }
    const size = rowBytes(row);
    this.queue.push(row);
    this.sizes.push(size);
    this.queuedBytes += size;
    if (!this.paused && (this.queue.length - this.head >= this.maxRows || this.queuedBytes >= this.maxBytes)) {
      this.paused = true;
      this.driver.pause();
    }
  }

  /** The driver's end of rows. */
  finish(): void {
    this.ended = true;
    if (this.head === this.queue.length) this.push(null);
  }

  override _read(): void {
    this.wanted = true;
    while (this.wanted && this.head < this.queue.length) {
      const row = this.queue[this.head] as Row;
      this.queue[this.head] = undefined; // consumed: let it go
      this.queuedBytes -= this.sizes[this.head] as number;
      this.head++;
      this.wanted = this.push(row);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.sizes.length = 0;
      this.head = 0;
      if (this.ended) {
        this.push(null);
        return;
      }
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      // Drop the consumed front now and then, so the queue never holds dead slots for long.
      this.queue.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= this.maxRows / 2 && this.queuedBytes <= this.maxBytes / 2) {
      this.paused = false;
      this.driver.resume();
    }
  }
}

/**
 * How many rows to fetch next so that one fetch holds about `targetBytes`: from the average
 * row size of the previous fetch, between 1 and `maxRows`. For pull-style drivers (pg cursors).
 */
export function nextFetchSize(previousRows: number, previousBytes: number, targetBytes: number, maxRows: number): number {
  if (previousRows <= 0) return Math.min(maxRows, 16);
  const average = Math.max(1, previousBytes / previousRows);
  return Math.max(1, Math.min(maxRows, Math.floor(targetBytes / average)));
}
