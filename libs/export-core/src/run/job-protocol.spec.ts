/**
 * The job protocol over the in-memory state store and sink: lease, recovery (roll forward and
 * back), idempotency, schema expectation, conflicts, the empty window, commit and abort. No
 * database and no storage server: these run in well under a second.
 */
import { describe, expect, it } from 'vitest';
import { JobConfigSchema, ManifestSchema, planKeys, type JobConfig, type Manifest } from '@rds-s3-export/shared-types';
import { InMemoryStateStore } from '../testing/in-memory-state-store.js';
import { InMemorySink } from '../testing/in-memory-sink.js';
import type { Logger } from '../ports.js';
import { assertSameColumns } from './snapshot.js';
import { buildManifest, manifestKey } from './manifest.js';
import { abortJobRun, assertStillOwned, beginJobRun, commitJobRun, endJobRun, inFlightProblem, recordWindow, type JobRun } from './job-protocol.js';

const T0 = new Date('2026-03-01T10:00:00Z');
const T1 = new Date('2026-03-01T11:00:00Z');
const COLUMNS = [
  { name: 'id', sourceType: 'bigint' },
  { name: 'updated_at', sourceType: 'datetime(6)' },
];
const c = (value: string, key: string) => ({ value, key });

function incrementalJob(): JobConfig {
  return JobConfigSchema.parse({
    name: 'orders',
    engine: 'mariadb',
    connection: { url: 'mariadb://u@db.invalid/shop' },
    table: 'orders',
    primaryKey: ['id'],
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id' },
    destination: { bucket: 'exports-bucket' },
  });
}

function fullJob(): JobConfig {
  return JobConfigSchema.parse({ name: 'items', engine: 'postgres', connection: { url: 'postgres://u@db.invalid/shop' }, table: 'items', destination: { bucket: 'exports-bucket' } });
}

function rig(job = incrementalJob()) {
  let now = T0.getTime();
  const state = new InMemoryStateStore(() => now);
  const sink = new InMemorySink();
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
  };
  const deps = { state, sink, logger };
  const begin = (runTime: Date, owner = 'req-1', extra: { acceptSchemaChange?: boolean; mode?: 'full' | 'incremental' } = {}) =>
    beginJobRun(job, { runTime, owner, leaseTtlMs: 60_000, ...extra }, deps);
  const begun = async (runTime: Date, owner = 'req-1', extra = {}): Promise<JobRun> => {
    const result = await begin(runTime, owner, extra);
    if (result.status !== 'begun') throw new Error(`expected begun, got ${result.status}`);
    return result.run;
  };
  /** A data object of the run, as the snapshot step would have written it. */
  const writeData = async (run: JobRun, part?: number) => {
    const key = planKeys(run.request).dataKey(part);
    await sink.putObject(key, 'id,updated_at\n1,x\n', { contentType: 'text/csv' });
    return { key, rows: 1, bytes: 17, sha256: 'a'.repeat(64) };
  };
  const manifestOf = (run: JobRun, window: { from: ReturnType<typeof c> | null; to: ReturnType<typeof c> | null } | null): Manifest =>
    buildManifest(run.request, { runId: run.runId, engine: job.engine, startedAt: T0, finishedAt: T0, columns: COLUMNS, window, objects: [], sourceRows: 0 });
  return { job, state, sink, lines, deps, begin, begun, writeData, manifestOf, advance: (ms: number) => (now += ms) };
}

/** Where the rig job's manifests live. */
const manifestHome = (r: { job: JobConfig }) => ({ job: r.job.name, manifestPrefix: r.job.destination.manifestPrefix });

describe('Job protocol: lease', () => {
  it('skips a run while another owner holds the job lease, and takes it once the lease expired', async () => {
    const r = rig();
    await r.begun(T0, 'req-1');
    expect(await r.begin(T0, 'req-2')).toEqual({ status: 'skipped', runId: 'orders_20260301_100000', reason: 'another run of this job holds the lease' });
    r.advance(60_001);
    expect((await r.begin(T0, 'req-2')).status).toBe('begun');
    expect(await r.state.leaseOwner('orders')).toBe('req-2');
  });

  it('releases the lease when beginning fails (a manifest that is not one)', async () => {
    const r = rig();
    r.state.seed('orders', { lastRunId: 'orders_20260228_100000' });
    await r.sink.putObject('_manifests/orders/orders_20260228_100000.json', '{"not":"a manifest"}', { contentType: 'application/json' });
    await expect(r.begin(T0)).rejects.toMatchObject({ errorClass: 'storage', code: 'MANIFEST_INVALID' });
    expect(await r.state.leaseOwner('orders')).toBeNull();
  });
});

