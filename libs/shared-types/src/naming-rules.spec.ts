import { describe, expect, it } from 'vitest';
import { bucketNameProblem, identifierProblem, jobNameProblem, keyPrefixProblem } from './naming-rules.js';

describe('Function: bucketNameProblem', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.01', '1bucket', 'a'.repeat(63), 'rds-exports-local', '1.2.3', 'xn-bucket', 'bucket-s3', 'my-s3alias-x'])(
    'accepts %j',
    (name) => {
      expect(bucketNameProblem(name)).toBeNull();
    },
  );

  it.each([
    ['', 'must be 3 to 63 characters long (got 0)'],
    ['ab', 'must be 3 to 63 characters long (got 2)'],
    ['a'.repeat(64), 'must be 3 to 63 characters long (got 64)'],
    ['MyBucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['my_bucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['my bucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['bück', 'may contain only lowercase letters, digits, dots and hyphens'],
    [' my-bucket', 'may contain only lowercase letters, digits, dots and hyphens'],
    ['-bucket', 'must begin and end with a letter or digit'],
    ['bucket-', 'must begin and end with a letter or digit'],
    ['.bucket', 'must begin and end with a letter or digit'],
    ['bucket.', 'must begin and end with a letter or digit'],
    ['my..bucket', 'may not contain two adjacent dots'],
    ['192.168.1.1', 'may not be formatted as an IP address'],
    ['999.999.999.999', 'may not be formatted as an IP address'],
    ['xn--bucket', 'may not start with the reserved prefix "xn--"'],
    ['sthree-bucket', 'may not start with the reserved prefix "sthree-"'],
    ['amzn-s3-demo-bucket', 'may not start with the reserved prefix "amzn-s3-demo-"'],
    ['bucket-s3alias', 'may not end with the reserved suffix "-s3alias"'],
    ['bucket--ol-s3', 'may not end with the reserved suffix "--ol-s3"'],
    ['bucket.mrap', 'may not end with the reserved suffix ".mrap"'],
    ['bucket--x-s3', 'may not end with the reserved suffix "--x-s3"'],
    ['bucket--table-s3', 'may not end with the reserved suffix "--table-s3"'],
  ])('refuses %j: %s', (name, problem) => {
    expect(bucketNameProblem(name)).toBe(problem);
  });
});

describe('Function: keyPrefixProblem', () => {
  it.each(['', 'rds_exports', 'a/b/c', 'team-a/exports.v2', 'dt=2026-02-22', 'unicode/é/😀', 'with space', 'x'.repeat(512), 'a/.hidden', 'a/...'])(
    'accepts %j',
    (prefix) => {
      expect(keyPrefixProblem(prefix)).toBeNull();
    },
  );

  it.each([
    ['/abs', 'must not start with "/"'],
    ['a\u0000b', 'must not contain control characters'],
    ['a\u001fb', 'must not contain control characters'],
    ['a\u007fb', 'must not contain control characters'],
    ['a\tb', 'must not contain control characters'],
    ...['\\', '{', '}', '^', '%', '`', '[', ']', '"', '<', '>', '~', '#', '|'].map(
      (c) => [`a${c}b`, 'must not contain \\ { } ^ % ` [ ] " < > ~ # |'] as [string, string],
    ),
    ['a//b', 'must not contain empty, "." or ".." segments'],
    ['a/', 'must not contain empty, "." or ".." segments'],
    ['.', 'must not contain empty, "." or ".." segments'],
    ['..', 'must not contain empty, "." or ".." segments'],
    ['a/./b', 'must not contain empty, "." or ".." segments'],
    ['a/../b', 'must not contain empty, "." or ".." segments'],
    ['x'.repeat(513), 'must be at most 512 bytes'],
    ['é'.repeat(257), 'must be at most 512 bytes'],
  ])('refuses %j: %s', (prefix, problem) => {
    expect(keyPrefixProblem(prefix)).toBe(problem);
  });
});

describe('Function: identifierProblem', () => {
  it.each(['id', '_x', 'Order_Items$2', 'a1', 'a'.repeat(63), 'ORDER'])('accepts the plain identifier %j', (name) => {
    expect(identifierProblem(name, { qualified: false })).toBeNull();
    expect(identifierProblem(name, { qualified: true })).toBeNull();
  });

  it.each(['hr.employees', '_s.t$1', `${'s'.repeat(63)}.${'t'.repeat(63)}`])('accepts the qualified table %j', (name) => {
    expect(identifierProblem(name, { qualified: true })).toBeNull();
  });

  it.each([
    ['hr.employees', false, 'must not contain "."'],
    ['a.b.c', true, 'must be "table" or "schema.table"'],
    ['a.b.c', false, 'must not contain "."'],
  ] as const)('refuses %j (qualified: %s): %s', (name, qualified, problem) => {
    expect(identifierProblem(name, { qualified })).toBe(problem);
  });

  const ASCII_RULE = 'must be an ASCII identifier: a letter or "_" followed by up to 62 letters, digits, "_" or "$"';
  it.each(['', '1a', '$a', 'a-b', 'a b', 'x; DROP TABLE y', 'a"b', 'a`b', "a'b", 'é', 'naïve', 'a'.repeat(64), 'hr.', '.t', 'hr.1t', 'a\u0000'])(
    'refuses %j with the ASCII identifier rule',
    (name) => {
      expect(identifierProblem(name, { qualified: true })).toBe(ASCII_RULE);
    },
  );
});

describe('Function: jobNameProblem', () => {
  it.each(['employees', 'a', '0job', 'job_1-x', 'a'.repeat(63), 'orders-daily'])('accepts %j', (name) => {
    expect(jobNameProblem(name)).toBeNull();
  });

  it.each(['', 'Employees', '_job', '-job', 'a'.repeat(64), 'job name', 'job.x', 'jöb', 'job/x', ' job', 'job\n'])('refuses %j', (name) => {
    expect(jobNameProblem(name)).toBe(
      'must be 1 to 63 characters of lowercase letters, digits, "_" or "-", starting with a letter or digit',
    );
  });
});
