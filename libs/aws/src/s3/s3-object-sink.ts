/**
 * The S3 implementation of the export core's `ObjectSink` port (libs/export-core/src/ports.ts),
 * satisfied structurally: libs/aws never imports the core.
 *
 * Streaming writes go through @aws-sdk/lib-storage `Upload` reading a PassThrough, so a table
 * of any size is written with bounded memory and backpressure reaches the database cursor.
 *
 * Memory ceiling per open writer ≈ partSizeBytes × (queueSize + 1) + 2 MiB:
 * `queueSize` parts in flight (each a partSizeBytes Buffer held until its UploadPart returns),
 * one part being assembled by lib-storage, and the body PassThrough's buffers (1 MiB
 * highWaterMark on each side); beyond that the writer sees backpressure. Defaults:
 * 8 MiB × 5 + 2 MiB ≈ 42 MiB (lib-storage concatenates a part before slicing it, so a
 * momentary peak can add one more part).
 *
 * S3 allows at most 10,000 parts per object, so the largest object is partSizeBytes × 10,000:
 * ~78 GiB at the 8 MiB default (~48.8 GiB at the 5 MiB minimum). Bigger exports need the
 * job's split limits or a larger part size; exceeding it fails with S3_TOO_MANY_PARTS.
 */
import { PassThrough, Writable } from 'node:stream';
import { DeleteObjectCommand,
  ListObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AwsConfigError, classifyS3Error, isS3NotFound, S3ErrorCodes, StorageError, type S3Operation } from '../errors.js';

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE_BYTES = 5 * MiB;
/** S3's largest part. */
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MiB;
export const DEFAULT_PART_SIZE_BYTES = 8 * MiB;
export const DEFAULT_QUEUE_SIZE = 4;
/** Bytes the writer may buffer ahead of lib-storage's part assembly before backpressure. */
const BODY_HIGH_WATER_MARK = 1 * MiB;
export const DEFAULT_ABORT_CLEANUP_TIMEOUT_MS = 30_000;

export interface S3ObjectSinkOptions {
  /** Built once by the entrypoint and shared; never constructed (or destroyed) here. */
  readonly client: S3Client;
  readonly bucket: string;
  /** Multipart part size. @default 8 MiB (minimum 5 MiB, maximum 5 GiB) */
  readonly partSizeBytes?: number;
  /** Parts uploaded concurrently per writer. @default 4 */
  readonly queueSize?: number;
  /**
   * How long `abort()` waits for in-flight parts to settle so that lib-storage can send
   * AbortMultipartUpload (no orphaned parts billed on S3). After that, abort() returns and the
   * cleanup finishes in the background. @default 30 s
   */
  readonly abortCleanupTimeoutMs?: number;
}

/**
 * The core's `ObjectWriteOptions`, spelled here because libs/aws may not import the core (module
 * boundaries); not exported from the package. The exporter passes this sink where the core's
 * `ObjectSink` is expected, so the compiler checks the two shapes against each other there.
 */
export interface S3ObjectWriteOptions {
  readonly contentType: string;
  readonly contentEncoding?: string;
}

/** The core's `ObjectWriter` (see S3ObjectWriteOptions). */
export interface S3ObjectWriter {
  /** Write the object's bytes here, then `end()` it (or let `pipeline` do it). */
  readonly stream: Writable;
  /**
   * Resolves once the object is stored and visible at its key; call after `stream` finished.
   * Rejects with a classified error if any part, the final commit or the body failed.
   */
  complete(): Promise<void>;
  /**
   * Discards the object: stops reading the body, aborts the multipart upload (no parts left
   * behind), and deletes the object if the upload had already finished on its own. Idempotent,
   * safe after a failure; a no-op once `complete()` has resolved (the object is committed).
   */
  abort(reason?: unknown): Promise<void>;
}

/**
 * @example
 * const sink = new S3ObjectSink({ client: s3Client, bucket: 'exports' });
 * const writer = sink.openWriter('rds_exports/employees/x.csv.gz', { contentType: 'text/csv', contentEncoding: 'gzip' });
 * try {
 *   await pipeline(rows, csv, createGzip(), writer.stream);
 *   await writer.complete();
 * } catch (error) {
 *   await writer.abort(error);
 *   throw error;
 * }
 */
export class S3ObjectSink {
  readonly bucket: string;
  readonly partSizeBytes: number;
  readonly queueSize: number;
  readonly abortCleanupTimeoutMs: number;
  private readonly client: S3Client;

  constructor(options: S3ObjectSinkOptions) {
    const bucket = options.bucket?.trim() ?? '';
    if (bucket === '') throw new AwsConfigError('S3_BUCKET_REQUIRED', 'S3ObjectSink: a bucket name is required');
    const partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    if (!Number.isSafeInteger(partSizeBytes) || partSizeBytes < MIN_PART_SIZE_BYTES || partSizeBytes > MAX_PART_SIZE_BYTES) {
      throw new AwsConfigError(
        'S3_PART_SIZE_INVALID',
        `S3ObjectSink: partSizeBytes must be an integer between ${MIN_PART_SIZE_BYTES} (5 MiB) and ${MAX_PART_SIZE_BYTES} (5 GiB), got ${partSizeBytes}`,
      );
    }
    const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    if (!Number.isSafeInteger(queueSize) || queueSize < 1) {
      throw new AwsConfigError('S3_QUEUE_SIZE_INVALID', `S3ObjectSink: queueSize must be a positive integer, got ${queueSize}`);
    }
    const abortCleanupTimeoutMs = options.abortCleanupTimeoutMs ?? DEFAULT_ABORT_CLEANUP_TIMEOUT_MS;
    if (!Number.isFinite(abortCleanupTimeoutMs) || abortCleanupTimeoutMs < 0) {
      throw new AwsConfigError('S3_ABORT_TIMEOUT_INVALID', `S3ObjectSink: abortCleanupTimeoutMs must be a non-negative number, got ${abortCleanupTimeoutMs}`);
    }
    this.client = options.client;
    this.abortCleanupTimeoutMs = abortCleanupTimeoutMs;
    this.bucket = bucket;
    this.partSizeBytes = partSizeBytes;
    this.queueSize = queueSize;
  }

