/**
 * One scheduled (or manual) run of a catalog job, with the semantics that make retries and
 * overlaps safe:
 *
 *   lease (no two runs of a job overlap)
 *   -> recover a half-finished commit of an earlier run (roll forward if its manifest exists, back if not)
 *   -> manifest of this runId already there? no-op `already-committed` (a retried slot)
 *   -> export the window after the cursor, bounded inside the snapshot
 *        beginCommit(window) before data  ->  data  ->  manifest  ->  finishCommit (cursor := window end)
 *   -> release the lease
 *
 * A failure before the manifest leaves the cursor where it was (the next run covers the same
 * rows); a retry of the same slot re-exports exactly the recorded window to the same keys.
 */
import type { JobConfig, Manifest } from '@rds-s3-export/shared-types';
import type { Clock, Cursor, JobState, Logger, ObjectSink, ResolvedWindow, RowSource, StateStore, WindowRequest } from '../ports.js';
import { manifestKeyFor, planKeys, runIdFor, runTimeOf } from '../naming/object-keys.js';
import { ConfigError, ExportTimeoutError } from '../errors.js';
import { runExport, type ExportProgress, type ExportRequest } from './run-export.js';
import { exportChunksAndCommit, planChunks } from './parallel-export.js';
import { StateConflictError } from '../errors.js';

export type RunMode = 'full' | 'incremental';

