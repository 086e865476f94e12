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
import { STAGED_LEASE_TTL_MS, runIdFor, type JobConfig, type Manifest, type StagedPlanPayload } from '@rds-s3-export/shared-types';
import type { Clock, Logger, ObjectSink, RowSource, StateStore } from '../ports.js';
import { ConfigError, StagedPlanMismatchError } from '../errors.js';
import { readManifest } from './manifest.js';
import { exportChunk, exportPlanned, planChunks, plannedData, removeChunkParts, type ChunkPlan, type ChunkResult } from './chunks.js';
import { beginJobRun, chunkKeyOf, commitJobRun, endJobRun, abortJobRun, exportRequestFor, inFlightProblem, recordWindow, windowFor, type JobRun } from './job-protocol.js';

/** What the plan step hands to the later steps: the shared-types `StagedPlanSchema`, parsed by the handler. */
export type StagedPlan = StagedPlanPayload;

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

export async function planStagedRun(
  job: JobConfig,
  request: { runTime: Date; mode?: JobRun['mode']; chunks: number },
  deps: StagedDependencies & { leaseTtlMs?: number },
): Promise<StagedPlanOutcome> {
  const keyColumn = chunkKeyOf(job);
  const runId = runIdFor(job.name, request.runTime);
  // The run id owns the lease from plan to commit or abort (each step is another invocation).
  const begun = await beginJobRun(job, { runTime: request.runTime, mode: request.mode, owner: runId, leaseTtlMs: deps.leaseTtlMs ?? STAGED_LEASE_TTL_MS }, deps);
  if (begun.status !== 'begun') return begun;
  const { run } = begun;
  try {
    const chunkRequest = { ...run.request, limits: undefined };
    const plan = await planChunks(chunkRequest, { chunks: request.chunks, keyColumn }, deps);
    await recordWindow(run, plan.window, deps.state);
    deps.logger.info('planned chunks', { runId, job: job.name, phase: 'plan', chunks: plan.ranges.length, rows: plan.rows });
    if (plan.rows === 0) {
      // Nothing to split: commit the empty run right here.
      const data = await exportPlanned(chunkRequest, plan, {}, deps);
      const manifest = await commitJobRun(run, { ...data, startedAt: request.runTime, finishedAt: deps.clock.now() }, deps);
      await endJobRun(job, runId, runId, deps);
      return { status: 'committed', runId, manifest };
    }
    const staged: StagedPlan = {
      job: job.name,
      runId,
      runTime: request.runTime.toISOString(),
      mode: run.mode,
      keyColumn,
      ranges: [...plan.ranges],
      window: plan.window ?? null,
      rows: plan.rows,
      columns: [...plan.columns],
      engine: deps.source.engine,
    };
    return { status: 'planned', plan: staged, chunks: plan.ranges.map((_, index) => ({ index })) };
  } catch (error) {
    await endJobRun(job, runId, runId, deps);
    throw error;
  }
}

/** Exports one chunk of the run in flight; a plan that is not (e.g. a committed run's) is refused: its parts are final. */
export async function exportStagedChunk(job: JobConfig, plan: StagedPlan, index: number, deps: StagedDependencies): Promise<ChunkResult> {
  const { run, chunkPlan } = restore(job, plan);
  await assertInFlight(run, plan, deps.state, 'chunk');
  return exportChunk(run.request, chunkPlan, index, deps);
}

/**
 * Writes the run's one manifest. Only for the run in flight; a commit of a run that already
 * committed (a retried step, or a crafted payload) returns the stored manifest and changes nothing.
 */
export async function commitStagedRun(job: JobConfig, plan: StagedPlan, results: readonly ChunkResult[], deps: Omit<StagedDependencies, 'source'>): Promise<Manifest> {
  const { run, chunkPlan } = restore(job, plan);
  const data = plannedData(run.request, chunkPlan, plan.engine, results);
  const problem = await inFlightProblem(run, plan.window ?? undefined, deps.state);
  if (problem) {
    const stored = await readManifest(deps.sink, run.request, plan.runId);
    if (stored !== null) {
      deps.logger.warn('commit of a run that is already committed: the stored manifest stands', { runId: plan.runId, job: job.name, phase: 'commit' });
      return stored;
    }
    throw new StagedPlanMismatchError(`commit of run ${plan.runId} refused: ${problem}; nothing was written`);
  }
  const manifest = await commitJobRun(run, { ...data, startedAt: new Date(plan.runTime), finishedAt: deps.clock.now() }, deps);
  await endJobRun(job, plan.runId, plan.runId, deps);
  return manifest;
}

/**
 * The catch path. If the run's manifest exists (the commit step failed after writing it), the
 * run is committed: only the cursor and the lease are settled, and no part is touched.
 * Otherwise every part is removed and the pending window stays for the retried slot.
 */
export async function abortStagedRun(job: JobConfig, plan: StagedPlan, deps: Omit<StagedDependencies, 'source'>): Promise<{ aborted: boolean; committed: boolean; runId: string }> {
  const { run, chunkPlan } = restore(job, plan);
  // Before anything is deleted, the plan must be the run in flight (unless its manifest says it committed).
  const settled = await abortJobRun(run, plan.window, [], deps);
  if (settled.committed) {
    await endJobRun(job, plan.runId, plan.runId, deps);
    deps.logger.warn('the commit step failed after writing the manifest: the run is committed, nothing was removed', { runId: plan.runId, job: job.name, phase: 'abort' });
    return { aborted: false, committed: true, runId: plan.runId };
  }
  await assertInFlight(run, plan, deps.state, 'abort');
  await removeChunkParts(run.request, chunkPlan, deps.sink);
  deps.logger.warn('aborted a parallel run: its parts were removed and nothing was committed', { runId: plan.runId, job: job.name, phase: 'abort' });
  await endJobRun(job, plan.runId, plan.runId, deps);
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
async function assertInFlight(run: JobRun, plan: StagedPlan, state: StateStore, step: 'chunk' | 'abort'): Promise<void> {
  const problem = await inFlightProblem(run, plan.window ?? undefined, state);
  if (problem) throw new StagedPlanMismatchError(`${step} of run ${plan.runId} refused: ${problem}; nothing was ${step === 'abort' ? 'deleted' : 'written'}`);
}

/** The plan as the protocol's run and the chunks' plan, after checking that it fits the job. */
function restore(job: JobConfig, plan: StagedPlan): { run: JobRun; chunkPlan: ChunkPlan } {
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
  const run: JobRun = {
    job,
    runId: plan.runId,
    mode: plan.mode,
    owner: plan.runId,
    leaseTtlMs: STAGED_LEASE_TTL_MS,
    cursor: plan.window?.from ?? null,
    request: { ...exportRequestFor(job, runTime, window), limits: undefined },
  };
  return {
    run,
    chunkPlan: { runId: plan.runId, keyColumn: plan.keyColumn, ranges: plan.ranges, window: plan.window ?? undefined, rows: plan.rows, columns: plan.columns },
  };
}
