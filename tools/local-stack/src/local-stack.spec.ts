import { describe, expect, it } from 'vitest';
import { localDynamoClientConfig, localS3ClientConfig, sampleEmployee, sampleNote } from './index.js';

describe('localS3ClientConfig', () => {
  it('points a path-style client at the endpoint with checksums only when required', () => {
    expect(localS3ClientConfig('http://127.0.0.1:4569')).toEqual({
      endpoint: 'http://127.0.0.1:4569',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
});

describe('localDynamoClientConfig', () => {
  it('points a client at the endpoint with dummy credentials', () => {
    expect(localDynamoClientConfig('http://127.0.0.1:8000')).toEqual({
      endpoint: 'http://127.0.0.1:8000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'DYNALITE', secretAccessKey: 'DYNALITE' },
    });
  });
});

describe('sampleEmployee', () => {
  it('is deterministic and in PostgreSQL text form', () => {
    expect(sampleEmployee(3)).toEqual(sampleEmployee(3));
    expect(sampleEmployee(3)).toEqual({
      firstName: 'Edsger',
      lastName: 'Lovelace',
      email: 'edsger.lovelace.3@example.com',
      department: 'Support',
      salary: '53757.11',
      hiredOn: '2000-02-09',
      updatedAt: '2026-01-01 00:03:03.023721+00',
      active: true,
      notes: 'said "hello" and \'bye\'',
    });
  });

  it('cycles the notes through NULL, empty string, commas, quotes, newlines, plain and non-ASCII text', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(sampleNote)).toEqual([
      null,
      '',
      'likes commas, semicolons; and more, commas',
      'said "hello" and \'bye\'',
      'line one\nline two\r\nline three',
      'plain note 5',
      'café ☕ naïve — 日本',
      null,
    ]);
  });

  it('keeps salary exact with two decimals and emails ASCII-only', () => {
    for (let index = 0; index < 2_000; index++) {
      const row = sampleEmployee(index);
      expect(row.salary).toMatch(/^\d{5,6}\.\d{2}$/);
      expect(row.email).toMatch(/^[a-z0-9.]+@example\.com$/);
      expect(row.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00$/);
    }
  });
});
