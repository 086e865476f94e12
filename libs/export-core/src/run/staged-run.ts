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
 *
 * The payloads come back from outside (the state machine, or anyone allowed to invoke the
 * function): the handler parses them with shared-types' staged-event schemas, and the steps here
 * check what a schema cannot: that the plan fits the job, that the chunk results are the plan's
 * own parts, and, before `abort` deletes anything, that the plan is the run in flight (it holds
 * the job's lease; an incremental one is the pending commit), so a crafted abort can never
 * remove a committed run's objects or those of another run.
 */
import type { ChunkResultPayload, JobConfig, Manifest, StagedPlanPayload } from '@rds-s3-export/shared-types';
import type { Clock, Logger, ObjectSink, RowSource, StateStore } from '../ports.js';
import { manifestKeyFor, planKeys, runIdFor } from '../naming/object-keys.js';
import { ConfigError, StagedPlanMismatchError, StateConflictError } from '../errors.js';
import { abortChunks, commitChunks, exportChunk, planChunks, type ChunkPlan } from './parallel-export.js';
import { exportRequestFor, prepareRun, windowFor, type RunMode } from './run-job.js';
import { runExport } from './run-export.js';

/**
 * What the plan step hands to the later steps, and what a chunk hands to the commit step (small,
 * so hundreds fit in a Map's result): the contract is the zod schemas in shared-types
 * (staged-event.ts), which the handler parses every payload with.
 */
export type StagedPlan = StagedPlanPayload;
export type ChunkResult = ChunkResultPayload;

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
    const plan = await planChunks(exportRequest, { chunks: request.chunks, keyColumn }, { source: () => deps.source, signal: deps.signal, logger: deps.logger });
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
      ranges: [...plan.ranges],
      window: plan.window ?? null,
      rows: plan.rows,
      columns: [...plan.columns],
      engine: deps.source.engine,
    };
    return { status: 'planned', plan: staged, chunks: plan.ranges.map((_, index) => ({ index })) };
  } catch (error) {
    await deps.state.releaseLease(job.name, runId).catch(() => undefined);
    throw error;
  }
}

/** Exports one chunk of the run in flight; a plan that is not (e.g. a committed run's) is refused: its parts are final. */
export async function exportStagedChunk(job: JobConfig, plan: StagedPlan, index: number, deps: StagedDependencies): Promise<ChunkResult> {
  const { request, chunkPlan } = restore(job, plan);
  await assertInFlight(job, plan, deps.state, 'chunk');
  const m = await exportChunk(request, chunkPlan, index, { source: () => deps.source, sink: deps.sink, clock: deps.clock, logger: deps.logger, signal: deps.signal });
  return { runId: m.runId, index, objects: m.objects, rows: m.rows, sourceRows: m.reconciliation.sourceRows, exporterVersion: m.exporterVersion };
}

/**
 * Writes the run's one manifest. Only for the run in flight; a commit of a run that already
 * committed (a retried step, or a crafted payload) returns the stored manifest and changes nothing.
 */
export async function commitStagedRun(job: JobConfig, plan: StagedPlan, results: readonly ChunkResult[], deps: Omit<StagedDependencies, 'source'>): Promise<Manifest> {
  const { request, chunkPlan } = restore(job, plan);
  assertPlanResults(request, plan, results);
  const inFlight = await inFlightProblem(job, plan, deps.state);
  if (inFlight) {
    const stored = await deps.sink.getObject(manifestKeyFor(job.destination.manifestPrefix, job.name, plan.runId));
    if (stored !== null) {
      deps.logger.warn('commit of a run that is already committed: the stored manifest stands', { runId: plan.runId, job: job.name, phase: 'commit' });
      return JSON.parse(stored) as Manifest;
    }
    throw new StagedPlanMismatchError(`commit of run ${plan.runId} refused: ${inFlight}; nothing was written`);
  }
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
  await assertInFlight(job, plan, deps.state, 'abort');
  await abortChunks(request, chunkPlan, deps.sink);
  deps.logger.warn('aborted a parallel run: its parts were removed and nothing was committed', { runId: plan.runId, job: job.name, phase: 'abort' });
  await deps.state.releaseLease(job.name, plan.runId);
  return { aborted: true, committed: false, runId: plan.runId };
}

/**
 * The plan is the run in flight: its plan step took the job's lease (owned by the run id, held
 * until commit or abort releases it), and an incremental plan's window is the pending commit
 * the plan step recorded. Anything else (a finished run, another slot, an edited window) is
 * refused before a single object is written or deleted. A step that arrives after the lease
 * expired (STAGED_LEASE_TTL_MS, longer than the state machine's timeout) is refused too: an
 * abort then leaves its parts, unlisted by any manifest, and the retried slot overwrites them.
 */
