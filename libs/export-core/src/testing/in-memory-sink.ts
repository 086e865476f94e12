/**
 * An `ObjectSink` in memory, for unit tests that need no storage server. Like the real sinks, an
 * object becomes visible only when its writer completes, and an aborted writer leaves nothing.
 * `failPut` makes the next manifest writes fail (a storage outage at commit time).
 */
import { Writable } from 'node:stream';
import type { ObjectSink, ObjectWriteOptions, ObjectWriter } from '../ports.js';
import { SinkError } from '../errors.js';

export class InMemorySink implements ObjectSink {
  readonly objects = new Map<string, Buffer>();
  /** When set, `putObject` fails with a storage error. */
  failPut = false;

  describe(key: string): string {
    return `memory://${key}`;
  }

  openWriter(key: string, _options: ObjectWriteOptions): ObjectWriter {
    const chunks: Buffer[] = [];
    let settled = false;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    return {
      stream,
      complete: async () => {
        if (settled) throw new SinkError('storage', 'MEMORY_WRITER_SETTLED', `${this.describe(key)}: writer already settled`);
        settled = true;
        this.objects.set(key, Buffer.concat(chunks));
      },
      abort: async () => {
        settled = true;
        stream.destroy();
      },
    };
  }

  async putObject(key: string, body: string | Uint8Array, _options: ObjectWriteOptions): Promise<void> {
    if (this.failPut) throw new SinkError('storage', 'MEMORY_PUT_FAILED', `writing ${this.describe(key)} failed (injected)`);
    this.objects.set(key, Buffer.from(body));
  }

  async getObject(key: string): Promise<string | null> {
    return this.objects.get(key)?.toString('utf8') ?? null;
  }

  async deleteObject(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async listKeys(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Every stored key, sorted (what a test asserts is visible). */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }
}
