import { Transform, type TransformCallback } from 'node:stream';
import type { Row } from '../ports.js';
import type { CsvEncoderOptions } from './csv-options.js';
import { encodeRow } from './encode-row.js';
import { STAGE_ROWS } from '../sources/row-buffer.js';

/**
 * Object-mode rows in, UTF-8 CSV bytes out. Records are joined into chunks of about
 * `chunkChars` characters before they are pushed, so downstream (hash, gzip, upload) sees a
 * few large buffers instead of one tiny buffer per row. Backpressure is the stream's own:
 * at most `highWaterMark` rows wait on the writable side and one chunk on the readable side.
 */
export class CsvEncoderStream extends Transform {
  private pending = '';
  private rowCount = 0;
  private pushedBytes = 0;

  constructor(
    private readonly options: CsvEncoderOptions,
    /** Flush threshold in UTF-16 code units. @default 65536 */
    private readonly chunkChars = 64 * 1024,
  ) {
    super({ writableObjectMode: true, writableHighWaterMark: STAGE_ROWS, readableHighWaterMark: 256 * 1024 });
  }

  get rows(): number {
    return this.rowCount;
  }

  /** UTF-8 bytes encoded so far (pushed, plus the pending chunk counted as UTF-16 units). */
  get encodedBytes(): number {
    return this.pushedBytes + this.pending.length;
  }

  override _transform(row: Row, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending += encodeRow(row, this.options);
    this.rowCount++;
    if (this.pending.length >= this.chunkChars) {
      const chunk = Buffer.from(this.pending, 'utf8');
      this.pending = '';
      this.pushedBytes += chunk.length;
      callback(null, chunk);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending.length > 0) this.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
    callback();
  }
}
