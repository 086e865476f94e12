/**
 * A parallel run in separate invocations, for AWS Step Functions:
 *
 *   plan (Lambda)  ->  Distributed Map: chunk (Lambda) x N, max concurrency from the job  ->  commit (Lambda)
 *                                      \-- any chunk fails after its retries --> abort (Lambda) -> alarm
 *
 * The plan takes the job's lease (owned by the run id, so commit/abort can release it), settles
 * earlier runs, checks idempotency, plans the chunks in one snapshot and records the window as
 * the pending commit. Chunks only write `_partNNNN` objects. Commit writes the one manifest and
 * moves the cursor; abort removes the parts and leaves the pending window, so a retry of the
 * slot exports exactly the same rows. Every value passed between states is plain JSON.
 */
import type { Engine, JobConfig, Manifest, ManifestObject } from '@rds-s3-export/shared-types';
import type { Clock, KeyRange, Logger, ObjectSink, ResolvedWindow, RowSource, StateStore } from '../ports.js';
import { manifestKeyFor, runIdFor } from '../naming/object-keys.js';
import { ConfigError, StateConflictError } from '../errors.js';
import { abortChunks, commitChunks, exportChunk, planChunks, type ChunkPlan } from './parallel-export.js';
import { exportRequestFor, prepareRun, windowFor, type RunMode } from './run-job.js';
import { runExport } from './run-export.js';

export interface StagedPlan {
  readonly job: string;
  readonly runId: string;
  readonly runTime: string;
  readonly mode: RunMode;
  readonly keyColumn: string;
  readonly ranges: readonly KeyRange[];
  readonly window: ResolvedWindow | null;
  readonly rows: number;
  readonly columns: readonly { readonly name: string; readonly sourceType: string }[];
  readonly engine: Engine;
}

/** What a chunk hands to the commit step: small, so hundreds fit in a Map's result. */
export interface ChunkResult {
  readonly runId: string;
  readonly index: number;
  readonly objects: readonly ManifestObject[];
  readonly rows: number;
  readonly sourceRows: number;
  readonly exporterVersion: string;
}

export type StagedPlanOutcome =
  | { readonly status: 'planned'; readonly plan: StagedPlan; readonly chunks: readonly { readonly index: number }[] }
  | { readonly status: 'committed' | 'already-committed'; readonly runId: string; readonly manifest: Manifest }
  | { readonly status: 'skipped'; readonly runId: string; readonly reason: string };

export interface StagedDependencies {
  readonly source: RowSource;
  readonly sink: ObjectSink;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** How long a staged run may hold the job's lease (the state machine's own timeout should be shorter). @default 2 h */
export const STAGED_LEASE_TTL_MS = 2 * 60 * 60 * 1000;

export async function planStagedRun(
  job: JobConfig,
  request: { runTime: Date; mode?: RunMode; chunks: number },
  deps: StagedDependencies & { leaseTtlMs?: number },
): Promise<StagedPlanOutcome> {
  const runId = runIdFor(job.name, request.runTime);
  const mode: RunMode = request.mode ?? (job.incremental ? 'incremental' : 'full');
  const keyColumn = job.primaryKey?.[0] ?? job.incremental?.keyColumn;
  if (!keyColumn) throw new ConfigError('CHUNK_KEY_MISSING', `job "${job.name}" needs primaryKey (or incremental.keyColumn) to be split into chunks`);
  if (!(await deps.state.acquireLease(job.name, runId, deps.leaseTtlMs ?? STAGED_LEASE_TTL_MS))) {
    return { status: 'skipped', runId, reason: 'another run of this job holds the lease' };
  }
  try {
    const prepared = await prepareRun(job, runId, deps);
    if (prepared.existing) {
      await deps.state.releaseLease(job.name, runId);
      return { status: 'already-committed', runId, manifest: prepared.existing };
    }
    const state = prepared.state;
    const window = windowFor(job, mode, state.cursor, state.pending?.runId === runId ? state.pending.to : null);
    const previous = state.lastRunId ? await deps.sink.getObject(manifestKeyFor(job.destination.manifestPrefix, job.name, state.lastRunId)) : null;
    const previousColumns = previous ? (JSON.parse(previous) as Manifest).columns : null;
    const exportRequest = {
      ...exportRequestFor(job, request.runTime, window),
      limits: undefined,
      ...(previousColumns && state.lastRunId ? { expectColumns: { runId: state.lastRunId, columns: previousColumns } } : {}),
    };
    const plan = await planChunks(exportRequest, { chunks: request.chunks, keyColumn }, { source: () => deps.source, signal: deps.signal });
    if (plan.window) {
      const recorded = await deps.state.beginCommit(job.name, { runId, from: state.cursor, to: plan.window.to });
      if (!recorded) throw new StateConflictError(`the cursor of job "${job.name}" moved while run ${runId} was planned`);
    }
    deps.logger.info('planned chunks', { runId, job: job.name, phase: 'plan', chunks: plan.ranges.length, rows: plan.rows });
    if (plan.rows === 0) {
      // Nothing to split: commit the empty run right here.
      const manifest = await runExport(
        { ...exportRequest, window: plan.window?.to ? { ...window!, bound: { kind: 'until', cursor: plan.window.to } } : window },
        { source: deps.source, sink: deps.sink, clock: deps.clock, logger: deps.logger, signal: deps.signal },
      );
      if (plan.window) await deps.state.finishCommit(job.name, runId);
      await deps.state.releaseLease(job.name, runId);
      return { status: 'committed', runId, manifest };
    }
    const staged: StagedPlan = {
      job: job.name,
      runId,
      runTime: request.runTime.toISOString(),
      mode,
      keyColumn,
      ranges: plan.ranges,
      window: plan.window ?? null,
      rows: plan.rows,
      columns: plan.columns,
      engine: deps.source.engine,
    };
    return { status: 'planned', plan: staged, chunks: plan.ranges.map((_, index) => ({ index })) };
  } catch (error) {
    await deps.state.releaseLease(job.name, runId).catch(() => undefined);
    throw error;
  }
}

