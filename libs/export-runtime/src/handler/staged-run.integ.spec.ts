/**
 * The Step Functions flow of a parallel job, step by step through the staged handler with
 * every payload round-tripped through JSON as the state machine would: plan -> chunks ->
 * commit; and plan -> chunks -> abort (a chunk failed) -> the retried slot commits the same
 * window. Real MariaDB, s3rver and dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { GetTableCommand, GlueClient, UpdateTableCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { GlueTableColumns, S3ObjectSink } from '@rds-s3-export/aws';
import { JobConfigSchema, type JobConfig, type RunSummary } from '@rds-s3-export/shared-types';
import { silentLogger, systemClock } from '@rds-s3-export/export-core';
import { freshMysqlDatabase } from '@rds-s3-export/export-core/testing';
import { createExporterHandler, createStagedHandler, type HandlerDependencies } from './exporter-handler.js';
import { keysUnder, startStack, type Stack } from '../testing/harness.js';

const BUCKET = 'staged-runs';
let stack: Stack;
let db: Connection;
let job: JobConfig;

beforeAll(async () => {
  stack = await startStack([BUCKET]);
  const fresh = await freshMysqlDatabase('staged_runs');
  db = fresh.admin;
  await db.query(`CREATE TABLE items (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, label VARCHAR(20), KEY (updated_at, id))
    SELECT seq AS id, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS updated_at, CONCAT('item ', seq) AS label FROM seq_1_to_20000`);
  const url = new URL(fresh.url);
  job = JobConfigSchema.parse({
    name: 'items',
    engine: 'mariadb',
    connection: { url: `mariadb://root@${url.host}/staged_runs` },
    table: 'items',
    primaryKey: ['id'],
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 0 },
    parallel: { chunks: 4, maxConcurrency: 2 },
    destination: { bucket: BUCKET },
  });
}, 60_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

const deps: HandlerDependencies = {
  logger: silentLogger,
  jobs: () => job,
  adaptersFor: (_job, context, logger) => ({
    credentials: { get: async () => ({ username: 'root', password: '', host: '127.0.0.1', port: 3306, database: 'staged_runs' }) },
    sink: new S3ObjectSink({ client: stack.s3Client, bucket: BUCKET }),
    state: stack.stateStore(),
    logger,
    clock: systemClock,
    owner: context.awsRequestId ?? 'test',
    leaseTtlMs: 60_000,
  }),
};
const staged = createStagedHandler(deps);
/** What Step Functions does to every payload: JSON in, JSON out. */
const step = async (event: unknown) => JSON.parse(JSON.stringify(await staged(JSON.parse(JSON.stringify(event))))) as Record<string, unknown>;

async function keys(prefix: string) {
  return keysUnder(stack.s3Client, BUCKET, prefix);
}

