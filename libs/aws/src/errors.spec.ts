import { NoSuchBucket, NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { describe, expect, it } from 'vitest';
import { classifyS3Error, isS3NotFound, redact, StorageError } from './errors.js';

const context = { bucket: 'exports', key: 'rds_exports/e/e.csv', operation: 'write' as const };
const meta = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });
const serviceError = (name: string, status: number, message = `${name} happened`): S3ServiceException =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: meta(status), message });
const nodeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('Function: classifyS3Error', () => {
  it('maps NoSuchBucket to a config error naming the bucket', () => {
    const error = classifyS3Error(new NoSuchBucket({ $metadata: meta(404), message: 'The specified bucket does not exist' }), context);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ name: 'StorageError', errorClass: 'config', code: 'S3_NO_SUCH_BUCKET' });
    expect(error.message).toContain('"exports"');
    expect(error.message).toContain('s3://exports/rds_exports/e/e.csv');
    expect(error.cause).toBeInstanceOf(NoSuchBucket);
  });

  it.each(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'])('maps %s to auth S3_ACCESS_DENIED without the server text', (name) => {
    const error = classifyS3Error(serviceError(name, 403, 'StringToSign AWS4-HMAC-SHA256 Credential=ASIAABCDEFGHIJKLMNOP/2026'), context);
    expect(error).toMatchObject({ errorClass: 'auth', code: 'S3_ACCESS_DENIED' });
    expect(error.message).toBe(
      `access denied writing s3://exports/rds_exports/e/e.csv (${name}); check the credentials and the role's S3 permissions on bucket "exports"`,
    );
  });

  it('maps a bare 403 (HEAD has no body) to auth', () => {
    expect(classifyS3Error(serviceError('Forbidden', 403), context)).toMatchObject({ errorClass: 'auth', code: 'S3_ACCESS_DENIED' });
  });

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND s3.nowhere.invalid'],
    ['ECONNRESET', 'read ECONNRESET'],
    ['EPIPE', 'write EPIPE'],
  ])('maps %s to network S3_UNREACHABLE', (code, message) => {
    const error = classifyS3Error(nodeError(code, message), context);
    expect(error).toMatchObject({ errorClass: 'network', code: 'S3_UNREACHABLE' });
    expect(error.message).toContain(code);
    expect(error.message).toContain('s3://exports/rds_exports/e/e.csv');
  });

  it('maps socket hang up, SDK timeouts and S3 RequestTimeout to network', () => {
    expect(classifyS3Error(new Error('socket hang up'), context)).toMatchObject({ errorClass: 'network' });
    expect(classifyS3Error(Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }), context)).toMatchObject({
      errorClass: 'network',
    });
    expect(classifyS3Error(serviceError('RequestTimeout', 400), context)).toMatchObject({ errorClass: 'network', code: 'S3_UNREACHABLE' });
  });

  it('finds the cause inside a wrapper and inside an AggregateError', () => {
    const wrapped = new Error('upload failed', { cause: nodeError('ECONNRESET', 'read ECONNRESET') });
    expect(classifyS3Error(wrapped, context)).toMatchObject({ errorClass: 'network' });
    const aggregate = new AggregateError([nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:9')], 'connect failed');
    expect(classifyS3Error(aggregate, context)).toMatchObject({ errorClass: 'network' });
  });

  it('maps anything else to storage with an operation-specific code and the cause in the message', () => {
    const slow = serviceError('SlowDown', 503, 'Please reduce your request rate.');
    expect(classifyS3Error(slow, context)).toMatchObject({
      errorClass: 'storage',
      code: 'S3_WRITE_FAILED',
      message: 'S3 failed writing s3://exports/rds_exports/e/e.csv: SlowDown: Please reduce your request rate.',
    });
    expect(classifyS3Error(slow, { ...context, operation: 'read' })).toMatchObject({ code: 'S3_READ_FAILED' });
    expect(classifyS3Error(slow, { ...context, operation: 'delete' })).toMatchObject({ code: 'S3_DELETE_FAILED' });
    expect(classifyS3Error('a string', context)).toMatchObject({ errorClass: 'storage', message: expect.stringContaining('a string') });
  });

  it('names the 10,000-part limit', () => {
    const error = classifyS3Error(new Error('Exceeded 10000 parts in multipart upload to Bucket: exports Key: k.'), context);
    expect(error).toMatchObject({ errorClass: 'storage', code: 'S3_TOO_MANY_PARTS' });
    expect(error.message).toContain('partSizeBytes');
  });

  it('passes already-classified errors through unchanged', () => {
    const original = new RdsExportError('database', 'PG_CONNECTION_LOST', 'the database went away');
    expect(classifyS3Error(original, context)).toBe(original);
  });

  it('never echoes key ids or signatures found in an error message', () => {
    const error = classifyS3Error(new Error('failed GET https://b.s3/k?X-Amz-Credential=ASIAABCDEFGHIJKLMNOP%2F2026&X-Amz-Signature=deadbeef'), context);
    expect(error.message).not.toContain('ASIAABCDEFGHIJKLMNOP');
    expect(error.message).not.toContain('deadbeef');
  });
});

describe('Function: isS3NotFound', () => {
  it('is true for NoSuchKey and a 404 NotFound, false for NoSuchBucket and other errors', () => {
    expect(isS3NotFound(new NoSuchKey({ $metadata: meta(404), message: 'no key' }))).toBe(true);
    expect(isS3NotFound(serviceError('NotFound', 404))).toBe(true);
    expect(isS3NotFound(new NoSuchBucket({ $metadata: meta(404), message: 'no bucket' }))).toBe(false);
    expect(isS3NotFound(serviceError('AccessDenied', 403))).toBe(false);
    expect(isS3NotFound(new Error('boom'))).toBe(false);
  });
});

describe('Function: redact', () => {
  it('masks access key ids, signatures, credentials and session tokens', () => {
    expect(redact('key ASIAABCDEFGHIJKLMNOP Signature=abc, Credential=AKIA/x X-Amz-Security-Token=tok&y=1')).toBe(
      'key ASIA**************** Signature=[redacted], Credential=[redacted] X-Amz-Security-Token=[redacted]&y=1',
    );
  });
});