describe('Job protocol: recovery of a run left pending', () => {
  it('rolls the cursor forward when the pending run wrote its manifest', async () => {
    const r = rig();
    const crashed = await r.begun(T0);
    await recordWindow(crashed, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 7 }, r.state);
    await r.sink.putObject(manifestKey(manifestHome(r), crashed.runId), JSON.stringify(r.manifestOf(crashed, { from: null, to: c('2026-03-01 09:00:00', '7') })), { contentType: 'application/json' });
    await endJobRun(r.job, crashed.runId, 'req-1', r.deps); // the lambda died after its manifest

    const next = await r.begun(T1, 'req-2');
    expect(await r.state.getState('orders')).toEqual({ cursor: c('2026-03-01 09:00:00', '7'), pending: null, lastRunId: crashed.runId });
    expect(next.request.window).toMatchObject({ after: c('2026-03-01 09:00:00', '7'), bound: { kind: 'lag' } });
    expect(r.lines.map((l) => l.message)).toContain('rolled forward the cursor of a run that wrote its manifest');
  });

  it('rolls back a pending run without a manifest: its objects (and only its) are removed, the window is exported again', async () => {
    const r = rig();
    const crashed = await r.begun(T0);
    await recordWindow(crashed, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 7 }, r.state);
    const single = await r.writeData(crashed);
    const part = await r.writeData(crashed, 1);
    await r.sink.putObject('rds_exports/orders/dt=2026-03-01/orders_20260301_100000_notes.txt', 'kept', { contentType: 'text/plain' });
    await endJobRun(r.job, crashed.runId, 'req-1', r.deps);

    const next = await r.begun(T1, 'req-2');
    expect(r.sink.keys()).not.toContain(single.key);
    expect(r.sink.keys()).not.toContain(part.key);
    expect(r.sink.keys()).toContain('rds_exports/orders/dt=2026-03-01/orders_20260301_100000_notes.txt');
    expect(await r.state.getState('orders')).toEqual({ cursor: null, pending: null, lastRunId: null });
    expect(next.request.window).toMatchObject({ after: null });
    expect(r.lines.find((l) => l.message === 'dropped the pending window of a run that never committed')?.fields).toMatchObject({ removedObjects: 2 });
  });

  it('rolls back a pending Parquet run without a manifest: its .parquet objects are removed too', async () => {
    const r = rig(JobConfigSchema.parse({ ...incrementalJob(), format: 'parquet' }));
    const crashed = await r.begun(T0);
    await recordWindow(crashed, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 7 }, r.state);
    const single = await r.writeData(crashed);
    const part = await r.writeData(crashed, 2);
    expect([single.key, part.key]).toEqual(['rds_exports/orders/dt=2026-03-01/orders_20260301_100000.parquet', 'rds_exports/orders/dt=2026-03-01/orders_20260301_100000_part0002.parquet']);
    await endJobRun(r.job, crashed.runId, 'req-1', r.deps);

    await r.begun(T1, 'req-2');
    expect(r.sink.keys()).not.toContain(single.key);
    expect(r.sink.keys()).not.toContain(part.key);
    expect(r.lines.find((l) => l.message === 'dropped the pending window of a run that never committed')?.fields).toMatchObject({ removedObjects: 2 });
  });

  it('a retry of the pending run itself re-exports exactly the recorded window', async () => {
    const r = rig();
    const first = await r.begun(T0);
    await recordWindow(first, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 7 }, r.state);
    await endJobRun(r.job, first.runId, 'req-1', r.deps);

    const retry = await r.begun(T0, 'req-2');
    expect(retry.request.window?.bound).toEqual({ kind: 'until', cursor: c('2026-03-01 09:00:00', '7') });
    expect((await r.state.getState('orders')).pending?.runId).toBe(first.runId);
  });
});

