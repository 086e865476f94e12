/**
 * What one request may cost in S3 LISTs, counted on the real S3 client (a middleware on the
 * client the catalog uses) against s3rver. Reproductions from the security review: a cursor a
 * century ahead walked 1,200 idle months, and one run named 1900-01-01 made every GET /api/jobs
 * walk 1,520 of them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_MAX_LISTS_PER_PAGE, S3ExportCatalog } from '@rds-s3-export/aws';
import { putFakeRun } from '@rds-s3-export/aws/testing';
import { buildCatalog } from '@rds-s3-export/jobs';
import { localS3ClientConfig, startS3, type LocalS3 } from '@rds-s3-export/local-stack';
import { ApiErrorBodySchema, JobsResponseSchema, RunsResponseSchema } from '@rds-s3-export/shared-types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileRunLogs } from '../local/file-run-logs.js';
import { createApiHandler, type ApiHandler } from './handler.js';

const BUCKET = 'exports-cost';
const NOW = new Date('2026-02-22T10:22:00Z');
const jobs = buildCatalog([
  {
    name: 'employees',
    engine: 'postgres',
    connection: { url: 'postgres://postgres@127.0.0.1:5432/postgres' },
    table: 'employees',
    schedule: { expression: 'rate(5 minutes)', timeZone: 'UTC' },
    destination: { bucket: BUCKET },
  },
]);
// Runs years apart (idle months between them) and one with a run time from a mistyped `--run-time`.
const RUNS = ['employees_19000101_000000', 'employees_20100315_120000', 'employees_20230501_000000', 'employees_20260222_100000', 'employees_20260222_100500'];

let s3: LocalS3;
let client: S3Client;
let dir: string;
let api: ApiHandler;
let lists = 0;

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  client = new S3Client(localS3ClientConfig(s3.endpoint));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsCommand' || context.commandName === 'ListObjectsV2Command') lists += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countLists' },
  );
  for (const runId of RUNS) await putFakeRun(client, BUCKET, { job: 'employees', runId, bodies: ['id\n1\n'] });
  dir = await mkdtemp(join(tmpdir(), 'dashboard-cost-'));
  await writeFile(join(dir, 'exporter.jsonl'), '');
  api = createApiHandler({
    jobs: () => jobs,
    catalogFor: (job) => new S3ExportCatalog({ client, bucket: job.destination.bucket }),
    logs: new FileRunLogs({ file: join(dir, 'exporter.jsonl') }),
    now: () => NOW,
    reportError: () => undefined,
  });
});

beforeEach(() => {
  lists = 0;
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (path: string, query: Record<string, string> = {}) => api({ method: 'GET', path, query, body: null });

describe('Dashboard API: S3 LIST cost of one request', () => {
  it('refuses a cursor a century ahead with a 400 naming it, before any LIST', async () => {
    const response = await get('/api/jobs/employees/runs', { cursor: 'employees_21260101_000000' });
    expect(response.status).toBe(400);
    const { error } = ApiErrorBodySchema.parse(JSON.parse(response.body));
    expect(error.code).toBe('CURSOR_OUT_OF_RANGE');
    expect(error.message).toContain('query.cursor: "employees_21260101_000000" is outside the range of run ids');
    expect(lists).toBe(0);
  });

  it('refuses a cursor before 2000 the same way', async () => {
    const response = await get('/api/jobs/employees/runs', { cursor: 'employees_19000101_000001' });
    expect(response.status).toBe(400);
    expect(ApiErrorBodySchema.parse(JSON.parse(response.body)).error.code).toBe('CURSOR_OUT_OF_RANGE');
    expect(lists).toBe(0);
  });

  it('GET /api/jobs costs at most the page budget although a run is named 1900-01-01', async () => {
    const response = await get('/api/jobs');
    expect(response.status).toBe(200);
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThanOrEqual(DEFAULT_MAX_LISTS_PER_PAGE);
    const { jobs: cards } = JobsResponseSchema.parse(JSON.parse(response.body));
    // The budget reaches back two years: the 2026 runs; older ones are a "Older →" away in the history.
    expect(cards[0]!.recentRuns.map((run) => run.runId)).toEqual(['employees_20260222_100500', 'employees_20260222_100000']);
  });

  it('pages the whole history back to 2000 with continuation cursors, each request within the budget', async () => {
    const seen: string[] = [];
    const costs: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 40; page += 1) {
      lists = 0;
      const response = await get('/api/jobs/employees/runs', { limit: '20', ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      const body = RunsResponseSchema.parse(JSON.parse(response.body));
      costs.push(lists);
      seen.push(...body.runs.map((run) => run.runId));
      if (!body.nextCursor) break;
      expect(body.nextCursor < (cursor ?? '~')).toBe(true);
      cursor = body.nextCursor;
    }
    // Everything from 2000 on, newest first, once; the walk ended at the oldest run it may reach.
    expect(seen).toEqual(RUNS.slice(1).reverse());
    expect(Math.max(...costs)).toBeLessThanOrEqual(DEFAULT_MAX_LISTS_PER_PAGE);
    // 2010-03 .. 2026-03 is 193 months: some pages were cut short by the budget and continued.
    expect(costs.length).toBeGreaterThan(193 / DEFAULT_MAX_LISTS_PER_PAGE);
  });
});
