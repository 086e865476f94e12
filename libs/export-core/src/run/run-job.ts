/**
 * The inline driver: one scheduled (or manual) run of a job in one invocation, over the job
 * protocol (job-protocol.ts): begin -> snapshot (its window recorded as the pending commit
 * before any data) -> data -> commit -> end. With `parallel`, the data is a chunk plan exported
 * in this process. A deadline guard stops the run before the platform kills it.
 */
import { INLINE_LEASE_TTL_MS, type JobConfig, type Manifest } from '@rds-s3-export/shared-types';
import type { Clock, Logger, ObjectSink, RowSource, StateStore } from '../ports.js';
import { ExportTimeoutError } from '../errors.js';
import { exportSnapshot, type ExportProgress } from './snapshot-export.js';
import { snapshotRequestFor } from './export-request.js';
import { exportPlanned, planChunks } from './chunks.js';
import { assertStillOwned, beginJobRun, chunkKeyOf, commitJobRun, endJobRun, recordWindow, type JobRun, type RunMode } from './job-protocol.js';

export interface JobRunRequest {
  readonly job: JobConfig;
  /** The scheduled time (or the manual run time): names the run, UTC. */
  readonly runTime: Date;
  /** @default defaultRunMode(job): 'incremental' when the job has an `incremental` section, else 'full' */
  readonly mode?: RunMode;
  /** Export in key-range chunks (plan -> chunks -> commit) instead of one stream. */
  readonly parallel?: { readonly chunks: number; readonly concurrency?: number };
  /** Export even if the columns differ from the last committed run's (after a deliberate schema change). @default false */
  readonly acceptSchemaChange?: boolean;
}

export interface JobRunDependencies {
  readonly source: RowSource;
  readonly sink: ObjectSink;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Identifies this invocation as lease owner (the Lambda request id). */
  readonly owner: string;
  /** How long a lease lives, so a crashed run never blocks the job for long. @default INLINE_LEASE_TTL_MS (16 min) */
  readonly leaseTtlMs?: number;
  /** Milliseconds left before the platform kills the process (Lambda's getRemainingTimeInMillis). */
  readonly remainingTimeMs?: () => number;
  /** Stop this long before the deadline, to abort the upload and release the lease cleanly. @default 20000 */
  readonly deadlineMarginMs?: number;
  readonly onProgress?: (progress: ExportProgress) => void;
}

export type JobRunOutcome =
  | { readonly status: 'committed'; readonly runId: string; readonly manifest: Manifest }
  | { readonly status: 'already-committed'; readonly runId: string; readonly manifest: Manifest }
  | { readonly status: 'skipped'; readonly runId: string; readonly reason: string };

/** A planning guess of export speed when nothing was measured yet (the benchmark's order of magnitude). */
const ESTIMATED_ROWS_PER_SECOND = 150_000;
const DEFAULT_DEADLINE_MARGIN_MS = 20_000;

export async function runJob(request: JobRunRequest, deps: JobRunDependencies): Promise<JobRunOutcome> {
  const { job } = request;
  const begun = await beginJobRun(job, { runTime: request.runTime, mode: request.mode, owner: deps.owner, leaseTtlMs: deps.leaseTtlMs ?? INLINE_LEASE_TTL_MS, acceptSchemaChange: request.acceptSchemaChange }, deps);
  if (begun.status !== 'begun') return begun;
  const { run } = begun;
  const deadline = armDeadline(deps);
  let totalRows: number | undefined;
  let lastProgress: ExportProgress | undefined;
  try {
    const manifest = await exportAndCommit(run, request, { ...deps, signal: deadline.signal }, {
      onRows: (rows) => (totalRows = rows),
      onProgress: (progress) => {
        lastProgress = progress;
        deps.onProgress?.(progress);
      },
    }).catch((error: unknown) => {
      if (!deadline.fired()) throw error;
      const estimate = suggestChunks(totalRows, lastProgress);
      deps.logger.warn('the run would not fit in one invocation', { runId: run.runId, job: job.name, phase: 'timeout', sourceRows: totalRows, rowsSoFar: lastProgress?.rows, ...estimate });
      throw new ExportTimeoutError(
        `export of job "${job.name}" stopped ${Math.round((deps.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS) / 1000)} s before the time limit; ` +
          'the upload was aborted and nothing was committed. Enable parallel export for this job' +
          (estimate.suggestedChunks ? ` (parallel.chunks >= ${estimate.suggestedChunks} by the rate measured so far)` : '') +
          ' or give the function more time.',
        { cause: error },
      );
    });
    return { status: 'committed', runId: run.runId, manifest };
  } finally {
    deadline.clear();
    await endJobRun(job, run.runId, deps.owner, deps);
  }
}