describe('Job protocol: idempotency', () => {
  it('a run whose manifest exists is already committed: the stored manifest, the cursor settled, the lease free', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 7 }, r.state);
    const manifest = r.manifestOf(run, { from: null, to: c('2026-03-01 09:00:00', '7') });
    await r.sink.putObject(manifestKey(manifestHome(r), run.runId), JSON.stringify(manifest), { contentType: 'application/json' });
    await endJobRun(r.job, run.runId, 'req-1', r.deps);

    const again = await r.begin(T0, 'req-2');
    expect(again).toEqual({ status: 'already-committed', runId: run.runId, manifest: ManifestSchema.parse(manifest) });
    expect((await r.state.getState('orders')).cursor).toEqual(c('2026-03-01 09:00:00', '7'));
    expect(await r.state.leaseOwner('orders')).toBeNull();
  });
});

describe('Job protocol: schema expectation', () => {
  it('expects the columns of the last committed run, unless the schema change is accepted', async () => {
    const r = rig();
    const first = await r.begun(T0);
    await recordWindow(first, { from: null, to: c('a', '1'), rows: 1 }, r.state);
    await commitJobRun(first, { engine: 'mariadb', startedAt: T0, finishedAt: T0, columns: COLUMNS, window: { from: null, to: c('a', '1') }, objects: [await r.writeData(first)], sourceRows: 1 }, r.deps);
    await endJobRun(r.job, first.runId, 'req-1', r.deps);

    const next = await r.begun(T1, 'req-2');
    expect(next.request.expectColumns).toEqual({ runId: first.runId, columns: COLUMNS });
    expect(() => assertSameColumns(next.request.expectColumns!, [COLUMNS[0]!, { name: 'updated_at', sourceType: 'timestamp' }, { name: 'note', sourceType: 'text' }])).toThrow(
      expect.objectContaining({ code: 'SCHEMA_CHANGED', message: expect.stringContaining('added note; retyped updated_at (datetime(6) -> timestamp)') }),
    );
    await endJobRun(r.job, next.runId, 'req-2', r.deps);
    expect((await r.begun(T1, 'req-3', { acceptSchemaChange: true })).request.expectColumns).toBeUndefined();
  });
});

describe('Job protocol: record, commit, conflicts', () => {
  it('an incremental commit writes the manifest, then moves the cursor to the window end', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 1 }, r.state);
    const object = await r.writeData(run);
    const manifest = await commitJobRun(run, { engine: 'mariadb', startedAt: T0, finishedAt: T1, columns: COLUMNS, window: { from: null, to: c('2026-03-01 09:00:00', '7') }, objects: [object], sourceRows: 1 }, { ...r.deps, stillInFlight: assertStillOwned(run, r.state) });

    expect(JSON.parse((await r.sink.getObject('_manifests/orders/orders_20260301_100000.json'))!)).toEqual(manifest);
    expect(manifest).toMatchObject({ rows: 1, durationMs: 3_600_000, objects: [object], reconciliation: { sourceRows: 1, exportedRows: 1 }, cursor: { from: null, to: c('2026-03-01 09:00:00', '7') } });
    expect(await r.state.getState('orders')).toEqual({ cursor: c('2026-03-01 09:00:00', '7'), pending: null, lastRunId: run.runId });
  });

  it('a full export notes the committed run and leaves the cursor alone', async () => {
    const r = rig(fullJob());
    const run = await r.begun(T0);
    await recordWindow(run, undefined, r.state);
    await commitJobRun(run, { engine: 'postgres', startedAt: T0, finishedAt: T0, columns: COLUMNS, objects: [await r.writeData(run)], sourceRows: 1 }, { ...r.deps, stillInFlight: assertStillOwned(run, r.state) });
    expect(await r.state.getState('items')).toEqual({ cursor: null, pending: null, lastRunId: 'items_20260301_100000' });
  });

  it('an empty window commits a manifest with 0 rows and no object; the cursor stays where it was', async () => {
    const r = rig();
    r.state.seed('orders', { cursor: c('2026-03-01 09:00:00', '7') });
    const run = await r.begun(T0);
    await recordWindow(run, { from: c('2026-03-01 09:00:00', '7'), to: c('2026-03-01 09:00:00', '7'), rows: 0 }, r.state);
    const manifest = await commitJobRun(run, { engine: 'mariadb', startedAt: T0, finishedAt: T0, columns: COLUMNS, window: { from: c('2026-03-01 09:00:00', '7'), to: c('2026-03-01 09:00:00', '7') }, objects: [], sourceRows: 0 }, r.deps);
    expect(manifest).toMatchObject({ rows: 0, objects: [], cursor: { from: c('2026-03-01 09:00:00', '7'), to: c('2026-03-01 09:00:00', '7') } });
    expect(r.sink.keys()).toEqual(['_manifests/orders/orders_20260301_100000.json']);
    expect(await r.state.getState('orders')).toEqual({ cursor: c('2026-03-01 09:00:00', '7'), pending: null, lastRunId: run.runId });
  });

  it('refuses to record a window when the cursor moved since the run began (STATE_CONFLICT)', async () => {
    const r = rig();
    const run = await r.begun(T0);
    r.state.seed('orders', { cursor: c('2026-03-01 09:30:00', '9') }); // another run committed meanwhile
    await expect(recordWindow(run, { from: null, to: c('2026-03-01 09:00:00', '7'), rows: 7 }, r.state)).rejects.toMatchObject({ errorClass: 'storage', code: 'STATE_CONFLICT' });
    expect((await r.state.getState('orders')).pending).toBeNull();
  });

  it('a run that lost its pending window to another run does not commit: no manifest, its objects removed', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('a', '1'), rows: 1 }, r.state);
    const object = await r.writeData(run);
    await r.state.abandonCommit('orders', run.runId); // a later run rolled it back meanwhile
    await expect(
      commitJobRun(run, { engine: 'mariadb', startedAt: T0, finishedAt: T0, columns: COLUMNS, window: { from: null, to: c('a', '1') }, objects: [object], sourceRows: 1 }, { ...r.deps, stillInFlight: assertStillOwned(run, r.state) }),
    ).rejects.toMatchObject({ code: 'STATE_CONFLICT', message: expect.stringContaining('lost its lease to another run before committing') });
    expect(r.sink.keys()).toEqual([]);
  });

  it('a manifest write that fails removes the run\'s objects and leaves the window pending for the retry', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('a', '1'), rows: 1 }, r.state);
    const object = await r.writeData(run);
    r.sink.failPut = true;
    await expect(commitJobRun(run, { engine: 'mariadb', startedAt: T0, finishedAt: T0, columns: COLUMNS, window: { from: null, to: c('a', '1') }, objects: [object], sourceRows: 1 }, r.deps)).rejects.toMatchObject({
      errorClass: 'storage',
      code: 'MEMORY_PUT_FAILED',
      message: expect.stringMatching(/^export of job "orders" \(mariadb table orders\): writing memory:\/\/_manifests/),
    });
    expect(r.sink.keys()).toEqual([]);
    expect((await r.state.getState('orders')).pending).toEqual({ runId: run.runId, from: null, to: c('a', '1') });
  });
});

