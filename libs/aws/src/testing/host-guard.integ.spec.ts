/**
 * The local S3 and DynamoDB that `npm start` runs answer only requests addressed to the
 * loopback names: a DNS-rebinding page (Host: its own name) gets 421 and none of the data.
 */
import { request as httpRequest } from 'node:http';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamo, type LocalDynamo } from './local-dynamo.js';
import { localS3ClientConfig, startS3, type LocalS3 } from './local-s3.js';

let s3: LocalS3;
let dynamo: LocalDynamo;

beforeAll(async () => {
  s3 = await startS3({ buckets: ['exports'] });
  const client = new S3Client(localS3ClientConfig(s3.endpoint));
  await client.send(new PutObjectCommand({ Bucket: 'exports', Key: 'rds_exports/employees.csv', Body: 'id,salary\n1,secret-salary\n' }));
  client.destroy();
  dynamo = await startDynamo();
});

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
});

function send(port: number, host: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: { host, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

// dynalite wants a SigV4-shaped Authorization header (it checks the shape, not the signature).
const listTables = {
  method: 'POST',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.ListTables',
    'x-amz-date': '20260101T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=DYNALITE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
  },
  body: '{}',
};

describe('Function: guardLoopbackHost (s3rver, dynalite)', () => {
  it('s3rver refuses a request addressed to another name, and serves the loopback names', async () => {
    for (const host of [`rebind.attacker.example:${s3.port}`, 'rebind.attacker.example', `127.0.0.1.attacker.example:${s3.port}`]) {
      for (const path of ['/exports/rds_exports/employees.csv', '/exports?list-type=2', '/']) {
        const refused = await send(s3.port, host, { path });
        expect(refused.status, `${host} ${path}`).toBe(421);
        expect(refused.body).toContain('<Code>HostNotAllowed</Code>');
        expect(refused.body).not.toContain('secret-salary');
        expect(refused.body).not.toContain('employees.csv');
      }
    }
    for (const host of [`127.0.0.1:${s3.port}`, `localhost:${s3.port}`]) {
      const served = await send(s3.port, host, { path: '/exports/rds_exports/employees.csv' });
      expect(served.status, host).toBe(200);
      expect(served.body).toContain('secret-salary');
    }
  });

  it('dynalite refuses a request addressed to another name, and serves the loopback names', async () => {
    const refused = await send(dynamo.port, `rebind.attacker.example:${dynamo.port}`, listTables);
    expect(refused.status).toBe(421);
    expect(JSON.parse(refused.body)).toMatchObject({ __type: 'HostNotAllowed' });
    const served = await send(dynamo.port, `localhost:${dynamo.port}`, listTables);
    expect(served.status, served.body).toBe(200);
    expect(JSON.parse(served.body)).toEqual({ TableNames: [] });
  });
});
