/**
 * `npm run invoke -- --config <file> --job <name>` end to end, as a user runs it (its own process):
 * a deployment config of one's own with a MariaDB and a PostgreSQL connection (not the demo's),
 * the real handler against the local S3 (s3rver) and DynamoDB (dynalite) that `npm start` would
 * keep running (here started by the test on free ports), printing the run summary.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStateTable } from '@rds-s3-export/aws';
import { localDynamoClientConfig, startDynamo, startS3, type LocalDynamo, type LocalS3 } from '@rds-s3-export/aws/testing';
import { freshMysqlDatabase, freshPostgresSchema } from '@rds-s3-export/export-core/testing';
import { LOCAL_STATE_TABLE } from '@rds-s3-export/export-runtime';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';

const INVOKE = resolve(import.meta.dirname, 'invoke.ts');
const BUCKET = 'invoke-e2e';
/** Unique per run: other worktrees run their tests against the same servers. */
const NAME = `invoke_e2e_${process.pid}`;

let s3: LocalS3;
let dynamo: LocalDynamo;
let my: Connection;
let pgAdmin: pg.Client;
let work: string;
let configFile: string;

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  dynamo = await startDynamo();
  const dynamoClient = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
  await ensureStateTable(dynamoClient, LOCAL_STATE_TABLE);
  dynamoClient.destroy();

  const shop = await freshMysqlDatabase(NAME);
  my = shop.admin;
  await my.query(`CREATE TABLE orders (id BIGINT PRIMARY KEY, total DECIMAL(20,4) NULL, updated_at DATETIME(6) NOT NULL);
    INSERT INTO orders VALUES (1, 12.3400, '2026-01-01 10:00:00.123456'), (9007199254740993, 99999999999999.9999, '2026-01-02 00:00:00'), (3, NULL, '2026-01-03 12:00:00')`);
  const analytics = await freshPostgresSchema(NAME);
  pgAdmin = analytics.admin;
  await pgAdmin.query(`CREATE TABLE "${NAME}".page_views (id bigint PRIMARY KEY, url text, viewed_at timestamptz NOT NULL);
    INSERT INTO "${NAME}".page_views VALUES (1, '/a', '2026-01-01T00:00:00Z'), (2, '', '2026-01-01T00:01:00Z')`);

  work = mkdtempSync(join(tmpdir(), 'invoke-e2e-'));
  configFile = join(work, 'two-databases.yaml');
  writeFileSync(
    configFile,
    `connections:
  shop:
    engine: mariadb
    secret: arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-AbCdEf
    url: ${shop.url}
    securityGroupId: sg-0123456789abcdef0
  analytics:
    engine: postgres
    secret: arn:aws:secretsmanager:eu-west-1:123456789012:secret:analytics-GhIjKl
    url: ${analytics.url}
    securityGroupId: sg-0fedcba9876543210
defaults:
  destination: { bucket: ${BUCKET}, layout: flat }
jobs:
  - name: orders
    connection: shop
    table: orders
    primaryKey: [id]
    incremental: { cursorColumn: updated_at, keyColumn: id, lagSeconds: 0 }
  - name: page-views
    connection: analytics
    table: ${NAME}.page_views
    primaryKey: [id]
`,
  );
});

afterAll(async () => {
  await my?.query(`DROP DATABASE IF EXISTS \`${NAME}\``);
  await my?.end();
  await pgAdmin?.query(`DROP SCHEMA IF EXISTS "${NAME}" CASCADE`);
  await pgAdmin?.end();
  await s3?.stop();
  await dynamo?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `npm run invoke -- …` (`tsx apps/exporter/src/local/invoke.ts`) in its own process, pointed at this suite's S3 and DynamoDB. */
function invoke(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', INVOKE, ...argv], {
    env: { ...process.env, DEMO_S3_PORT: String(s3.port), DEMO_DYNAMO_PORT: String(dynamo.port), DEMO_DIR: work, RDS_S3_EXPORT_CONFIG: '', DEMO_PG_PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

interface Summary {
  job: string;
  status: string;
  rows: number;
  keys: string[];
}

describe('npm run invoke -- --config <file> --job <name>', () => {
  it('runs a MariaDB job of the file through the handler to the local S3, exact values, and prints its run summary', async () => {
    const result = await invoke(['--config', configFile, '--job', 'orders']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as Summary;
    expect(summary).toMatchObject({ job: 'orders', status: 'committed', rows: 3 });
    expect(summary.keys).toHaveLength(1);
    // Incremental: in (cursor, key) order; BIGINT and DECIMAL exactly as the server has them, NULL empty.
    expect(readFileSync(s3.bucketPath(BUCKET, summary.keys[0]!), 'utf8')).toBe(
      'id,total,updated_at\n1,12.3400,2026-01-01 10:00:00.123456\n9007199254740993,99999999999999.9999,2026-01-02 00:00:00.000000\n3,,2026-01-03 12:00:00.000000\n',
    );
  });

  it('runs a PostgreSQL job of the same file on its own connection', async () => {
    const result = await invoke(['--config', configFile, '--job', 'page-views']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as Summary;
    expect(summary).toMatchObject({ job: 'page-views', status: 'committed', rows: 2 });
    expect(readFileSync(s3.bucketPath(BUCKET, summary.keys[0]!), 'utf8')).toBe('id,url,viewed_at\n1,/a,2026-01-01 00:00:00\n2,"",2026-01-01 00:01:00\n');
  });

  it('leaves the ports of its own connections alone when DEMO_PG_PORT moves the demo\'s sample database', async () => {
    // DEMO_PG_PORT names where `npm start`'s sample PostgreSQL listens; it once replaced the port
    // of every job's connection, so this MariaDB job went to port 1 and failed.
    const result = await invoke(['--config', configFile, '--job', 'orders', '--mode', 'full'], { DEMO_PG_PORT: '1' });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout) as Summary).toMatchObject({ job: 'orders', status: 'committed', rows: 3 });
  });

  it('names the file and its jobs for a job it does not have', async () => {
    const result = await invoke(['--config', configFile, '--job', 'employees']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`unknown job "employees"; known jobs: orders, page-views (in ${configFile})`);
    expect(result.stdout).toBe('');
  });
});
