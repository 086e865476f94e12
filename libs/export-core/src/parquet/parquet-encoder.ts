/**
 * The Parquet writer (parquet-wasm) on a worker thread: `ParquetEncoding` sends Arrow IPC record
 * batches to parquet-encoder-worker.mjs and gives back the file's bytes as a Readable. Why a
 * thread: encoding and compressing a row group is about a quarter of a Parquet export's CPU, and
 * in the thread that reads and converts rows it stopped the reading for as long; on a thread of
 * its own it overlaps the next row group's reading (docs/parquet-writer-choice.md, "Encoder
 * thread"). Where there is only a fraction of a core (a 1024 MB Lambda has 0.58 vCPU) the total
 * CPU is what counts, and it is the same.
 *
 * Flow control: a batch is sent only when the writer has asked for one (`ready`) and the file's
 * bytes not yet taken by the sink are below OUTPUT_HIGH_WATER; so there is at most one batch in
 * the writer and the next in the builder, as with the writer in-thread. What the thread adds is
 * its own V8 isolate (about 20–50 MiB measured, docs/parquet-writer-choice.md "Encoder thread"),
 * per Parquet file being written at the same time (chunked exports: one per chunk in flight).
 * The batch's IPC bytes are in shared memory (BatchBuilder.takeIpc) and the worker copies them
 * into wasm as they arrive, so the staging buffer is reused, as before.
 *
 * Workers are kept for the process (one idle at most, unreferenced so that they never hold the
 * process open): files written one after another (split parts, later runs in a warm Lambda) pay
 * the thread's start and the wasm compile once.
 */
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { wasmPath } from './parquet-wasm.js';

export const ENCODER_WORKER_FILE = 'parquet-encoder-worker.mjs';

/** What the worker needs to build arrow-rs's writer properties (see parquet-object.ts). */
export interface EncoderSettings {
  readonly codec: 'zstd' | 'snappy';
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly createdBy: string;
  /** Columns written with DELTA_BINARY_PACKED (the INT32/INT64 ones). */
  readonly deltaColumns: readonly string[];
}

/** @default 8 MiB of encoded bytes waiting for the sink before the next batch waits. */
export const OUTPUT_HIGH_WATER = 8 * 1024 * 1024;
const MAX_IDLE = 1;
const idle: Worker[] = [];

/** While idle, a worker that ends leaves the list, and its error is not the process's. */
const leaveIdle = function (this: Worker): void {
  const at = idle.indexOf(this);
  if (at >= 0) idle.splice(at, 1);
};
const ignore = (): void => undefined;

function takeIdle(): Worker | undefined {
  const worker = idle.pop();
  worker?.off('exit', leaveIdle).off('error', ignore);
  return worker;
}

/**
 * The worker's script: beside this module (in the CLI and Lambda bundles, which build it there,
 * and in the sources, where this module is parquet-encoder.ts next to the .mjs).
 */
function spawn(): Worker {
  return new Worker(new URL(`./${ENCODER_WORKER_FILE}`, import.meta.url));
}

type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'chunk'; readonly bytes: Uint8Array }
  | { readonly type: 'done'; readonly bytes: number }
  | { readonly type: 'error'; readonly message: string; readonly stack?: string };

export class ParquetEncodingError extends Error {
  override readonly name = 'ParquetEncodingError';
}

/** One Parquet file being written on a worker. */
export class ParquetEncoding {
  /** The file's bytes; destroying it stops the worker (and calls `onCancel`). */
  readonly output: Readable;
  private readonly worker: Worker;
  private credits = 0;
  private received = 0;
  private failure: Error | undefined;
  private settled = false;
  private wake: (() => void) | undefined;

  constructor(settings: EncoderSettings, onCancel: (error: Error | undefined) => void) {
    // Before any thread is taken: a wasm that cannot be found fails here, leaving none behind.
    const wasm = wasmPath();
    this.worker = takeIdle() ?? spawn();
    this.worker.ref();
    this.output = new Readable({
      highWaterMark: OUTPUT_HIGH_WATER,
      read: () => this.signal(),
      destroy: (error, callback) => {
        if (!this.settled) {
          this.stop(error ?? new ParquetEncodingError('the Parquet output was closed before its end'));
          onCancel(error ?? undefined);
        }
        callback(error);
      },
    });
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    this.worker.on('messageerror', this.onError);
    this.worker.postMessage({ type: 'open', wasmPath: wasm, settings });
  }

  /** The worker thread's id (a reused thread keeps its id). */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** Resolves once the writer asks for a batch and the output is drained below its mark. */
  async ready(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.credits > 0 && this.output.readableLength < OUTPUT_HIGH_WATER) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** One record batch as Arrow IPC stream bytes (after `ready`). */
  send(ipc: Uint8Array): void {
    this.take();
    this.worker.postMessage({ type: 'batch', ipc });
  }

  /** No more batches: the writer closes the file (after `ready`). */
  end(): void {
    this.take();
    this.worker.postMessage({ type: 'end' });
  }

  private take(): void {
    if (this.credits <= 0) throw new Error('ParquetEncoding: a batch sent before the writer asked for one');
    this.credits -= 1;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private readonly onMessage = (message: WorkerMessage): void => {
    switch (message.type) {
      case 'ready':
        this.credits += 1;
        this.signal();
        return;
      case 'chunk':
        this.received += message.bytes.byteLength;
        this.output.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
        return;
      case 'done':
        // Every byte the writer wrote arrived (a lost message would leave a file with a hole).
        if (message.bytes !== this.received) return this.onError(new ParquetEncodingError(`the Parquet writer wrote ${message.bytes} bytes, ${this.received} arrived`));
        this.settled = true;
        this.release();
        this.output.push(null);
        return;
      case 'error': {
        const error = new ParquetEncodingError(`the Parquet writer failed: ${message.message}`);
        this.stop(error);
        this.output.destroy(error);
      }
    }
  };

  private readonly onError = (error: Error): void => {
    this.stop(error);
    this.output.destroy(error);
  };

  private readonly onExit = (code: number): void => {
    if (this.settled) return;
    const error = new ParquetEncodingError(`the Parquet writer's thread exited (code ${code}) before the file's end`);
    this.stop(error);
    this.output.destroy(error);
  };

  private detach(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    this.worker.off('messageerror', this.onError);
  }

  /** The file is complete: the worker goes back to the idle list (or ends). */
  private release(): void {
    this.detach();
    this.worker.unref();
    if (idle.length < MAX_IDLE) idle.push(this.worker.on('exit', leaveIdle).on('error', ignore));
    else void this.worker.terminate();
  }

  /** Fails what waits, and ends the worker (its state is unknown). */
  private stop(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = error;
    this.detach();
    this.worker.on('error', () => undefined);
    void this.worker.terminate();
    this.signal();
  }
}
