import { describe, expect, it } from 'vitest';
import { describeDestination, parseDestination, trimSlashes, type Destination } from './destination.js';

function accepted(raw: string): Destination {
  const result = parseDestination(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted, got: ${result.problem}`);
  return result.value;
}

function refused(raw: string): string {
  const result = parseDestination(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused, got: ${JSON.stringify(result.value)}`);
  return result.problem;
}

describe('Function: parseDestination', () => {
  it.each([
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/a/b/', { kind: 's3', bucket: 'bucket', prefix: 'a/b' }],
    ['s3://bucket//a/b//', { kind: 's3', bucket: 'bucket', prefix: 'a/b' }],
    ['s3://my.bucket-01/rds_exports', { kind: 's3', bucket: 'my.bucket-01', prefix: 'rds_exports' }],
    ['  s3://my-bucket  ', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket \t', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['\ts3://my-bucket/exports/\n', { kind: 's3', bucket: 'my-bucket', prefix: 'exports' }],
    ['s3://my-bucket /exports', { kind: 's3', bucket: 'my-bucket', prefix: 'exports' }],
  ])('accepts %j', (raw, expected) => {
    expect(accepted(raw)).toEqual(expected);
  });

  it('trims the trailing space that once broke the seed pipeline instead of refusing the bucket', () => {
    // Act
    const destination = accepted('  s3://my-bucket  ');

    // Assess
    expect(destination).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(describeDestination(destination)).toBe('s3://my-bucket');
  });

  it.each([
    ['s3://MyBucket', 'bucket name "MyBucket" may contain only lowercase letters, digits, dots and hyphens'],
    ['s3://my_bucket', 'bucket name "my_bucket" may contain only lowercase letters, digits, dots and hyphens'],
    ['s3://192.168.1.1', 'bucket name "192.168.1.1" may not be formatted as an IP address'],
    [`s3://${'a'.repeat(64)}`, `bucket name "${'a'.repeat(64)}" must be 3 to 63 characters long (got 64)`],
    ['s3://my..bucket', 'bucket name "my..bucket" may not contain two adjacent dots'],
    ['s3://xn--bucket', 'bucket name "xn--bucket" may not start with the reserved prefix "xn--"'],
    ['s3://', 'bucket name "" must be 3 to 63 characters long (got 0)'],
    ['s3://ab', 'bucket name "ab" must be 3 to 63 characters long (got 2)'],
    ['s3://-bucket', 'bucket name "-bucket" must begin and end with a letter or digit'],
    ['s3://my bucket', 'bucket name "my bucket" may contain only lowercase letters, digits, dots and hyphens'],
    ['s3://bucket/a/../b', 'prefix "a/../b" must not contain empty, "." or ".." segments'],
    ['s3://bucket/..', 'prefix ".." must not contain empty, "." or ".." segments'],
    ['s3://bucket/a//b', 'prefix "a//b" must not contain empty, "." or ".." segments'],
    ['s3://bucket/a\u0001b', 'prefix "a\u0001b" must not contain control characters'],
    ['s3://bucket/a\nb', 'prefix "a\nb" must not contain control characters'],
    ['s3://bucket/a#b', 'prefix "a#b" must not contain \\ { } ^ % ` [ ] " < > ~ # |'],
  ])('refuses %j with the reason', (raw, problem) => {
    expect(refused(raw)).toBe(problem);
  });

  it.each([
    ['file:///abs/dir', '/abs/dir'],
    ['file:///abs/dir/', '/abs/dir'],
    ['file:///', '/'],
    ['file:///tmp/with%20space', '/tmp/with space'],
    ['  file:///tmp/out  ', '/tmp/out'],
    ['file://localhost/tmp/out', '/tmp/out'],
  ])('accepts the local folder %j as %j', (raw, directory) => {
    // Act
    const destination = accepted(raw);

    // Assess
    expect(destination).toEqual({ kind: 'file', directory, prefix: '' });
    expect(describeDestination(destination)).toBe(`file://${directory}`);
  });

  it.each(['file://out', 'file://rel/dir', 'file://./out', 'file://../out'])(
    'refuses the relative file URL %j instead of writing to an absolute folder',
    (raw) => {
      expect(refused(raw)).toBe('file:// destinations need an absolute path (file:///abs/dir)');
    },
  );

  it('refuses a file URL whose path is not valid percent-encoding', () => {
    expect(refused('file:///tmp/a%ZZb')).toBe('"file:///tmp/a%ZZb" is not a valid file:// URL');
  });

  it.each([
    ['bucket/prefix', '"bucket/prefix" must start with s3:// or file://'],
    ['S3://bucket', '"S3://bucket" must start with s3:// or file://'],
    ['https://bucket.s3.amazonaws.com', '"https://bucket.s3.amazonaws.com" must start with s3:// or file://'],
    ['/abs/dir', '"/abs/dir" must start with s3:// or file://'],
    ['  ', '"" must start with s3:// or file://'],
  ])('refuses %j that is neither s3:// nor file://', (raw, problem) => {
    expect(refused(raw)).toBe(problem);
  });
});

describe('Function: describeDestination', () => {
  it('writes an s3 destination back as its URI', () => {
    expect(describeDestination({ kind: 's3', bucket: 'b-1', prefix: 'a/b' })).toBe('s3://b-1/a/b');
    expect(describeDestination({ kind: 's3', bucket: 'b-1', prefix: '' })).toBe('s3://b-1');
  });
});

describe('Function: trimSlashes', () => {
  it.each([
    ['/a/b/', 'a/b'],
    ['  //a//  ', 'a'],
    ['a/b', 'a/b'],
    ['///', ''],
    ['', ''],
  ])('trims %j to %j', (value, expected) => {
    expect(trimSlashes(value)).toBe(expected);
  });
});
