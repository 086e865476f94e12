/**
 * The Lambda handler end to end: a scheduler event -> credentials from Secrets Manager (the
 * one mocked service: it has no local server) -> PostgreSQL -> s3rver, for an `employees` job
 * shaped like the demo's (its connection's secret and `tls: disable`). Asserts on the stored
 * object, the manifest, the run-summary log line, and that the password appears nowhere.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { parseCsv, TEST_POSTGRES_URL } from '@rds-s3-export/export-core/testing';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureStateTable } from '@rds-s3-export/aws';
import { localDynamoClientConfig, localS3ClientConfig, startDynamo, startS3, type LocalDynamo, type LocalS3 } from '@rds-s3-export/aws/testing';

const BUCKET = 'handler-test-bucket';
/** The demo's employees job (tools/demo/rds-s3-export.demo.yaml); an app does not import a tool, so it is spelled out here. */
const DEPLOYMENT_CONFIG = (host: string) => `
connections:
  sample:
    engine: postgres
    url: postgres://postgres@${host}/postgres
    secret: rds-s3-export/employees
    tls: disable
defaults:
  destination:
    bucket: rds-exports-local
jobs:
  - name: employees
    connection: sample
    table: employees
    columns: [id, first_name, last_name, email, department, salary, hired_on, updated_at, active, notes]
    primaryKey: [id]
    incremental: { cursorColumn: updated_at, keyColumn: id, lagSeconds: 30 }
    schedule: { expression: rate(5 minutes), timeZone: UTC }
    destination: { prefix: rds_exports, layout: hive, compression: none }
`;
const PASSWORD = 'Sup3r-Secret-Pa55';
let s3: LocalS3;
let dynamo: LocalDynamo;
let admin: pg.Client;
let client: S3Client;
const secrets = mockClient(SecretsManagerClient);
const logLines: string[] = [];

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  client = new S3Client(localS3ClientConfig(s3.endpoint));
  dynamo = await startDynamo();
  const dynamoClient = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
  await ensureStateTable(dynamoClient, 'exporter-state');
  dynamoClient.destroy();
  // A database of its own: the demo config's employees job reads the unqualified table `employees`.
  const server = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await server.connect();
  await server.query('DROP DATABASE IF EXISTS handler_test WITH (FORCE)');
  await server.query('CREATE DATABASE handler_test');
  await server.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = '/handler_test';
  admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  // The shape the demo config's employees job expects: incremental on (updated_at, id).
  await admin.query(`CREATE TABLE employees AS SELECT g::bigint AS id, 'n' || g AS first_name, 'l' || g AS last_name, 'e' || g || '@example.com' AS email,
    'Ops' AS department, 1000.50::numeric(12,2) AS salary, date '2020-01-01' AS hired_on,
    timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second' AS updated_at, g % 2 = 0 AS active,
    CASE WHEN g % 2 = 1 THEN NULL ELSE '' END AS notes FROM generate_series(1, 1000) g`);
  await admin.query('ALTER TABLE employees ADD PRIMARY KEY (id)');

  // What the CDK stack sets; the handler reads it once at module load.
  vi.stubEnv('EXPORT_BUCKET', ` ${BUCKET} `);
  // The deployment config (in AWS: the deployment-config.json bundled next to the handler).
  // The test server's port: the Lambda connects on the connection's port only.
  const pgServer = new URL(TEST_POSTGRES_URL);
  const config = join(mkdtempSync(join(tmpdir(), 'handler-config-')), 'deployment-config.yaml');
  writeFileSync(config, DEPLOYMENT_CONFIG(`${pgServer.hostname}:${pgServer.port || 5432}`));
  vi.stubEnv('RDS_S3_EXPORT_CONFIG', config);
  vi.stubEnv('STATE_TABLE', 'exporter-state');
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ENDPOINT_URL_S3', s3.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  // Powertools writes INFO to stdout and ERROR to stderr; capture both.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((line: string | Uint8Array) => {
      logLines.push(String(line));
      return true;
    });
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await admin?.end();
  await s3?.stop();
  await dynamo?.stop();
});

function secretFor(password: string) {
  const server = new URL(TEST_POSTGRES_URL);
  // Trust auth on the test server accepts any password; the point is that it is never printed.
  return JSON.stringify({ username: decodeURIComponent(server.username || 'postgres'), password, host: server.hostname, port: Number(server.port || 5432), dbname: 'handler_test', engine: 'postgres' });
}

describe('Function: handler', () => {
  it('exports the scheduled slot to S3 with the manifest last and logs a run summary', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretFor(PASSWORD) });
    const { handler } = await import('./handler.js');

    const summary = await handler({ job: 'employees', scheduledTime: '2026-02-22T10:12:00Z' }, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 900_000 });

    const key = 'rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv';
    // The credentials came from the job's connection's secret, nothing else.
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual(['rds-s3-export/employees']);
    expect(summary).toMatchObject({ runId: 'employees_20260222_101200', status: 'committed', mode: 'incremental', rows: 1000, keys: [key] });
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentType).toBe('text/csv; charset=utf-8');
    const body = await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
    const { header, rows } = parseCsv(body);
    expect(header).toEqual(['id', 'first_name', 'last_name', 'email', 'department', 'salary', 'hired_on', 'updated_at', 'active', 'notes']);
    expect(rows[0]).toEqual(['1', 'n1', 'l1', 'e1@example.com', 'Ops', '1000.50', '2020-01-01', '2026-01-01 00:00:01', 'false', null]);
    expect(rows[1]).toEqual(['2', 'n2', 'l2', 'e2@example.com', 'Ops', '1000.50', '2020-01-01', '2026-01-01 00:00:02', 'true', '']);
    const stored = await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: '_manifests/employees/employees_20260222_101200.json' }))).Body!.transformToString();
    expect(JSON.parse(stored)).toMatchObject({ runId: 'employees_20260222_101200', rows: 1000, status: 'committed', cursor: { from: null, to: { value: '2026-01-01 00:16:40+00', key: '1000' } } });

    const lines = logLines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const logged = lines.find((l) => l.message === 'run summary');
    expect(logged).toMatchObject({ level: 'INFO', service: 'rds-s3-export', status: 'committed', rows: 1000, runId: 'employees_20260222_101200', requestId: 'req-1', keys: [key] });
    const emf = lines.find((l) => '_aws' in l);
    expect(emf).toMatchObject({ job: 'employees', RowsExported: 1000, RunFailed: 0, RunSkipped: 0 });
    // The secret's user is the superuser: the run warns once, naming it (README "Least-privilege database user").
    const privileged = lines.filter((l) => l.message === 'the database user holds more than read privileges');
    expect(privileged).toEqual([expect.objectContaining({ level: 'WARN', requestId: 'req-1', runId: 'employees_20260222_101200', privileges: ['superuser (rolsuper)'] })]);

    // The same slot again (a scheduler retry): a no-op.
    expect(await handler({ job: 'employees', scheduledTime: '2026-02-22T10:12:00Z' }, { awsRequestId: 'req-2' })).toMatchObject({ status: 'already-committed', rows: 1000 });

    // Bad events and unknown jobs are refused with the field named; the password is in no log line.
    await expect(handler({ job: 'nope' })).rejects.toMatchObject({ errorClass: 'config', code: 'JOB_UNKNOWN' });
    await expect(handler({ job: 'employees', scheduledTime: 'yesterday' })).rejects.toMatchObject({
      code: 'EVENT_INVALID',
      message: expect.stringContaining('event.scheduledTime: must be an ISO-8601 time'),
    });
    const everything = logLines.join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).toContain('"code":"JOB_UNKNOWN"');
  });
});