async function exportAndCommit(
  run: JobRun,
  request: JobRunRequest,
  deps: JobRunDependencies & { readonly signal: AbortSignal },
  watch: { onRows(rows: number): void; onProgress(progress: ExportProgress): void },
): Promise<Manifest> {
  const log = (message: string, fields: Record<string, unknown>) => deps.logger.info(message, { runId: run.runId, job: run.job.name, ...fields });
  const exporting = (sourceRows: number) => {
    watch.onRows(sourceRows);
    log('exporting', { phase: 'stream', sourceRows, estimatedSeconds: Math.ceil(sourceRows / ESTIMATED_ROWS_PER_SECOND) });
  };
  const commit = { ...deps, stillInFlight: assertStillOwned(run, deps.state) };
  if (request.parallel) {
    const options = { chunks: request.parallel.chunks, concurrency: request.parallel.concurrency, keyColumn: chunkKeyOf(run.job) };
    const chunkRequest = { ...run.request, limits: undefined };
    const plan = await planChunks(chunkRequest, options, deps);
    log('planned chunks', { phase: 'plan', chunks: plan.ranges.length, rows: plan.rows });
    exporting(plan.rows);
    await recordWindow(run, plan.window, deps.state);
    const started = deps.clock.now();
    const data = await exportPlanned(chunkRequest, plan, options, deps);
    return commitJobRun(run, { ...data, startedAt: started, finishedAt: deps.clock.now() }, commit);
  }
  const data = await exportSnapshot(snapshotRequestFor(run.request), {
    ...deps,
    onProgress: watch.onProgress,
    beforeData: async (window, sourceRows) => {
      exporting(sourceRows);
      await recordWindow(run, window, deps.state);
    },
  });
  return commitJobRun(run, { ...data, finishedAt: deps.clock.now() }, commit);
}

/** Aborts the run `deadlineMarginMs` before the platform's deadline. */
function armDeadline(deps: JobRunDependencies) {
  const controller = new AbortController();
  let fired = false;
  let timer: NodeJS.Timeout | undefined;
  if (deps.remainingTimeMs) {
    const budget = deps.remainingTimeMs() - (deps.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS);
    const fire = () => {
      fired = true;
      controller.abort(new ExportTimeoutError('the run reached its deadline'));
    };
    if (budget <= 0) fire();
    else timer = setTimeout(fire, budget);
  }
  return { signal: controller.signal, fired: () => fired, clear: () => timer && clearTimeout(timer) };
}

/** Chunks needed for the run to fit, from the rows exported so far and the time they took. */
function suggestChunks(totalRows: number | undefined, progress: ExportProgress | undefined): { suggestedChunks?: number; rowsPerSecond?: number } {
  if (!totalRows || !progress?.rows || progress.elapsedMs <= 0) return {};
  const rowsPerSecond = Math.round((progress.rows / progress.elapsedMs) * 1000);
  const secondsNeeded = totalRows / Math.max(rowsPerSecond, 1);
  const budgetSeconds = progress.elapsedMs / 1000;
  return { rowsPerSecond, suggestedChunks: Math.max(2, Math.ceil((secondsNeeded / Math.max(budgetSeconds, 1)) * 1.5)) };
}
