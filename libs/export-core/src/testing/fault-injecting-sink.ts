import { Transform } from 'node:stream';
import type { ObjectSink, ObjectWriteOptions, ObjectWriter } from '../ports.js';
import { SinkError } from '../errors.js';

export interface Faults {
  /** Runs once, when the first data chunk reaches the sink (kill a connection, stop a server…). */
  readonly onFirstChunk?: () => Promise<void> | void;
  /** Fails the data stream once this many bytes went through. */
  readonly failAfterBytes?: number;
  /** Fails the manifest write (the data object is already complete by then). */
  readonly failManifest?: boolean;
  /** Slows every chunk down, so a kill lands while rows are still streaming. */
  readonly delayPerChunkMs?: number;
}

/**
 * Wraps a real sink (local folder, S3) and injects faults into the data path. A test fake, but
 * the storage underneath is real, so "nothing visible after a failure" is checked on real objects.
 * Injected failures are `storage` SinkErrors, as a real sink's are.
 */
export class FaultInjectingSink implements ObjectSink {
  constructor(
    private readonly inner: ObjectSink,
    private readonly faults: Faults,
  ) {}

  describe(key: string): string {
    return this.inner.describe(key);
  }

  openWriter(key: string, options: ObjectWriteOptions): ObjectWriter {
    const writer = this.inner.openWriter(key, options);
    let seen = 0;
    let first = true;
    const faults = this.faults;
    const gate = new Transform({
      async transform(chunk: Buffer, _encoding, callback) {
        try {
          if (first) {
            first = false;
            await faults.onFirstChunk?.();
          }
          if (faults.delayPerChunkMs) await new Promise((r) => setTimeout(r, faults.delayPerChunkMs));
          seen += chunk.length;
          if (faults.failAfterBytes !== undefined && seen >= faults.failAfterBytes) {
            callback(new SinkError('storage', 'INJECTED_SINK_FAILURE', `injected sink failure after ${seen} bytes`));
            return;
          }
          callback(null, chunk);
        } catch (error) {
          callback(error as Error);
        }
      },
    });
    gate.pipe(writer.stream);
    gate.on('error', (error) => writer.stream.destroy(error));
    return {
      stream: gate,
      complete: async () => {
        await new Promise<void>((resolve, reject) => {
          if (writer.stream.writableFinished) resolve();
          else {
            writer.stream.once('finish', resolve);
            writer.stream.once('error', reject);
          }
        });
        await writer.complete();
      },
      abort: (reason) => writer.abort(reason),
    };
  }

  putObject(key: string, body: string | Uint8Array, options: ObjectWriteOptions): Promise<void> {
    if (this.faults.failManifest) return Promise.reject(new SinkError('storage', 'INJECTED_MANIFEST_FAILURE', 'injected manifest write failure'));
    return this.inner.putObject(key, body, options);
  }

  getObject(key: string): Promise<string | null> {
    return this.inner.getObject(key);
  }

  deleteObject(key: string): Promise<void> {
    return this.inner.deleteObject(key);
  }

  listKeys(prefix: string): Promise<string[]> {
    return this.inner.listKeys(prefix);
  }
}
