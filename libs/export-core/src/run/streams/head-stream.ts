import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pipeline stage that emits `head` (BOM + header row) before the body (also when the body
 * is empty), and joins small body chunks into chunks of at least `minChunkBytes`.
 *
 * Why join: PostgreSQL's COPY arrives in socket-sized pieces of about 8 KiB (12,000 of them
 * for 1,000,000 rows); every later stage (gzip, hash, file or S3 writer) pays a fixed cost per
 * chunk, and a file written 8 KiB at a time costs about twice the CPU of one written 64 KiB at
 * a time. Chunks that are already large (the encoders' own output) pass through uncopied.
 * Memory: at most one chunk below `minChunkBytes` is held back.
 */
export class HeadStream extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headSent = false;

  constructor(
    private readonly head: Buffer,
    /** @default 64 KiB */
    private readonly minChunkBytes = 64 * 1024,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sendHead();
    if (this.pendingBytes === 0 && chunk.length >= this.minChunkBytes) {
      callback(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.minChunkBytes) this.release();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sendHead();
    if (this.pendingBytes > 0) this.release();
    callback();
  }

  private sendHead(): void {
    if (this.headSent) return;
    this.headSent = true;
    if (this.head.length === 0) return;
    this.pending.push(this.head);
    this.pendingBytes += this.head.length;
  }

  private release(): void {
    const chunks = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.push(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes));
  }
}