describe('Staged (Step Functions) parallel run', () => {
  it('plan -> 4 chunks -> commit writes one manifest over four parts and moves the cursor once', async () => {
    const planned = await step({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T00:00:00Z' });
    expect(planned.status).toBe('planned');
    const chunks = planned.chunks as { index: number }[];
    expect(chunks).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3 }]);
    // A second run of the job while this one is in flight is skipped (the plan holds the lease).
    expect(await step({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T00:05:00Z' })).toMatchObject({ status: 'skipped' });

    const results = await Promise.all(chunks.map(({ index }) => step({ action: 'chunk', job: 'items', plan: planned.plan, index })));
    const summary = (await step({ action: 'commit', job: 'items', plan: planned.plan, results })) as unknown as RunSummary;

    expect(summary).toMatchObject({ status: 'committed', rows: 20_000, runId: 'items_20260301_000000' });
    expect(summary.keys).toEqual([1, 2, 3, 4].map((n) => `rds_exports/items/dt=2026-03-01/items_20260301_000000_part000${n}.csv`));
    expect(await keys('_manifests/items/')).toEqual(['_manifests/items/items_20260301_000000.json']);
    const state = await stack.stateStore().getState('items');
    expect(state).toEqual({ cursor: { value: '2026-01-01 05:33:20.000000', key: '20000' }, pending: null, lastRunId: 'items_20260301_000000' });
    // The same slot again is a no-op.
    expect(await step({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T00:00:00Z' })).toMatchObject({ status: 'already-committed' });
  });

  it('a failed chunk -> abort removes the parts; the retried slot exports the same window', async () => {
    await db.query(`INSERT INTO items (id, updated_at, label) SELECT 20000 + seq, TIMESTAMP('2026-01-02') + INTERVAL seq SECOND, 'new' FROM seq_1_to_1000`);
    const slot = '2026-03-01T00:10:00Z';
    const planned = await step({ action: 'plan', job: 'items', scheduledTime: slot });
    const done = await step({ action: 'chunk', job: 'items', plan: planned.plan, index: 0 });
    expect((done.objects as unknown[]).length).toBe(1);
    const aborted = await step({ action: 'abort', job: 'items', plan: planned.plan, error: { Error: 'States.TaskFailed', Cause: '{"errorMessage":"chunk 2 failed"}' } });
    expect(aborted).toEqual({ aborted: true, committed: false, runId: 'items_20260301_001000' });
    expect(await keys('rds_exports/items/dt=2026-03-01/items_20260301_001000')).toEqual([]);
    // Rows arriving before the retry are not part of this slot's recorded window.
    await db.query(`INSERT INTO items (id, updated_at, label) VALUES (99999, '2026-01-03 00:00:00', 'later')`);

    const again = await step({ action: 'plan', job: 'items', scheduledTime: slot });
    const results = await Promise.all((again.chunks as { index: number }[]).map(({ index }) => step({ action: 'chunk', job: 'items', plan: again.plan, index })));
    const summary = (await step({ action: 'commit', job: 'items', plan: again.plan, results })) as unknown as RunSummary;
    expect(summary.rows).toBe(1000);
    const next = await createExporterHandler(deps)({ job: 'items', scheduledTime: '2026-03-01T00:15:00Z' });
    expect(next.rows).toBe(1); // only the later row
  });

  it('a manual run with chunks exports in parallel inside one invocation', async () => {
    await db.query(`INSERT INTO items (id, updated_at, label) SELECT 30000 + seq, TIMESTAMP('2026-01-04') + INTERVAL seq SECOND, 'batch' FROM seq_1_to_5000`);
    const summary = await createExporterHandler(deps)({ job: 'items', runTime: '2026-03-01T01:00:00Z', chunks: 3 });
    expect(summary).toMatchObject({ status: 'committed', rows: 5000 });
    expect(summary.keys).toHaveLength(3);
  });

  it('abort after a commit that wrote its manifest keeps the parts and settles the cursor', async () => {
    await db.query(`INSERT INTO items (id, updated_at, label) SELECT 40000 + seq, TIMESTAMP('2026-01-05') + INTERVAL seq SECOND, 'late' FROM seq_1_to_100`);
    const planned = await step({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T02:00:00Z' });
    const results = await Promise.all((planned.chunks as { index: number }[]).map(({ index }) => step({ action: 'chunk', job: 'items', plan: planned.plan, index })));
    await step({ action: 'commit', job: 'items', plan: planned.plan, results });
    // The state machine saw the commit fail (e.g. a timeout after the manifest was written): abort.
    const outcome = await step({ action: 'abort', job: 'items', plan: planned.plan, error: { Error: 'Lambda.Timeout' } });

    expect(outcome).toEqual({ aborted: false, committed: true, runId: 'items_20260301_020000' });
    expect(await keys('_manifests/items/items_20260301_020000')).toHaveLength(1);
    expect((await keys('rds_exports/items/dt=2026-03-01/items_20260301_020000')).length).toBeGreaterThan(0);
    const state = await stack.stateStore().getState('items');
    expect(state.pending).toBeNull();
  });

  it('the commit step of a Parquet job sets its Glue table\'s typed columns', async () => {
    // Prepare: Glue mocked (no local server); the job writes Parquet and has a table.
    const glueMock = mockClient(GlueClient);
    glueMock.on(GetTableCommand).resolves({ Table: { Name: 'items', StorageDescriptor: { Location: 's3://b/p/', Columns: [{ Name: 'pending_first_run', Type: 'string' }] } } });
    glueMock.on(UpdateTableCommand).resolves({});
    const csvJob = job;
    job = { ...job, format: 'parquet' };
    try {
      const withGlue = createStagedHandler({ ...deps, glue: { columns: new GlueTableColumns({ client: new GlueClient({ region: 'eu-west-1' }) }), databaseName: 'exports', tables: { items: 'items' } } });
      const glueStep = async (event: unknown) => JSON.parse(JSON.stringify(await withGlue(JSON.parse(JSON.stringify(event))))) as Record<string, unknown>;
      await db.query(`INSERT INTO items (id, updated_at, label) SELECT 50000 + seq, TIMESTAMP('2026-01-06') + INTERVAL seq SECOND, 'typed' FROM seq_1_to_100`);

      // Act
      const planned = await glueStep({ action: 'plan', job: 'items', scheduledTime: '2026-03-01T03:00:00Z' });
      const results = await Promise.all((planned.chunks as { index: number }[]).map(({ index }) => glueStep({ action: 'chunk', job: 'items', plan: planned.plan, index })));
      expect(glueMock.calls(), 'nothing before the commit').toHaveLength(0);
      const summary = await glueStep({ action: 'commit', job: 'items', plan: planned.plan, results });

      // Assess
      expect(summary.status).toBe('committed');
      expect(glueMock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.TableInput?.StorageDescriptor?.Columns)).toEqual([
        [{ Name: 'id', Type: 'bigint' }, { Name: 'updated_at', Type: 'timestamp' }, { Name: 'label', Type: 'string' }],
      ]);
    } finally {
      job = csvJob;
      glueMock.restore();
    }
  });
});

