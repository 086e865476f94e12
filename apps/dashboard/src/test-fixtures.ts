/** API responses for the component tests, typed by the shared contract. */
import { CsvDialectSchema, type JobsResponse, type RunDetailResponse, type RunListItem, type RunsResponse } from '@rds-s3-export/shared-types';
import { vi } from 'vitest';

export const committedRun = (runId: string, overrides: Partial<RunListItem> = {}): RunListItem => ({
  runId,
  job: 'employees',
  status: 'committed',
  scheduledAt: '2026-02-22T10:15:00.000Z',
  startedAt: '2026-02-22T10:15:01.000Z',
  finishedAt: '2026-02-22T10:15:03.500Z',
  durationMs: 2500,
  rows: 10_000,
  bytes: 1_572_864,
  objects: [{ key: `rds_exports/employees/dt=2026-02-22/${runId}.csv`, bytes: 1_572_864 }],
  cursor: { from: null, to: { value: '2026-02-22 10:14:30', key: '10000' } },
  failedAttempts: 0,
  errorClass: null,
  errorCode: null,
  error: null,
  ...overrides,
});

export const failedRun = (runId: string): RunListItem =>
  committedRun(runId, { status: 'failed', rows: 0, bytes: 0, objects: [], durationMs: 120, failedAttempts: 2, errorClass: 'database', errorCode: 'DB_UNREACHABLE', error: 'connection refused by 10.0.0.5:5432' });

export const jobsResponse: JobsResponse = {
  generatedAt: '2026-02-22T10:22:00.000Z',
  jobs: [
    {
      name: 'employees',
      engine: 'postgres',
      source: 'table employees',
      schedule: { expression: 'rate(5 minutes)', timeZone: 'UTC' },
      nextRunAt: '2026-02-22T10:25:00.000Z',
      health: 'ok',
      healthReason: 'the latest run committed on time',
      lastRun: committedRun('employees_20260222_101500'),
      lastCommittedAt: '2026-02-22T10:15:03.500Z',
      recentRuns: [
        { runId: 'employees_20260222_101500', scheduledAt: '2026-02-22T10:15:00.000Z', status: 'committed', rows: 10_000 },
        { runId: 'employees_20260222_101000', scheduledAt: '2026-02-22T10:10:00.000Z', status: 'failed', rows: 0 },
        { runId: 'employees_20260222_100500', scheduledAt: '2026-02-22T10:05:00.000Z', status: 'committed', rows: 250 },
      ],
    },
    {
      name: 'orders',
      engine: 'mysql',
      source: 'table orders',
      schedule: { expression: 'rate(1 hour)', timeZone: 'UTC' },
      nextRunAt: '2026-02-22T11:00:00.000Z',
      health: 'failing',
      healthReason: 'the latest run failed (database/DB_UNREACHABLE)',
      lastRun: failedRun('orders_20260222_100000'),
      lastCommittedAt: null,
      recentRuns: [{ runId: 'orders_20260222_100000', scheduledAt: '2026-02-22T10:00:00.000Z', status: 'failed', rows: 0 }],
    },
    {
      name: 'audit',
      engine: 'mariadb',
      source: 'custom query',
      schedule: null,
      nextRunAt: null,
      health: 'never-run',
      healthReason: 'no run has been recorded yet',
      lastRun: null,
      lastCommittedAt: null,
      recentRuns: [],
    },
  ],
};

export const runsPage = (runs: RunListItem[], nextCursor: string | null = null): RunsResponse => ({ job: 'employees', runs, nextCursor });

export const runDetail: RunDetailResponse = {
  runId: 'employees_20260222_101500',
  job: 'employees',
  status: 'committed',
  manifest: {
    manifestVersion: 1,
    runId: 'employees_20260222_101500',
    job: 'employees',
    status: 'committed',
    startedAt: '2026-02-22T10:15:01.000Z',
    finishedAt: '2026-02-22T10:15:03.500Z',
    durationMs: 2500,
    rows: 10_000,
    bytes: 1_572_864,
    objects: [{ key: 'rds_exports/employees/dt=2026-02-22/employees_20260222_101500.csv', rows: 10_000, bytes: 1_572_864, sha256: 'a'.repeat(64) }],
    columns: [{ name: 'id', sourceType: 'int4' }, { name: 'email', sourceType: 'text' }],
    cursor: { from: null, to: { value: '2026-02-22 10:14:30', key: '10000' } },
    reconciliation: { sourceRows: 10_000, exportedRows: 10_000 },
    engine: 'postgres',
    source: { table: 'employees' },
    csv: CsvDialectSchema.parse({}),
    compression: 'none',
    timeZone: 'UTC',
    exporterVersion: '0.1.0',
  },
  failure: null,
  logs: [
    { timestamp: '2026-02-22T10:15:01.000Z', level: 'INFO', message: 'lease taken', phase: 'lease', fields: { runId: 'employees_20260222_101500' } },
    { timestamp: '2026-02-22T10:15:02.000Z', level: 'WARN', message: 'the database rejected the cached credentials; reading the secret again (rotation)', phase: 'credentials', fields: {} },
    { timestamp: '2026-02-22T10:15:03.500Z', level: 'INFO', message: 'run summary', phase: null, fields: { status: 'committed', rows: 10_000 } },
  ],
  logsTruncated: false,
};

/** A fetch stub answering by URL; unknown URLs fail the test loudly. */
export function stubFetch(routes: Record<string, () => { status: number; body: unknown }>) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const route = routes[`${method} ${url}`];
    if (!route) throw new Error(`unexpected request ${method} ${url}`);
    const { status, body } = route();
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}
