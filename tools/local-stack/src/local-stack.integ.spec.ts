import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { localS3ClientConfig, startLocalStack, startS3 } from './index.js';

describe('startLocalStack', () => {
  it('starts S3, PostgreSQL and DynamoDB together and stops them all, idempotently', async () => {
    const stack = await startLocalStack({ s3: { buckets: ['exports', 'manifests'] }, postgres: { seedEmployees: 25 }, dynamo: {} });
    const { s3, postgres, dynamo } = stack;
    if (!s3 || !postgres || !dynamo) throw new Error('every server should have started');
    const client = new S3Client(localS3ClientConfig(s3.endpoint));
    const db = new pg.Client({ connectionString: postgres.url });
    try {
      const buckets = await client.send(new ListBucketsCommand({}));
      expect(buckets.Buckets?.map((bucket) => bucket.Name).sort()).toEqual(['exports', 'manifests']);

      await db.connect();
      const { rows } = await db.query<{ count: string }>('SELECT count(*)::text AS count FROM employees');
      expect(rows).toEqual([{ count: '25' }]);
      await db.end();

      const tables = await fetch(dynamo.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          'x-amz-date': '20260101T000000Z',
          authorization: 'AWS4-HMAC-SHA256 Credential=DYNALITE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
        },
        body: '{}',
      });
      expect(await tables.json()).toEqual({ TableNames: [] });
    } finally {
      client.destroy();
      await Promise.all([stack.stop(), stack.stop()]);
      await stack.stop();
    }
    await expect(fetch(`${s3.endpoint}/exports`)).rejects.toThrow();
    await expect(fetch(dynamo.endpoint, { method: 'POST' })).rejects.toThrow();
    const late = new pg.Client({ connectionString: postgres.url });
    late.on('error', () => undefined);
    await expect(late.connect()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('starts only the servers asked for', async () => {
    const stack = await startLocalStack({ s3: false, postgres: false });
    try {
      expect(stack.s3).toBeUndefined();
      expect(stack.postgres).toBeUndefined();
      expect(stack.dynamo?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await stack.stop();
    }
  });

  it('fails with the cause when one server cannot start, after stopping the others', async () => {
    const busy = await startS3();
    try {
      await expect(startLocalStack({ s3: {}, postgres: false, dynamo: { port: busy.port } })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await busy.stop();
    }
  });
});