async function assertInFlight(job: JobConfig, plan: StagedPlan, state: StateStore, step: 'chunk' | 'abort'): Promise<void> {
  const problem = await inFlightProblem(job, plan, state);
  if (problem) throw new StagedPlanMismatchError(`${step} of run ${plan.runId} refused: ${problem}; nothing was ${step === 'abort' ? 'deleted' : 'written'}`);
}

async function inFlightProblem(job: JobConfig, plan: StagedPlan, state: StateStore): Promise<string | null> {
  const owner = await state.leaseOwner(job.name);
  if (owner !== plan.runId) return `it is not the run in flight of job "${job.name}" (the lease is ${owner === null ? 'free' : `held by ${owner}`})`;
  if (plan.window) {
    const { pending } = await state.getState(job.name);
    const same = pending !== null && pending.runId === plan.runId && sameCursor(pending.from, plan.window.from) && sameCursor(pending.to, plan.window.to);
    if (!same) return `its window is not the pending commit of job "${job.name}" (pending: ${pending ? pending.runId : 'none'})`;
  }
  return null;
}

function sameCursor(a: { value: string; key: string } | null, b: { value: string; key: string } | null): boolean {
  return a === null || b === null ? a === b : a.value === b.value && a.key === b.key;
}

function restore(job: JobConfig, plan: StagedPlan): { request: ReturnType<typeof exportRequestFor>; chunkPlan: ChunkPlan } {
  if (plan.job !== job.name) throw new ConfigError('PLAN_MISMATCH', `plan of job "${plan.job}" given to job "${job.name}"`);
  const runTime = new Date(plan.runTime);
  // Part keys come from the run time, the manifest check from the run id: they must agree.
  if (Number.isNaN(runTime.getTime()) || plan.runId !== runIdFor(job.name, runTime)) {
    throw new ConfigError('PLAN_MISMATCH', `plan.runId: "${plan.runId}" is not the run of job "${job.name}" at plan.runTime ${plan.runTime}`);
  }
  const keyColumn = job.primaryKey?.[0] ?? job.incremental?.keyColumn;
  if (plan.keyColumn !== keyColumn || plan.ranges.some((range) => range.column !== keyColumn)) {
    throw new ConfigError('PLAN_MISMATCH', `plan.keyColumn: "${plan.keyColumn}" is not the chunk key of job "${job.name}" ("${keyColumn ?? ''}")`);
  }
  if (plan.engine !== job.engine) throw new ConfigError('PLAN_MISMATCH', `plan.engine: "${plan.engine}" is not the engine of job "${job.name}" ("${job.engine}")`);
  const window = plan.window ? windowFor(job, plan.mode, plan.window.from, plan.window.to) : undefined;
  const request = { ...exportRequestFor(job, runTime, window), limits: undefined };
  return {
    request,
    chunkPlan: { runId: plan.runId, keyColumn: plan.keyColumn, ranges: plan.ranges, window: plan.window ?? undefined, rows: plan.rows, columns: plan.columns },
  };
}

/** Each chunk of the plan exactly once, of this run, listing only that chunk's own part key. */
function assertPlanResults(request: ReturnType<typeof exportRequestFor>, plan: StagedPlan, results: readonly ChunkResult[]): void {
  const keys = planKeys(request);
  const seen = new Set<number>();
  for (const [i, result] of results.entries()) {
    if (result.runId !== plan.runId) throw new ConfigError('CHUNK_RESULTS_INVALID', `results[${i}].runId: "${result.runId}" is not the plan's run "${plan.runId}"`);
    if (!Number.isInteger(result.index) || result.index < 0 || result.index >= plan.ranges.length || seen.has(result.index)) {
      throw new ConfigError('CHUNK_RESULTS_INVALID', `results[${i}].index: ${result.index} is not a chunk of run ${plan.runId} (0..${plan.ranges.length - 1}, each once)`);
    }
    seen.add(result.index);
    const own = keys.dataKey(result.index + 1);
    const foreign = result.objects.find((object) => object.key !== own);
    if (foreign) throw new ConfigError('CHUNK_RESULTS_INVALID', `results[${i}].objects: "${foreign.key}" is not the part of chunk ${result.index + 1} of run ${plan.runId} ("${own}")`);
  }
  if (seen.size !== plan.ranges.length) throw new ConfigError('CHUNK_RESULTS_INCOMPLETE', `commit of run ${plan.runId} needs ${plan.ranges.length} chunk results (got ${seen.size})`);
}
