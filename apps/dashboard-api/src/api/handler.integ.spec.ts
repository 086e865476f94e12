/**
 * The API against a real S3 (s3rver) holding real manifests and objects, and a JSON-lines run
 * log as the local stack writes it: listing, pagination, health, run detail, the presign
 * round trip (download the URL, compare bytes and sha256) and every refusal.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ExportCatalog } from '@rds-s3-export/aws';
import { putFakeRun } from '@rds-s3-export/aws/testing';
import { buildCatalog } from '@rds-s3-export/jobs';
import { localS3ClientConfig, startS3, type LocalS3 } from '@rds-s3-export/local-stack';
import {
  ApiErrorBodySchema,
  DownloadResponseSchema,
  JobsResponseSchema,
  RunDetailResponseSchema,
  RunsResponseSchema,
  type JobConfigInput,
} from '@rds-s3-export/shared-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRunLogs } from '../local/file-run-logs.js';
import { createApiHandler, type ApiHandler } from './handler.js';
import type { ApiRequest } from './http.js';

const BUCKET = 'exports-test';
const job = (name: string, expression = 'rate(5 minutes)'): JobConfigInput => ({
  name,
  engine: 'postgres',
  connection: { url: 'postgres://postgres@127.0.0.1:5432/postgres' },
  table: name,
  schedule: { expression, timeZone: 'UTC' },
  destination: { bucket: BUCKET },
});
const jobs = buildCatalog([job('orders'), job('quiet'), job('broken'), job('nightly', 'rate(1 day)')]);
const NOW = new Date('2026-02-22T10:22:00Z');

let s3: LocalS3;
let client: S3Client;
let dir: string;
let api: ApiHandler;
const reported: unknown[] = [];

const summaryLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: fields['status'] === 'failed' ? 'ERROR' : 'INFO', service: 'rds-s3-export', message: 'run summary', mode: 'incremental', rows: 0, bytes: 0, durationMs: 40, keys: [], cursor: null, ...fields });

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  client = new S3Client(localS3ClientConfig(s3.endpoint));
  dir = await mkdtemp(join(tmpdir(), 'dashboard-api-'));
  // orders: committed 10:00, 10:05 (after one failed attempt), failed 10:10, committed 10:15, 10:20.
  for (const [runId, body] of [
    ['orders_20260222_100000', 'id,name\n1,a\n2,b\n'],
    ['orders_20260222_100500', 'id,name\n3,c\n'],
    ['orders_20260222_101500', 'id,name\n4,"d, e"\n5,f\n6,g\n'],
    ['orders_20260222_102000', 'id,name\n7,h\n'],
  ] as const) {
    await putFakeRun(client, BUCKET, { job: 'orders', runId, bodies: [body], cursor: { from: null, to: { value: '2026-02-22 10:00:00', key: '7' } } });
  }
  await putFakeRun(client, BUCKET, { job: 'nightly', runId: 'nightly_20260220_000000', bodies: ['id,name\n1,a\n'] });
  // A second object that exists in the bucket but in no manifest.
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rds_exports/orders/dt=2026-02-22/secret.csv', Body: 'not yours' }));
  const log = join(dir, 'exporter.jsonl');
  await appendFile(
    log,
    [
      JSON.stringify({ level: 'INFO', timestamp: '2026-02-22T10:00:01.000Z', message: 'lease taken', runId: 'orders_20260222_100000', job: 'orders', phase: 'lease' }),
      JSON.stringify({ level: 'INFO', timestamp: '2026-02-22T10:00:02.000Z', message: 'export committed', runId: 'orders_20260222_100000', job: 'orders', phase: 'commit', rows: 2 }),
      summaryLine({ timestamp: '2026-02-22T10:00:02.500Z', job: 'orders', runId: 'orders_20260222_100000', status: 'committed', rows: 2 }),
      summaryLine({ timestamp: '2026-02-22T10:05:01.000Z', job: 'orders', runId: 'orders_20260222_100500', status: 'failed', errorClass: 'network', code: 'S3_UNREACHABLE', error: 'S3 unreachable' }),
      summaryLine({ timestamp: '2026-02-22T10:10:01.000Z', job: 'orders', runId: 'orders_20260222_101000', status: 'failed', errorClass: 'database', code: 'DB_UNREACHABLE', error: 'connection refused' }),
      'not json at all',
      summaryLine({ timestamp: '2026-02-22T10:20:01.000Z', job: 'broken', runId: 'broken_20260222_102000', status: 'failed', errorClass: 'auth', code: 'DB_AUTH', error: 'password authentication failed' }),
      JSON.stringify({ level: 'INFO', timestamp: '2026-02-22T10:21:00.000Z', message: 'lease taken', runId: 'quiet_20260222_102100', job: 'quiet', phase: 'lease' }),
    ].join('\n') + '\n',
  );
  api = createApiHandler({
    jobs: () => jobs,
    catalogFor: (config) => new S3ExportCatalog({ client, bucket: config.destination.bucket }),
    logs: new FileRunLogs({ file: log }),
    now: () => NOW,
    reportError: (error) => reported.push(error),
  });
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const request = (method: string, path: string, query: Record<string, string> = {}, body: string | null = null): ApiRequest => ({ method, path, query, body });
async function call(req: ApiRequest) {
  const response = await api(req);
  return { ...response, json: JSON.parse(response.body) as unknown };
}
async function expectError(req: ApiRequest, status: number, code: string) {
  const response = await call(req);
  expect(response.status).toBe(status);
  const body = ApiErrorBodySchema.parse(response.json);
  expect(body.error.code).toBe(code);
  expect(response.body).not.toMatch(/at .*\.ts:\d+|S3RVER|\/tmp\//);
  return body.error.message;
}

describe('Function: createApiHandler', () => {
  it('GET /api/jobs: health, last run, next run and recent rows of every job', async () => {
    const response = await call(request('GET', '/api/jobs'));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const { jobs: cards } = JobsResponseSchema.parse(response.json);
    const byName = Object.fromEntries(cards.map((card) => [card.name, card]));
    expect(Object.keys(byName)).toEqual(['orders', 'quiet', 'broken', 'nightly']);
    expect(byName['orders']).toMatchObject({ health: 'ok', nextRunAt: '2026-02-22T10:25:00.000Z', lastRun: { runId: 'orders_20260222_102000', status: 'committed', rows: 1 } });
    expect(byName['orders']!.recentRuns.map((run) => [run.runId.slice(-6), run.status, run.rows])).toEqual([
      ['102000', 'committed', 1],
      ['101500', 'committed', 3],
      ['101000', 'failed', 0],
      ['100500', 'committed', 1],
      ['100000', 'committed', 2],
    ]);
    expect(byName['quiet']).toMatchObject({ health: 'never-run', lastRun: null, lastCommittedAt: null });
    expect(byName['broken']).toMatchObject({ health: 'failing', lastRun: { status: 'failed', errorClass: 'auth', errorCode: 'DB_AUTH' } });
    expect(byName['broken']!.healthReason).toContain('auth/DB_AUTH');
    // Daily job, last commit 2 days 10 h ago > 2 periods.
    expect(byName['nightly']).toMatchObject({ health: 'stale', nextRunAt: '2026-02-23T00:00:00.000Z' });
    expect(byName['nightly']!.healthReason).toBe('no committed run in the last 2 days (two schedule periods)');
  });

  it('GET /api/jobs: a backfill of an old slot that failed after the newest commit makes the job failing, and both times are listed', async () => {
    // The 10:15 slot committed at 10:15:01; a backfill of the 09:00 slot failed at 10:21.
    const name = 'backfilled';
    await putFakeRun(client, BUCKET, { job: name, runId: `${name}_20260222_101500`, bodies: ['id\n1\n'] });
    const log = join(dir, 'backfilled.jsonl');
    await appendFile(
      log,
      `${summaryLine({ timestamp: '2026-02-22T10:21:00.000Z', job: name, runId: `${name}_20260222_090000`, status: 'failed', durationMs: 2000, errorClass: 'database', code: 'DB_UNREACHABLE', error: 'connection refused' })}\n`,
    );
    const backfillApi = createApiHandler({
      jobs: () => buildCatalog([job(name)]),
      catalogFor: (config) => new S3ExportCatalog({ client, bucket: config.destination.bucket }),
      logs: new FileRunLogs({ file: log }),
      now: () => NOW,
      reportError: (error) => reported.push(error),
    });

    const [card] = JobsResponseSchema.parse(JSON.parse((await backfillApi(request('GET', '/api/jobs'))).body)).jobs;
    expect(card).toMatchObject({ name, health: 'failing', lastRun: { runId: `${name}_20260222_090000`, status: 'failed', errorCode: 'DB_UNREACHABLE' } });
    expect(card!.healthReason).toBe('the latest run failed (database/DB_UNREACHABLE)');

    // The history lists it by its slot, with when it actually ran.
    const { runs } = RunsResponseSchema.parse(JSON.parse((await backfillApi(request('GET', `/api/jobs/${name}/runs`))).body));
    expect(runs.map((run) => [run.runId, run.status, run.scheduledAt, run.startedAt])).toEqual([
      [`${name}_20260222_101500`, 'committed', '2026-02-22T10:15:00.000Z', '2026-02-22T10:15:01.000Z'],
      [`${name}_20260222_090000`, 'failed', '2026-02-22T09:00:00.000Z', '2026-02-22T10:20:58.000Z'],
    ]);
    // A failed incremental run committed no window.
    expect(runs[1]!.cursor).toBeNull();
  });

  it('GET /api/jobs/{job}/runs: newest first, failures merged in, paginated with the cursor', async () => {
    const first = RunsResponseSchema.parse((await call(request('GET', '/api/jobs/orders/runs', { limit: '2' }))).json);
    expect(first.runs.map((run) => run.runId)).toEqual(['orders_20260222_102000', 'orders_20260222_101500']);
    expect(first.nextCursor).toBe('orders_20260222_101500');
    expect(first.runs[1]).toMatchObject({ rows: 3, bytes: 'id,name\n4,"d, e"\n5,f\n6,g\n'.length, durationMs: 1500, cursor: { from: null, to: { value: '2026-02-22 10:00:00', key: '7' } } });

    const second = RunsResponseSchema.parse((await call(request('GET', '/api/jobs/orders/runs', { limit: '2', cursor: first.nextCursor! }))).json);
    expect(second.runs.map((run) => [run.runId, run.status, run.failedAttempts])).toEqual([
      ['orders_20260222_101000', 'failed', 1],
      ['orders_20260222_100500', 'committed', 1],
    ]);
    expect(second.runs[0]).toMatchObject({ errorClass: 'database', errorCode: 'DB_UNREACHABLE', error: 'connection refused', rows: 0, objects: [] });

    const third = RunsResponseSchema.parse((await call(request('GET', '/api/jobs/orders/runs', { limit: '2', cursor: second.nextCursor! }))).json);
    expect(third.runs.map((run) => run.runId)).toEqual(['orders_20260222_100000']);
    expect(third.nextCursor).toBeNull();

    const all = RunsResponseSchema.parse((await call(request('GET', '/api/jobs/orders/runs'))).json);
    expect(all.runs).toHaveLength(5);
    expect(all.nextCursor).toBeNull();
  });

  it('validates the history query: limit 1..100, cursor of the same job, known job', async () => {
    expect(await expectError(request('GET', '/api/jobs/orders/runs', { limit: '0' }), 400, 'INVALID_REQUEST')).toMatch(/^query\.limit: /);
    await expectError(request('GET', '/api/jobs/orders/runs', { limit: '101' }), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/jobs/orders/runs', { limit: 'ten' }), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/jobs/orders/runs', { cursor: 'x' }), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/jobs/orders/runs', { cursor: 'quiet_20260222_100000' }), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/jobs/orders/runs', { other: '1' }), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/jobs/Orders!/runs'), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/jobs/unknown/runs'), 404, 'JOB_NOT_FOUND');
  });

  it('GET /api/runs/{runId}: the manifest and the run\'s log lines', async () => {
    const detail = RunDetailResponseSchema.parse((await call(request('GET', '/api/runs/orders_20260222_100000'))).json);
    expect(detail).toMatchObject({ runId: 'orders_20260222_100000', job: 'orders', status: 'committed', failure: null, logsTruncated: false });
    expect(detail.manifest?.objects[0]?.sha256).toBe(createHash('sha256').update('id,name\n1,a\n2,b\n').digest('hex'));
    expect(detail.logs.map((line) => [line.level, line.message, line.phase])).toEqual([
      ['INFO', 'lease taken', 'lease'],
      ['INFO', 'export committed', 'commit'],
      ['INFO', 'run summary', null],
    ]);
    expect(detail.logs[1]!.fields).toMatchObject({ rows: 2, runId: 'orders_20260222_100000' });
  });

  it('GET /api/runs/{runId}: a failed run from its summary, a running one from its lines, 404 for nothing', async () => {
    const failed = RunDetailResponseSchema.parse((await call(request('GET', '/api/runs/orders_20260222_101000'))).json);
    expect(failed).toMatchObject({ status: 'failed', manifest: null, failure: { errorClass: 'database', code: 'DB_UNREACHABLE', error: 'connection refused', at: '2026-02-22T10:10:01.000Z' } });
    const running = RunDetailResponseSchema.parse((await call(request('GET', '/api/runs/quiet_20260222_102100'))).json);
    expect(running).toMatchObject({ status: 'running', manifest: null, failure: null });
    await expectError(request('GET', '/api/runs/orders_20260101_000000'), 404, 'RUN_NOT_FOUND');
    await expectError(request('GET', '/api/runs/nosuchjob_20260101_000000'), 404, 'JOB_NOT_FOUND');
    await expectError(request('GET', '/api/runs/orders_20260231_000000'), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/runs/..%2F..%2Fetc%2Fpasswd'), 400, 'INVALID_REQUEST');
    await expectError(request('GET', '/api/runs/%E0%A4%A'), 400, 'INVALID_REQUEST');
  });

  it('POST /api/runs/{runId}/download: a 5-minute presigned URL that downloads the exact object', async () => {
    const key = 'rds_exports/orders/dt=2026-02-22/orders_20260222_101500.csv';
    const response = await call(request('POST', '/api/runs/orders_20260222_101500/download', {}, JSON.stringify({ key })));
    expect(response.status).toBe(200);
    const signed = DownloadResponseSchema.parse(response.json);
    expect(signed).toMatchObject({ key, filename: 'orders_20260222_101500.csv', expiresAt: '2026-02-22T10:27:00.000Z' });
    expect(new URL(signed.url).searchParams.get('X-Amz-Expires')).toBe('300');

    const download = await fetch(signed.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="orders_20260222_101500.csv"');
    const bytes = Buffer.from(await download.arrayBuffer());
    const detail = RunDetailResponseSchema.parse((await call(request('GET', '/api/runs/orders_20260222_101500'))).json);
    const object = detail.manifest!.objects[0]!;
    expect(bytes.length).toBe(object.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(object.sha256);
  });

  it.each([
    ['a key of the bucket that is in no manifest', { key: 'rds_exports/orders/dt=2026-02-22/secret.csv' }, 404, 'OBJECT_NOT_IN_MANIFEST'],
    ['another run\'s key', { key: 'rds_exports/orders/dt=2026-02-22/orders_20260222_100000.csv' }, 404, 'OBJECT_NOT_IN_MANIFEST'],
    ['the manifest itself', { key: '_manifests/orders/orders_20260222_101500.json' }, 400, 'KEY_OUTSIDE_PREFIX'],
    ['a ".." traversal', { key: 'rds_exports/orders/../../_manifests/orders/orders_20260222_101500.json' }, 400, 'KEY_TRAVERSAL'],
    ['a traversal that lands back on the real key', { key: 'rds_exports/x/../orders/dt=2026-02-22/orders_20260222_101500.csv' }, 400, 'KEY_TRAVERSAL'],
    ['an encoded traversal', { key: 'rds_exports/%2e%2e/%2e%2e/etc/passwd' }, 400, 'KEY_ENCODED'],
    ['an encoded slash', { key: 'rds_exports%2Forders%2Fdt=2026-02-22%2Forders_20260222_101500.csv' }, 400, 'KEY_ENCODED'],
    ['another bucket (URL)', { key: 's3://other-bucket/rds_exports/orders/x.csv' }, 400, 'KEY_FOREIGN'],
    ['an absolute key', { key: '/rds_exports/orders/dt=2026-02-22/orders_20260222_101500.csv' }, 400, 'KEY_FOREIGN'],
    ['a bucket field', { key: 'rds_exports/orders/dt=2026-02-22/orders_20260222_101500.csv', bucket: 'other-bucket' }, 400, 'INVALID_REQUEST'],
    ['a backslash', { key: 'rds_exports\\..\\x' }, 400, 'INVALID_REQUEST'],
    ['an empty key', { key: '' }, 400, 'INVALID_REQUEST'],
  ])('POST download refuses %s, never signing it', async (_what, body, status, code) => {
    const response = await call(request('POST', '/api/runs/orders_20260222_101500/download', {}, JSON.stringify(body)));
    expect(response.status).toBe(status);
    expect(ApiErrorBodySchema.parse(response.json).error.code).toBe(code);
    expect(response.body).not.toContain('X-Amz-Signature');
  });

  it('POST download refuses runs without a manifest, bad JSON, a missing body and wrong methods', async () => {
    const key = 'rds_exports/orders/dt=2026-02-22/orders_20260222_101000.csv';
    await expectError(request('POST', '/api/runs/orders_20260222_101000/download', {}, JSON.stringify({ key })), 404, 'RUN_NOT_FOUND');
    await expectError(request('POST', '/api/runs/orders_20260222_101500/download', {}, '{"key":'), 400, 'INVALID_JSON');
    await expectError(request('POST', '/api/runs/orders_20260222_101500/download'), 400, 'INVALID_REQUEST');
    await expectError(request('POST', '/api/runs/orders_20260222_101500/download', {}, JSON.stringify({ key: 'x'.repeat(20_000) })), 413, 'BODY_TOO_LARGE');
    const response = await call(request('GET', '/api/runs/orders_20260222_101500/download'));
    expect(response.status).toBe(405);
    expect(response.headers['allow']).toBe('POST');
    await expectError(request('DELETE', '/api/jobs'), 405, 'METHOD_NOT_ALLOWED');
    await expectError(request('GET', '/api/nope'), 404, 'NOT_FOUND');
  });

  it('answers an S3 outage with a coded 502 and no internals', async () => {
    const down = createApiHandler({
      jobs: () => jobs,
      catalogFor: (config) => new S3ExportCatalog({ client: new S3Client({ ...localS3ClientConfig('http://127.0.0.1:9'), maxAttempts: 1 }), bucket: config.destination.bucket }),
      logs: new FileRunLogs({ file: join(dir, 'missing.jsonl') }),
      now: () => NOW,
      reportError: (error) => reported.push(error),
    });
    const response = await down(request('GET', '/api/jobs/orders/runs'));
    expect(response.status).toBe(502);
    const body = ApiErrorBodySchema.parse(JSON.parse(response.body));
    expect(body.error.code).toBe('S3_UNREACHABLE');
    expect(body.error.message).not.toMatch(/127\.0\.0\.1|exports-test|ECONNREFUSED|\n\s+at /);
    expect(reported.length).toBeGreaterThan(0);
  });
});
