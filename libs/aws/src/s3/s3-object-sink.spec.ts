import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { S3ObjectSink } from './s3-object-sink.js';

// Only constructed, never used to send: option validation happens before any request.
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
afterAll(() => client.destroy());

describe('Class: S3ObjectSink options', () => {
  it('defaults to 8 MiB parts, 4 concurrent parts and a 30 s abort cleanup wait', () => {
    const sink = new S3ObjectSink({ client, bucket: 'exports' });
    expect({ bucket: sink.bucket, partSizeBytes: sink.partSizeBytes, queueSize: sink.queueSize, abortCleanupTimeoutMs: sink.abortCleanupTimeoutMs }).toEqual({
      bucket: 'exports',
      partSizeBytes: 8 * 1024 * 1024,
      queueSize: 4,
      abortCleanupTimeoutMs: 30_000,
    });
    expect(sink.describe('_manifests/e/r.json')).toBe('s3://exports/_manifests/e/r.json');
  });

  it('trims the bucket name', () => {
    expect(new S3ObjectSink({ client, bucket: '  exports \n' }).describe('k')).toBe('s3://exports/k');
  });

  it.each([
    [{ bucket: ' ' }, 'S3_BUCKET_REQUIRED', /bucket name is required/],
    [{ bucket: 'b', partSizeBytes: 5 * 1024 * 1024 - 1 }, 'S3_PART_SIZE_INVALID', /between 5242880 \(5 MiB\) and 5368709120 \(5 GiB\), got 5242879/],
    [{ bucket: 'b', partSizeBytes: 6 * 1024 * 1024 + 0.5 }, 'S3_PART_SIZE_INVALID', /integer/],
    [{ bucket: 'b', queueSize: 0 }, 'S3_QUEUE_SIZE_INVALID', /positive integer, got 0/],
    [{ bucket: 'b', abortCleanupTimeoutMs: -1 }, 'S3_ABORT_TIMEOUT_INVALID', /non-negative/],
  ])('refuses %j with a config error', (options, code, message) => {
    expect(() => new S3ObjectSink({ client, ...options })).toThrowError(expect.objectContaining({ errorClass: 'config', code, message: expect.stringMatching(message) }));
  });
});