export interface JobRunRequest {
  readonly job: JobConfig;
  /** The scheduled time (or the manual run time): names the run, UTC. */
  readonly runTime: Date;
  /** @default 'incremental' when the job has an `incremental` section, else 'full' */
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
  /** How long a lease lives: the function timeout plus a margin, so a crashed run never blocks the job for long. */
  readonly leaseTtlMs: number;
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

export async function runJob(request: JobRunRequest, deps: JobRunDependencies): Promise<JobRunOutcome> {
  const { job } = request;
  const runId = runIdFor(job.name, request.runTime);
  const mode: RunMode = request.mode ?? (job.incremental ? 'incremental' : 'full');
  const log = (message: string, fields: Record<string, unknown> = {}) => deps.logger.info(message, { runId, job: job.name, ...fields });

  if (!(await deps.state.acquireLease(job.name, deps.owner, deps.leaseTtlMs))) {
    log('another run of this job holds the lease', { phase: 'lease', status: 'skipped' });
    return { status: 'skipped', runId, reason: 'another run of this job holds the lease' };
  }
  const deadline = armDeadline(deps);
  try {
    const prepared = await prepareRun(job, runId, deps);
    if (prepared.existing) return { status: 'already-committed', runId, manifest: prepared.existing };
    const state = prepared.state;
    const window = windowFor(job, mode, state.cursor, state.pending?.runId === runId ? state.pending.to : null);
    const storedCursor = state.cursor;
    const previous = !request.acceptSchemaChange && state.lastRunId ? await readManifest(job, state.lastRunId, deps.sink) : null;
    const exportRequest: ExportRequest = {
      ...exportRequestFor(job, request.runTime, window),
      ...(previous ? { expectColumns: { runId: previous.runId, columns: previous.columns } } : {}),
    };
    let totalRows: number | undefined;
    let lastProgress: ExportProgress | undefined;
    const beforeData = async (resolved: ResolvedWindow | undefined, _runId: string, sourceRows: number) => {
      totalRows = sourceRows;
      log('exporting', { phase: 'stream', sourceRows, estimatedSeconds: Math.ceil(sourceRows / ESTIMATED_ROWS_PER_SECOND) });
      if (!resolved) return;
      const recorded = await deps.state.beginCommit(job.name, { runId, from: storedCursor, to: resolved.to });
      if (!recorded) throw new StateConflictError(`the cursor of job "${job.name}" moved while run ${runId} was starting`);
    };
    const exported = request.parallel
      ? (async () => {
          const keyColumn = job.primaryKey?.[0] ?? job.incremental?.keyColumn;
          if (!keyColumn) throw new ConfigError('CHUNK_KEY_MISSING', `job "${job.name}" needs primaryKey (or incremental.keyColumn) to be split into chunks`);
          const options = { chunks: request.parallel!.chunks, concurrency: request.parallel!.concurrency, keyColumn };
          const plan = await planChunks(exportRequest, options, { source: () => deps.source, signal: deadline.signal, logger: deps.logger });
          log('planned chunks', { phase: 'plan', chunks: plan.ranges.length, rows: plan.rows });
          return exportChunksAndCommit({ ...exportRequest, limits: undefined }, plan, options, {
            source: () => deps.source,
            sink: deps.sink,
            clock: deps.clock,
            logger: deps.logger,
            signal: deadline.signal,
            beforeData,
          });
        })()
      : runExport(exportRequest, {
          source: deps.source,
          sink: deps.sink,
          clock: deps.clock,
          logger: deps.logger,
          signal: deadline.signal,
          onProgress: (progress) => {
            lastProgress = progress;
            deps.onProgress?.(progress);
          },
          beforeData,
          // A run that outlived its lease must not commit over the run that took over.
          beforeManifest: async () => {
            const owned = window
              ? (await deps.state.getState(job.name)).pending?.runId === runId
              : await deps.state.acquireLease(job.name, deps.owner, deps.leaseTtlMs);
            if (!owned) throw new StateConflictError(`run ${runId} of job "${job.name}" lost its lease to another run before committing; nothing was committed`);
          },
        });
    const manifest = await exported.catch((error: unknown) => {
      if (deadline.fired()) {
        const estimate = suggestChunks(totalRows, lastProgress);
        deps.logger.warn('the run would not fit in one invocation', { runId, job: job.name, phase: 'timeout', sourceRows: totalRows, rowsSoFar: lastProgress?.rows, ...estimate });
        throw new ExportTimeoutError(
          `export of job "${job.name}" stopped ${Math.round((deps.deadlineMarginMs ?? 20_000) / 1000)} s before the time limit; ` +
            'the upload was aborted and nothing was committed. Enable parallel export for this job' +
            (estimate.suggestedChunks ? ` (parallel.chunks >= ${estimate.suggestedChunks} by the rate measured so far)` : '') +
            ' or give the function more time.',
          { cause: error },
        );
      }
      throw error;
    });
    if (!window) await deps.state.noteCommitted(job.name, runId);
    if (window) {
      if (!(await deps.state.finishCommit(job.name, runId))) {
        // The manifest exists: the next run's recovery step rolls the cursor forward.
        deps.logger.warn('cursor not advanced after commit; the next run will roll it forward', { runId, job: job.name, phase: 'commit' });
      }
    }
    return { status: 'committed', runId, manifest };
  } finally {
    deadline.clear();
    await deps.state.releaseLease(job.name, deps.owner).catch((error: unknown) => {
      deps.logger.warn('could not release the lease; it expires on its own', { runId, job: job.name, error: String(error) });
    });
  }
}

export function windowFor(job: JobConfig, mode: RunMode, cursor: Cursor | null, recordedEnd: Cursor | null): WindowRequest | undefined {
  if (!job.incremental) return undefined;
  return {
    cursorColumn: job.incremental.cursorColumn,
    keyColumn: job.incremental.keyColumn,
    // A full run of an incremental job re-exports everything up to the bound and resets the cursor there.
    after: mode === 'full' ? null : cursor,
    bound: recordedEnd ? { kind: 'until', cursor: recordedEnd } : { kind: 'lag', seconds: job.incremental.lagSeconds },
  };
}

/** Aborts the run `deadlineMarginMs` before the platform's deadline. */
function armDeadline(deps: JobRunDependencies) {
  const controller = new AbortController();
  let fired = false;
  let timer: NodeJS.Timeout | undefined;
  if (deps.remainingTimeMs) {
    const budget = deps.remainingTimeMs() - (deps.deadlineMarginMs ?? 20_000);
    const fire = () => {
      fired = true;
      controller.abort(new ExportTimeoutError('the run reached its deadline'));
    };
    if (budget <= 0) fire();
    else timer = setTimeout(fire, budget);
  }
  return { signal: controller.signal, fired: () => fired, clear: () => timer && clearTimeout(timer) };
}

/**
 * Recovery and idempotency, shared by the single-invocation run and the staged (Step
 * Functions) run: settle a commit an earlier run left pending, then report whether this run
 * id is already committed (and make sure its cursor moved).
 */
export async function prepareRun(
  job: JobConfig,
  runId: string,
  deps: Pick<JobRunDependencies, 'state' | 'sink' | 'logger'>,
): Promise<{ state: JobState; existing: Manifest | null }> {
  const log = (message: string, fields: Record<string, unknown> = {}) => deps.logger.info(message, { runId, job: job.name, ...fields });
  const manifestKey = (id: string) => manifestKeyFor(job.destination.manifestPrefix, job.name, id);
  const readManifest = async (id: string) => {
    const text = await deps.sink.getObject(manifestKey(id));
    return text === null ? null : (JSON.parse(text) as Manifest);
  };
  let state = await deps.state.getState(job.name);
  // A commit left pending by an earlier run: its manifest decides which way it goes.
  if (state.pending && state.pending.runId !== runId) {
    const pending = state.pending;
    if (await readManifest(pending.runId)) {
      await deps.state.finishCommit(job.name, pending.runId);
      log('rolled forward the cursor of a run that wrote its manifest', { phase: 'recover', pendingRunId: pending.runId });
    } else {
      const removed = await removeRunObjects(job, pending.runId, deps.sink);
      await deps.state.abandonCommit(job.name, pending.runId);
      log('dropped the pending window of a run that never committed', { phase: 'recover', pendingRunId: pending.runId, removedObjects: removed });
    }
    state = await deps.state.getState(job.name);
  }
  const existing = await readManifest(runId);
  if (existing) {
    if (state.pending?.runId === runId) await deps.state.finishCommit(job.name, runId);
    log('this run is already committed', { phase: 'idempotency', status: 'already-committed' });
  }
  return { state, existing };
}

/** The export request of a catalog job for one run. */
export function exportRequestFor(job: JobConfig, runTime: Date, window: WindowRequest | undefined): ExportRequest {
  return {
    job: job.name,
    table: job.table,
    query: job.query,
    allowPrivilegedQuery: job.allowPrivilegedQuery,
    columns: job.columns,
    dialect: job.csv,
    prefix: job.destination.prefix,
    manifestPrefix: job.destination.manifestPrefix,
    layout: job.destination.layout,
    compression: job.destination.compression,
    runTime,
    window,
    limits: { maxRows: job.limits.maxRowsPerFile, maxBytes: job.limits.maxBytesPerFile },
  };
}

/** A planning guess of export speed when nothing was measured yet (the benchmark's order of magnitude). */
const ESTIMATED_ROWS_PER_SECOND = 150_000;

/** Chunks needed for the run to fit, from the rows exported so far and the time they took. */
function suggestChunks(totalRows: number | undefined, progress: ExportProgress | undefined): { suggestedChunks?: number; rowsPerSecond?: number } {
  if (!totalRows || !progress?.rows || progress.elapsedMs <= 0) return {};
  const rowsPerSecond = Math.round((progress.rows / progress.elapsedMs) * 1000);
  const secondsNeeded = totalRows / Math.max(rowsPerSecond, 1);
  const budgetSeconds = progress.elapsedMs / 1000;
  return { rowsPerSecond, suggestedChunks: Math.max(2, Math.ceil((secondsNeeded / Math.max(budgetSeconds, 1)) * 1.5)) };
}

async function readManifest(job: JobConfig, runId: string, sink: ObjectSink): Promise<Manifest | null> {
  const text = await sink.getObject(manifestKeyFor(job.destination.manifestPrefix, job.name, runId));
  return text === null ? null : (JSON.parse(text) as Manifest);
}

/**
 * Removes the data objects of a run that never wrote its manifest (it crashed between its data
 * and its manifest), so nothing uncommitted lingers under the data prefix that Athena reads.
 */
async function removeRunObjects(job: JobConfig, runId: string, sink: ObjectSink): Promise<number> {
  const runTime = runTimeOf(runId);
  if (!runTime || !sink.listKeys) return 0;
  const stem = planKeys(exportRequestFor(job, runTime, undefined)).dataKey().replace(/\.csv(\.gz)?$/, '');
  const keys = (await sink.listKeys(stem)).filter((k) => /^(_part\d{4})?\.csv(\.gz)?$/.test(k.slice(stem.length)));
  await Promise.all(keys.map((k) => sink.deleteObject(k)));
  return keys.length;
}
