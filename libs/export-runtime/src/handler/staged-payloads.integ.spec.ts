/**
 * Crafted Step Functions payloads against the staged handler (real MariaDB, s3rver, dynalite):
 * every payload is parsed at the boundary, and chunk, commit and abort act only for the run in
 * flight (the lease holder, and for an incremental job the pending commit in the state store).
 * Reproduction from the security review: an abort whose plan named a run id without a manifest
 * but the run time of a committed run deleted that committed run's data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { S3ObjectSink } from '@rds-s3-export/aws';
import { JobConfigSchema, RdsExportError, type JobConfig } from '@rds-s3-export/shared-types';
import { silentLogger, systemClock } from '@rds-s3-export/export-core';
import { freshMysqlDatabase } from '@rds-s3-export/export-core/testing';
import { createStagedHandler, type HandlerDependencies } from './exporter-handler.js';
import { keysUnder, objectText as textOf, startStack, type Stack } from '../testing/harness.js';

const BUCKET = 'staged-abort';
const DATABASE = 'staged_abort_hardening';
let stack: Stack;
let db: Connection;
let job: JobConfig;

beforeAll(async () => {
  stack = await startStack([BUCKET]);
  const fresh = await freshMysqlDatabase(DATABASE);
  db = fresh.admin;
  await db.query(`CREATE TABLE items (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, label VARCHAR(20), KEY (updated_at, id))
    SELECT seq AS id, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS updated_at, CONCAT('item ', seq) AS label FROM seq_1_to_2000`);
  const url = new URL(fresh.url);
  job = JobConfigSchema.parse({
    name: 'items',
    engine: 'mariadb',
    connection: { url: `mariadb://root@${url.host}/${DATABASE}` },
    table: 'items',
    primaryKey: ['id'],
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 0 },
    parallel: { chunks: 2, maxConcurrency: 2 },
    destination: { bucket: BUCKET },
  });
}, 60_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

const stateStore = () => stack.stateStore();
const deps: HandlerDependencies = {
  logger: silentLogger,
  jobs: () => job,
  adaptersFor: (_job, context, logger) => ({
    credentials: { get: async () => ({ username: 'root', password: '', host: '127.0.0.1', port: 3306, database: DATABASE }) },
    sink: new S3ObjectSink({ client: stack.s3Client, bucket: BUCKET }),
    state: stateStore(),
    logger,
    clock: systemClock,
    owner: context.awsRequestId ?? 'test',
    leaseTtlMs: 60_000,
  }),
};
const staged = createStagedHandler(deps);
/** What Step Functions does to every payload: JSON in, JSON out. */
const step = async (event: unknown) => JSON.parse(JSON.stringify(await staged(JSON.parse(JSON.stringify(event))))) as Record<string, unknown>;
const failure = (event: unknown) => staged(JSON.parse(JSON.stringify(event))).then(
  () => {
    throw new Error('the step was expected to fail');
  },
  (error: unknown) => error as RdsExportError,
);

async function objectText(key: string) {
  return textOf(stack.s3Client, BUCKET, key);
}

async function keys(prefix: string) {
  return keysUnder(stack.s3Client, BUCKET, prefix);
}

type Plan = Record<string, unknown> & { runId: string; runTime: string; window: { from: unknown; to: { value: string; key: string } | null; rows: number } | null };
const COMMITTED_PARTS = 'rds_exports/items/dt=2026-03-01/items_20260301_000000_part';
const IN_FLIGHT_PARTS = 'rds_exports/items/dt=2026-03-01/items_20260301_001000_part';
let committedPlan: Plan;
let inFlightPlan: Plan;

