import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3ClientConfig, startS3, type LocalS3 } from './local-s3.js';

const BUCKET = 'exports';

describe('startS3 (s3rver)', () => {
  let s3: LocalS3;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3({ buckets: [BUCKET] });
    client = new S3Client(localS3ClientConfig(s3.endpoint));
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('puts, gets and lists an object with @aws-sdk/client-s3 and stores its bytes at bucketPath', async () => {
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
    const body = 'id,name\n1,"Ada, Countess"\n';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rds_exports/a/dt=2026-02-22/a.csv', Body: body, ContentType: 'text/csv' }));

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'rds_exports/a/dt=2026-02-22/a.csv' }));
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ContentType).toBe('text/csv');

    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'rds_exports/' }));
    expect(listed.Contents?.map((object) => [object.Key, object.Size])).toEqual([['rds_exports/a/dt=2026-02-22/a.csv', Buffer.byteLength(body)]]);

    expect(await readFile(s3.bucketPath(BUCKET, 'rds_exports/a/dt=2026-02-22/a.csv'), 'utf8')).toBe(body);
  });

  it('accepts a multipart upload from lib-storage with its ContentType and ContentEncoding', async () => {
    const body = randomBytes(11 * 1024 * 1024 + 7);
    const upload = new Upload({
      client,
      params: { Bucket: BUCKET, Key: 'big.bin.gz', Body: body, ContentType: 'text/csv', ContentEncoding: 'gzip' },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.bin.gz' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ContentType).toBe('text/csv');
    expect(head.ContentEncoding).toBe('gzip');
    expect((await readFile(s3.bucketPath(BUCKET, 'big.bin.gz'))).equals(body)).toBe(true);
    expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([]);
  });

  it('implements AbortMultipartUpload (missing from s3rver): staged parts are removed, unknown ids are NoSuchUpload', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted.csv' }));
    await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'aborted.csv', UploadId, PartNumber: 1, Body: randomBytes(1024) }));
    expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([UploadId]);

    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted.csv', UploadId }));

    expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([]);
    await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'aborted.csv' }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted.csv', UploadId }))).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
  });

  it('refuses an unknown access key id (it does not verify V4 signatures)', async () => {
    const stranger = new S3Client({ ...localS3ClientConfig(s3.endpoint), credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'wrong' } });
    try {
      await expect(stranger.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    } finally {
      stranger.destroy();
    }
  });

  it('answers NoSuchBucket for a bucket it was not given', async () => {
    await expect(client.send(new PutObjectCommand({ Bucket: 'missing-bucket', Key: 'x', Body: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('keeps a caller-provided directory, removes its own temp directory, stops idempotently and then refuses connections', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'local-s3-keep-'));
    try {
      const kept = await startS3({ directory, buckets: ['b'] });
      const own = await startS3();
      const other = new S3Client(localS3ClientConfig(kept.endpoint));
      try {
        await other.send(new PutObjectCommand({ Bucket: 'b', Key: 'k/v.txt', Body: 'kept' }));
      } finally {
        other.destroy();
      }
      await Promise.all([kept.stop(), kept.stop(), own.stop()]);
      await own.stop();

      expect(kept.directory).toBe(directory);
      expect(await readFile(kept.bucketPath('b', 'k/v.txt'), 'utf8')).toBe('kept');
      await expect(access(own.directory)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(fetch(`${kept.endpoint}/b`)).rejects.toThrow();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('Function: startS3 on a taken port', () => {
  it('rejects with EADDRINUSE instead of throwing an uncaught error and never settling', async () => {
    const holder = await startS3();
    try {
      await expect(startS3({ port: holder.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await holder.stop();
    }
  });
});
