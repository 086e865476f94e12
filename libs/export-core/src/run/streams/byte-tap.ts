import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes bytes through unchanged while counting them and hashing them (SHA-256), so the
 * manifest can state exactly what was stored without reading the object back.
 */
export class ByteTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  get bytes(): number {
    return this.count;
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }
}