  describe(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  openWriter(key: string, options: S3ObjectWriteOptions): S3ObjectWriter {
    const context = { bucket: this.bucket, key, operation: 'write' as const };
    // Two streams on purpose: lib-storage destroys the Body it reads as soon as one part fails
    // (with a bare AbortError). The writer-facing `input` outlives that, and fails with the
    // classified S3 error once the upload has settled, so the caller's pipeline sees the cause.
    const body = new PassThrough({ highWaterMark: BODY_HIGH_WATER_MARK });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType,
        ...(options.contentEncoding !== undefined && { ContentEncoding: options.contentEncoding }),
      },
      partSize: this.partSizeBytes,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });

    let aborted = false;
    let committed = false;
    const abortedError = (reason?: unknown): StorageError =>
      new StorageError('storage', S3ErrorCodes.uploadAborted, `upload to ${this.describe(key)} was aborted; nothing was stored`, {
        cause: reason,
      });

    // Started now so the upload consumes the body as it is written. Rejections are handled here
    // (never unhandled, even if complete() is never called) and observed by complete()/abort().
    const uploaded: Promise<void> = upload.done().then(
      () => undefined,
      (error: unknown) => {
        const failure = aborted ? abortedError(error) : classifyS3Error(error, context);
        // A failed upload stops reading: fail the writer rather than leave it blocked on backpressure.
        if (!input.destroyed) input.destroy(failure);
        throw failure;
      },
    );
    uploaded.catch(() => undefined);

    /** Once lib-storage stopped reading, a write can only end with the upload's outcome. */
    const afterUpload = (callback: (error?: Error | null) => void): void => {
      uploaded.then(
        () => callback(abortedError()),
        (error: unknown) => callback(error as Error),
      );
    };
    const input = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (body.destroyed) return afterUpload(callback);
        if (body.write(chunk)) return callback();
        const onDrain = (): void => {
          body.off('close', onClose);
          callback();
        };
        const onClose = (): void => {
          body.off('drain', onDrain);
          afterUpload(callback);
        };
        body.once('drain', onDrain);
        body.once('close', onClose);
      },
      final(callback) {
        if (body.destroyed) return afterUpload(callback);
        body.end((error?: Error | null) => (error ? afterUpload(callback) : callback()));
      },
      destroy(this: Writable, error, callback) {
        // The producer failed or quit early (or abort()/a failed upload destroyed us): stop the
        // upload too. A destroy after 'finish' is just autoDestroy and must not touch the body.
        if (!body.destroyed && (error || !this.writableFinished)) body.destroy(error ?? abortedError());
        callback(error);
      },
    });
    // Errors reach the caller through complete() and its own pipeline; without these listeners
    // an abort or a failed upload would crash the process with an unhandled 'error' event.
    input.on('error', () => undefined);
    body.on('error', () => undefined);

    let aborting: Promise<void> | undefined;
    return {
      stream: input,
      complete: async () => {
        if (aborted) throw abortedError();
        await uploaded;
        if (aborted) throw abortedError();
        committed = true;
      },
      abort: (reason?: unknown) => {
        aborting ??= (async () => {
          if (committed) return;
          aborted = true;
          // Destroying the body makes lib-storage stop after the in-flight parts and send
          // AbortMultipartUpload itself, so waiting here leaves nothing behind on S3.
          if (!input.destroyed) input.destroy(abortedError(reason));
          const outcome = await settleWithin(uploaded, this.abortCleanupTimeoutMs);
          if (outcome === 'timeout') {
            await upload.abort(); // rejects done() at once; the cleanup continues in the background
            await uploaded.catch(() => undefined);
          } else if (outcome === 'fulfilled') {
            // The upload had already finished before the abort: discard what became visible.
            await this.deleteObject(key);
          }
        })();
        return aborting;
      },
    };
  }

  async putObject(key: string, body: string | Uint8Array, options: S3ObjectWriteOptions): Promise<void> {
    await this.send('write', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          ...(options.contentEncoding !== undefined && { ContentEncoding: options.contentEncoding }),
        }),
      ),
    );
  }

  /** The object's body as UTF-8 text, or null when there is no object at the key. */
  async getObject(key: string): Promise<string | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw classifyS3Error(error, { bucket: this.bucket, key, operation: 'read' });
    }
  }

  /** Removes the object; an absent object is not an error (S3 answers 204 either way). */
  async deleteObject(key: string): Promise<void> {
    await this.send('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  /**
   * Every key under `prefix`. Pages follow a start-after marker (ListObjects `Marker`), which S3
   * and local S3 servers alike implement (some local servers cannot page ListObjectsV2).
   */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.send('read', prefix, () => this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Marker: marker })));
      const found = (page.Contents ?? []).map((o) => o.Key ?? '').filter(Boolean);
      keys.push(...found);
      if (!page.IsTruncated || found.length === 0) return keys;
      marker = found.at(-1);
    }
  }

  private async send<T>(operation: S3Operation, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw classifyS3Error(error, { bucket: this.bucket, key, operation });
    }
  }
}

/** Waits for a promise to settle, at most `ms`; the timer never keeps the process alive. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<'fulfilled' | 'rejected' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => 'fulfilled' as const, () => 'rejected' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