describe('Staged run: crafted payloads', () => {
  beforeAll(async () => {
    // A committed run (slot 00:00) ...
    const planned = await step({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T00:00:00Z' });
    committedPlan = planned.plan as Plan;
    const results = await Promise.all((planned.chunks as { index: number }[]).map(({ index }) => step({ action: 'chunk', job: 'items', plan: committedPlan, index })));
    await step({ action: 'commit', job: 'items', plan: committedPlan, results });
    // ... and one in flight (slot 00:10, one chunk written, lease held, window pending).
    await db.query(`INSERT INTO items (id, updated_at, label) SELECT 10000 + seq, TIMESTAMP('2026-01-02') + INTERVAL seq SECOND, 'new' FROM seq_1_to_500`);
    const second = await step({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T00:10:00Z' });
    inFlightPlan = second.plan as Plan;
    await step({ action: 'chunk', job: 'items', plan: inFlightPlan, index: 0 });
    expect(await keys(COMMITTED_PARTS)).toHaveLength(2);
    expect(await keys(IN_FLIGHT_PARTS)).toHaveLength(1);
  }, 60_000);

  it('an abort naming a committed run\'s keys under a run id without a manifest deletes nothing and fails with a coded error', async () => {
    const crafted = { ...committedPlan, runId: 'items_20990101_000000' };
    const error = await failure({ action: 'abort', job: 'items', plan: crafted });
    expect(error).toBeInstanceOf(RdsExportError);
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.message).toContain('event.plan.runId: must be the run id of job "items" at runTime 2026-03-01T00:00:00.000Z');
    expect(await keys(COMMITTED_PARTS)).toHaveLength(2);
  });

  it('an abort of a run that is not in flight is refused before any delete', async () => {
    // Self-consistent, but no such run holds the lease: the committed slot under a fresh time.
    const other = { ...committedPlan, runId: 'items_20260301_000500', runTime: '2026-03-01T00:05:00.000Z' };
    const error = await failure({ action: 'abort', job: 'items', plan: other });
    expect(error.code).toBe('STAGED_PLAN_NOT_IN_FLIGHT');
    expect(error.message).toContain('the lease is held by items_20260301_001000');
    expect(error.message).toContain('nothing was deleted');
    expect(await keys(IN_FLIGHT_PARTS)).toHaveLength(1);
    expect(await stateStore().leaseOwner('items')).toBe('items_20260301_001000');
  });

  it('an abort of the run in flight with an edited window is refused; the run keeps its parts and its pending window', async () => {
    const edited = { ...inFlightPlan, window: { ...inFlightPlan.window!, to: { value: '2030-01-01 00:00:00.000000', key: '1' } } };
    const error = await failure({ action: 'abort', job: 'items', plan: edited });
    expect(error.code).toBe('STAGED_PLAN_NOT_IN_FLIGHT');
    expect(error.message).toContain('is not the pending commit');
    expect(await keys(IN_FLIGHT_PARTS)).toHaveLength(1);
    expect((await stateStore().getState('items')).pending?.runId).toBe('items_20260301_001000');
  });

  it('a commit whose chunk results list another run\'s objects is refused and writes no manifest', async () => {
    const committedManifest = JSON.parse(await objectText('_manifests/items/items_20260301_000000.json')) as { objects: { key: string; rows: number; bytes: number; sha256: string }[] };
    const results = [0, 1].map((index) => ({ runId: inFlightPlan.runId, index, objects: [committedManifest.objects[index]!], rows: 1, sourceRows: 1, exporterVersion: 'x' }));
    const error = await failure({ action: 'commit', job: 'items', plan: inFlightPlan, results });
    expect(error.code).toBe('CHUNK_RESULTS_INVALID');
    expect(error.message).toContain(`results[0].objects: "${COMMITTED_PARTS}0001.csv" is not the part of chunk 1 of run items_20260301_001000`);
    expect(await keys('_manifests/items/items_20260301_001000')).toEqual([]);
  });

  it('a chunk of the committed run is refused and leaves its part as committed', async () => {
    const before = await objectText(`${COMMITTED_PARTS}0001.csv`);
    const widened = { ...committedPlan, ranges: (committedPlan.ranges as { column: string }[]).map((range) => ({ ...range, lower: null, upper: null })) };
    const error = await failure({ action: 'chunk', job: 'items', plan: widened, index: 0 });
    expect(error.code).toBe('STAGED_PLAN_NOT_IN_FLIGHT');
    expect(error.message).toContain('chunk of run items_20260301_000000 refused');
    expect(await objectText(`${COMMITTED_PARTS}0001.csv`)).toBe(before);
  });

  it('a commit of the committed run returns its stored manifest and rewrites nothing', async () => {
    const key = '_manifests/items/items_20260301_000000.json';
    const stored = await objectText(key);
    const manifest = JSON.parse(stored) as { objects: { key: string; rows: number; bytes: number; sha256: string }[] };
    const results = [0, 1].map((index) => ({ runId: committedPlan.runId, index, objects: [{ ...manifest.objects[index]!, rows: 0, sha256: '0'.repeat(64) }], rows: 0, sourceRows: 0, exporterVersion: 'x' }));
    const summary = await step({ action: 'commit', job: 'items', plan: committedPlan, results });
    expect(summary).toMatchObject({ status: 'committed', runId: 'items_20260301_000000', rows: 2000 });
    expect(await objectText(key)).toBe(stored);
  });

  it('names the field of a malformed payload', async () => {
    const error = await failure({ action: 'chunk', job: 'items', plan: { ...inFlightPlan, ranges: [{ column: 'id', lower: 5, upper: null }] }, index: 0 });
    expect(error.code).toBe('EVENT_INVALID');
    expect(error.message).toContain('event.plan.ranges.0.lower');
  });

  it('a genuine abort still removes the run\'s parts and releases the lease; the committed run is untouched', async () => {
    const outcome = await step({ action: 'abort', job: 'items', plan: inFlightPlan, error: { Error: 'States.TaskFailed' } });
    expect(outcome).toEqual({ aborted: true, committed: false, runId: 'items_20260301_001000' });
    expect(await keys(IN_FLIGHT_PARTS)).toEqual([]);
    expect(await keys(COMMITTED_PARTS)).toHaveLength(2);
    expect(await stateStore().leaseOwner('items')).toBeNull();
  });
});