describe('Job protocol: abort and the run in flight', () => {
  it('an abort without a manifest removes the given objects and keeps the pending window', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('a', '1'), rows: 1 }, r.state);
    const parts = [await r.writeData(run, 1), await r.writeData(run, 2)];
    expect(await abortJobRun(run, { from: null, to: c('a', '1') }, parts, r.deps)).toEqual({ committed: false });
    expect(r.sink.keys()).toEqual([]);
    expect((await r.state.getState('orders')).pending?.runId).toBe(run.runId);
  });

  it('an abort after the manifest was written rolls forward and removes nothing', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('a', '1'), rows: 1 }, r.state);
    const part = await r.writeData(run, 1);
    await r.sink.putObject(manifestKey(manifestHome(r), run.runId), JSON.stringify(r.manifestOf(run, { from: null, to: c('a', '1') })), { contentType: 'application/json' });
    expect(await abortJobRun(run, { from: null, to: c('a', '1') }, [part], r.deps)).toEqual({ committed: true });
    expect(r.sink.keys()).toContain(part.key);
    expect(await r.state.getState('orders')).toMatchObject({ cursor: c('a', '1'), pending: null });
  });

  it('names why a run is not the one in flight: the lease or the pending window', async () => {
    const r = rig();
    const run = await r.begun(T0);
    await recordWindow(run, { from: null, to: c('a', '1'), rows: 1 }, r.state);
    expect(await inFlightProblem(run, { from: null, to: c('a', '1') }, r.state)).toBeNull();
    expect(await inFlightProblem(run, { from: null, to: c('b', '2') }, r.state)).toBe('its window is not the pending commit of job "orders" (pending: orders_20260301_100000)');
    await endJobRun(r.job, run.runId, 'req-1', r.deps);
    expect(await inFlightProblem(run, { from: null, to: c('a', '1') }, r.state)).toBe('it is not the run in flight of job "orders" (the lease is free)');
  });
});