export async function exportStagedChunk(job: JobConfig, plan: StagedPlan, index: number, deps: Omit<StagedDependencies, 'state'>): Promise<ChunkResult> {
  const { request, chunkPlan } = restore(job, plan);
  const m = await exportChunk(request, chunkPlan, index, { source: () => deps.source, sink: deps.sink, clock: deps.clock, logger: deps.logger, signal: deps.signal });
  return { runId: m.runId, index, objects: m.objects, rows: m.rows, sourceRows: m.reconciliation.sourceRows, exporterVersion: m.exporterVersion };
}

export async function commitStagedRun(job: JobConfig, plan: StagedPlan, results: readonly ChunkResult[], deps: Omit<StagedDependencies, 'source'>): Promise<Manifest> {
  const { request, chunkPlan } = restore(job, plan);
  const ordered = [...results].sort((a, b) => a.index - b.index);
  const manifests: Manifest[] = ordered.map((r) => ({
    manifestVersion: 1,
    runId: r.runId,
    job: job.name,
    status: 'committed',
    startedAt: plan.runTime,
    finishedAt: plan.runTime,
    durationMs: 0,
    rows: r.rows,
    bytes: r.objects.reduce((sum, o) => sum + o.bytes, 0),
    objects: [...r.objects],
    columns: [...plan.columns],
    cursor: null,
    reconciliation: { sourceRows: r.sourceRows, exportedRows: r.rows },
    engine: plan.engine,
    source: job.table !== undefined ? { table: job.table } : { query: job.query ?? '' },
    csv: job.csv,
    compression: job.destination.compression,
    timeZone: 'UTC',
    exporterVersion: r.exporterVersion,
  }));
  const manifest = await commitChunks(request, chunkPlan, manifests, deps, new Date(plan.runTime));
  if (!plan.window) await deps.state.noteCommitted(job.name, plan.runId);
  if (plan.window && !(await deps.state.finishCommit(job.name, plan.runId))) {
    deps.logger.warn('cursor not advanced after commit; the next run will roll it forward', { runId: plan.runId, job: job.name, phase: 'commit' });
  }
  await deps.state.releaseLease(job.name, plan.runId);
  return manifest;
}

/**
 * The catch path. If the run's manifest exists (the commit step failed after writing it), the
 * run is committed: only the cursor and the lease are settled, and no part is touched.
 * Otherwise every part is removed and the pending window stays for the retried slot.
 */
export async function abortStagedRun(job: JobConfig, plan: StagedPlan, deps: Omit<StagedDependencies, 'source'>): Promise<{ aborted: boolean; committed: boolean; runId: string }> {
  const { request, chunkPlan } = restore(job, plan);
  if ((await deps.sink.getObject(manifestKeyFor(job.destination.manifestPrefix, job.name, plan.runId))) !== null) {
    if (plan.window) await deps.state.finishCommit(job.name, plan.runId);
    await deps.state.releaseLease(job.name, plan.runId);
    deps.logger.warn('the commit step failed after writing the manifest: the run is committed, nothing was removed', { runId: plan.runId, job: job.name, phase: 'abort' });
    return { aborted: false, committed: true, runId: plan.runId };
  }
  await abortChunks(request, chunkPlan, deps.sink);
  deps.logger.warn('aborted a parallel run: its parts were removed and nothing was committed', { runId: plan.runId, job: job.name, phase: 'abort' });
  await deps.state.releaseLease(job.name, plan.runId);
  return { aborted: true, committed: false, runId: plan.runId };
}

function restore(job: JobConfig, plan: StagedPlan): { request: ReturnType<typeof exportRequestFor>; chunkPlan: ChunkPlan } {
  if (plan.job !== job.name) throw new ConfigError('PLAN_MISMATCH', `plan of job "${plan.job}" given to job "${job.name}"`);
  const window = plan.window ? windowFor(job, plan.mode, plan.window.from, plan.window.to) : undefined;
  const request = { ...exportRequestFor(job, new Date(plan.runTime), window), limits: undefined };
  return {
    request,
    chunkPlan: { runId: plan.runId, keyColumn: plan.keyColumn, ranges: plan.ranges, window: plan.window ?? undefined, rows: plan.rows, columns: plan.columns },
  };
}
