import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig, startS3, type LocalS3 } from '../testing/index.js';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectSink } from './s3-object-sink.js';

const BUCKET = 'exports';
const MiB = 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift32) in 1 MiB chunks; the producer never holds the whole body. */
function* chunks(totalBytes: number, seed = 'seed'): Generator<Buffer> {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  let produced = 0;
  while (produced < totalBytes) {
    const size = Math.min(MiB, totalBytes - produced);
    const words = new Uint32Array(Math.ceil(size / 4));
    for (let index = 0; index < words.length; index++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      words[index] = state;
    }
    produced += size;
    yield Buffer.from(words.buffer, 0, size);
  }
}

function sha256(parts: Iterable<Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** The command names a client sends, observed on the real wire path (no behaviour change). */
function recordCommands(client: S3Client): string[] {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return names;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function head(client: S3Client, key: string): Promise<{ status: number; contentType?: string; contentEncoding?: string; length?: number }> {
  try {
    const response = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return { status: 200, contentType: response.ContentType, contentEncoding: response.ContentEncoding, length: response.ContentLength };
  } catch (error) {
    return { status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1 };
  }
}

describe('Class: S3ObjectSink (against s3rver)', () => {
  let s3: LocalS3;
  let client: S3Client;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    s3 = await startS3({ buckets: [BUCKET] });
    client = new S3Client(localS3ClientConfig(s3.endpoint));
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    client?.destroy();
    await s3?.stop();
  });

  beforeEach(() => {
    unhandled.length = 0;
  });

  afterEach(async () => {
    // let any stray rejection surface before judging
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });

  it('streams a 20 MiB object as a multipart upload with its bytes, ContentType and ContentEncoding intact', async () => {
    // Prepare
    const size = 20 * MiB + 12_345;
    const commands = recordCommands(client);
    const sink = new S3ObjectSink({ client, bucket: BUCKET, partSizeBytes: 5 * MiB, queueSize: 2 });
    const key = 'rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv.gz';

    // Act
    const writer = sink.openWriter(key, { contentType: 'text/csv', contentEncoding: 'gzip' });
    await pipeline(Readable.from(chunks(size)), writer.stream);
    await writer.complete();

    // Assess
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(bytes.length).toBe(size);
    expect(sha256([bytes])).toBe(sha256(chunks(size)));
    expect(object.ContentType).toBe('text/csv');
    expect(object.ContentEncoding).toBe('gzip');
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(5);
    expect(commands).toContain('CreateMultipartUploadCommand');
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([]);
    expect(sink.describe(key)).toBe(`s3://${BUCKET}/${key}`);
  });

  it('applies backpressure to the writer instead of buffering the whole body', async () => {
    const sink = new S3ObjectSink({ client, bucket: BUCKET, partSizeBytes: 5 * MiB, queueSize: 1 });
    const writer = sink.openWriter('backpressure.bin', { contentType: 'application/octet-stream' });
    let refused = 0;
    for (const chunk of chunks(16 * MiB, 'bp')) {
      if (!writer.stream.write(chunk)) {
        refused++;
        await new Promise((resolve) => writer.stream.once('drain', resolve));
      }
    }
    writer.stream.end();
    await writer.complete();
    expect(refused).toBeGreaterThan(0);
    expect(await head(client, 'backpressure.bin')).toMatchObject({ status: 200, length: 16 * MiB, contentType: 'application/octet-stream' });
    expect((await head(client, 'backpressure.bin')).contentEncoding).toBeUndefined();
  });

  it('writes a small gzip body in one PUT and it round-trips', async () => {
    const csv = 'id,notes\n1,\n2,""\n3,"a, b"\n';
    const sink = new S3ObjectSink({ client, bucket: BUCKET });
    const writer = sink.openWriter('small.csv.gz', { contentType: 'text/csv', contentEncoding: 'gzip' });
    writer.stream.end(gzipSync(csv));
    await writer.complete();
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small.csv.gz' }));
    expect(gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8')).toBe(csv);
    expect(object.ContentEncoding).toBe('gzip');
  });

  it('abort() before complete() leaves no object and no multipart upload, is idempotent, and fails complete()', async () => {
    // Prepare: enough data that parts are already on the server
    const sink = new S3ObjectSink({ client, bucket: BUCKET, partSizeBytes: 5 * MiB, queueSize: 2 });
    const key = 'aborted/employees.csv';
    const writer = sink.openWriter(key, { contentType: 'text/csv' });
    for (const chunk of chunks(12 * MiB, 'abort')) {
      if (!writer.stream.write(chunk)) await new Promise((resolve) => writer.stream.once('drain', resolve));
    }
    while ((await s3.pendingMultipartUploads(BUCKET)).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await s3.pendingMultipartUploads(BUCKET)).toHaveLength(1);

    // Act
    const first = writer.abort(new Error('the database went away'));
    const second = writer.abort();
    await Promise.all([first, second]);
    await writer.abort();

    // Assess
    expect(await head(client, key)).toEqual({ status: 404 });
    expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([]);
    await expect(writer.complete()).rejects.toMatchObject({ errorClass: 'storage', code: 'S3_UPLOAD_ABORTED' });
    expect(writer.stream.destroyed).toBe(true);
  });

  it('abort() of a writer that never received data stores nothing', async () => {
    const sink = new S3ObjectSink({ client, bucket: BUCKET });
    const writer = sink.openWriter('never-written.csv', { contentType: 'text/csv' });
    await writer.abort();
    expect(await head(client, 'never-written.csv')).toEqual({ status: 404 });
    await expect(writer.complete()).rejects.toMatchObject({ code: 'S3_UPLOAD_ABORTED' });
  });

  it('abort() after the body ended but before complete() still discards the object', async () => {
    const sink = new S3ObjectSink({ client, bucket: BUCKET });
    const writer = sink.openWriter('raced.csv', { contentType: 'text/csv' });
    await pipeline(Readable.from(['a,b\n1,2\n']), writer.stream);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the single PUT has landed by now
    await writer.abort();
    expect(await head(client, 'raced.csv')).toEqual({ status: 404 });
  });

  it('abort() after complete() resolved keeps the committed object', async () => {
    const sink = new S3ObjectSink({ client, bucket: BUCKET });
    const writer = sink.openWriter('committed.csv', { contentType: 'text/csv' });
    writer.stream.end('a\n1\n');
    await writer.complete();
    await writer.abort();
    expect(await sink.getObject('committed.csv')).toBe('a\n1\n');
  });

  it('a failing part fails complete() and the writer, and nothing is left behind', async () => {
    // Prepare: a client whose second UploadPart is refused (fault injected before the request is sent)
    const faulty = new S3Client(localS3ClientConfig(s3.endpoint));
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === 'UploadPartCommand' && input.PartNumber === 2) {
          throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPart' },
    );
    const sink = new S3ObjectSink({ client: faulty, bucket: BUCKET, partSizeBytes: 5 * MiB, queueSize: 1 });
    const key = 'failed-part.csv';
    try {
      // Act
      const writer = sink.openWriter(key, { contentType: 'text/csv' });
      const written = pipeline(Readable.from(chunks(16 * MiB, 'fail')), writer.stream);

      // Assess
      const failure = await writer.complete().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RdsExportError);
      expect(failure).toMatchObject({ errorClass: 'storage', code: 'S3_WRITE_FAILED' });
      expect((failure as Error).message).toContain(`s3://${BUCKET}/${key}`);
      expect((failure as Error).message).toContain('InternalError');
      await expect(written).rejects.toBe(failure);
      await writer.abort(failure);
      expect(await head(client, key)).toEqual({ status: 404 });
      expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([]);
    } finally {
      faulty.destroy();
    }
  });

  it('rejects with a network error naming the bucket and key when the endpoint dies mid-upload, and unblocks the writer', async () => {
    // Prepare: a server of its own, killed once the first part is on it
    const dying = await startS3({ buckets: [BUCKET] });
    const dyingClient = new S3Client({ ...localS3ClientConfig(dying.endpoint), maxAttempts: 2 });
    const commands = recordCommands(dyingClient);
    const sink = new S3ObjectSink({ client: dyingClient, bucket: BUCKET, partSizeBytes: 5 * MiB, queueSize: 1 });
    const key = 'rds_exports/dying/part0001.csv';
    try {
      const writer = sink.openWriter(key, { contentType: 'text/csv' });
      const written = pipeline(
        Readable.from(
          (async function* () {
            let sent = 0;
            for (const chunk of chunks(30 * MiB, 'dying')) {
              sent += chunk.length;
              if (sent === 11 * MiB) {
                // parts are flowing: kill the server in the middle of the upload
                while (!commands.includes('UploadPartCommand')) await new Promise((resolve) => setTimeout(resolve, 10));
                await dying.stop();
              }
              yield chunk;
            }
          })(),
        ),
        writer.stream,
      );

      // Act
      const failure = await writer.complete().catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(RdsExportError);
      expect(['network', 'storage']).toContain((failure as RdsExportError).errorClass);
      expect((failure as RdsExportError).code).toBe('S3_UNREACHABLE');
      expect((failure as Error).message).toContain(`s3://${BUCKET}/${key}`);
      await expect(written).rejects.toBeInstanceOf(RdsExportError);
      await writer.abort(failure);
    } finally {
      dyingClient.destroy();
      await dying.stop();
    }
  });

  it('rejects with a network error when nothing listens at the endpoint', async () => {
    const port = await closedPort();
    const nowhere = new S3Client({ ...localS3ClientConfig(`http://127.0.0.1:${port}`), maxAttempts: 2 });
    try {
      const sink = new S3ObjectSink({ client: nowhere, bucket: 'exports' });
      const writer = sink.openWriter('k.csv', { contentType: 'text/csv' });
      writer.stream.end('a\n');
      await expect(writer.complete()).rejects.toMatchObject({
        errorClass: 'network',
        code: 'S3_UNREACHABLE',
        message: expect.stringMatching(/s3:\/\/exports\/k\.csv.*ECONNREFUSED/),
      });
      await expect(sink.putObject('m.json', '{}', { contentType: 'application/json' })).rejects.toMatchObject({ errorClass: 'network', code: 'S3_UNREACHABLE' });
      await expect(sink.getObject('m.json')).rejects.toMatchObject({ errorClass: 'network', code: 'S3_UNREACHABLE' });
    } finally {
      nowhere.destroy();
    }
  });

  it('maps a missing bucket to a config error naming the bucket, for streamed, multipart and small writes and reads', async () => {
    const sink = new S3ObjectSink({ client, bucket: 'no-such-bucket', partSizeBytes: 5 * MiB });
    const expected = { errorClass: 'config', code: 'S3_NO_SUCH_BUCKET', message: expect.stringContaining('"no-such-bucket"') };

    const small = sink.openWriter('a.csv', { contentType: 'text/csv' });
    small.stream.end('a\n');
    await expect(small.complete()).rejects.toMatchObject(expected);

    // more than lib-storage can take in before the first request fails, so the writer must be failed too
    const large = sink.openWriter('b.csv', { contentType: 'text/csv' });
    const written = pipeline(Readable.from(chunks(48 * MiB, 'nb')), large.stream);
    await expect(large.complete()).rejects.toMatchObject(expected);
    await expect(written).rejects.toMatchObject(expected);

    await expect(sink.putObject('m.json', '{}', { contentType: 'application/json' })).rejects.toMatchObject(expected);
    await expect(sink.getObject('m.json')).rejects.toMatchObject(expected);
  });

  it('maps refused credentials to an auth error that does not echo the key id', async () => {
    const stranger = new S3Client({ ...localS3ClientConfig(s3.endpoint), credentials: { accessKeyId: 'ASIAEXAMPLEKEY123456', secretAccessKey: 'not-the-secret' } });
    try {
      const sink = new S3ObjectSink({ client: stranger, bucket: BUCKET });
      const failure = await sink.putObject('m.json', '{}', { contentType: 'application/json' }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ errorClass: 'auth', code: 'S3_ACCESS_DENIED' });
      expect((failure as Error).message).toContain(`s3://${BUCKET}/m.json`);
      expect((failure as Error).message).not.toContain('ASIAEXAMPLEKEY123456');
      expect((failure as Error).message).not.toContain('not-the-secret');
    } finally {
      stranger.destroy();
    }
  });

  it('abort() returns after abortCleanupTimeoutMs when a request hangs, and rejects complete()', async () => {
    // Prepare: a TCP server that accepts requests and never answers
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as AddressInfo).port;
    const hanging = new S3Client({ ...localS3ClientConfig(`http://127.0.0.1:${port}`), maxAttempts: 1 });
    try {
      const sink = new S3ObjectSink({ client: hanging, bucket: BUCKET, abortCleanupTimeoutMs: 200 });
      const writer = sink.openWriter('hanging.csv', { contentType: 'text/csv' });
      writer.stream.end('a\n');
      while (sockets.size === 0) await new Promise((resolve) => setTimeout(resolve, 10));

      // Act
      const started = Date.now();
      await writer.abort();

      // Assess
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(writer.complete()).rejects.toMatchObject({ errorClass: 'storage', code: 'S3_UPLOAD_ABORTED' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
      hanging.destroy();
    }
  });

  it('puts, gets and deletes a small manifest object', async () => {
    const sink = new S3ObjectSink({ client, bucket: BUCKET });
    const key = '_manifests/employees/employees_20260222_101200.json';
    const manifest = JSON.stringify({ runId: 'employees_20260222_101200', rows: 3, note: 'naïve ☕' });

    expect(await sink.getObject(key)).toBeNull();
    await sink.putObject(key, manifest, { contentType: 'application/json' });
    expect(await sink.getObject(key)).toBe(manifest);
    expect(await head(client, key)).toMatchObject({ status: 200, contentType: 'application/json' });

    await sink.putObject(key, new TextEncoder().encode('{"v":2}'), { contentType: 'application/json' });
    expect(await sink.getObject(key)).toBe('{"v":2}');

    await sink.deleteObject(key);
    expect(await sink.getObject(key)).toBeNull();
    await expect(sink.deleteObject(key)).resolves.toBeUndefined();
  });

  it('keeps writing into a destroyed writer from hanging (write errors instead)', async () => {
    const sink = new S3ObjectSink({ client, bucket: BUCKET });
    const writer = sink.openWriter('destroyed.csv', { contentType: 'text/csv' });
    await writer.abort();
    const sinkStream = writer.stream;
    const result = await new Promise<unknown>((resolve) => sinkStream.write(randomBytes(10), resolve));
    expect(result).toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
    expect(sinkStream).toBeInstanceOf(Writable);
  });
});
