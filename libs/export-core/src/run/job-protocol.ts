/**
 * The job protocol: what makes the runs of a job safe to retry and to overlap, for both drivers
 * (run-job.ts in one invocation, staged-run.ts across Step Functions steps).
 *
 *   begin:  lease (no two runs of a job overlap)
 *           -> settle a commit an earlier run left pending (roll forward if its manifest exists,
 *              else remove its objects and roll back)
 *           -> this run id already has a manifest? `already-committed` (a retried slot)
 *           -> the window after the cursor (a retry: exactly the recorded window), and the
 *              columns of the last committed run the snapshot must match
 *   record: the window resolved in the snapshot becomes the pending commit, before any data
 *   commit: manifest (the commit marker) -> cursor := window end (or lastRunId for a full export)
 *   abort:  manifest already there? roll forward; else remove the run's objects, pending stays
 *   end:    release the lease
 *
 * A failure before the manifest leaves the cursor where it was (the next run covers the same
 * rows); a retry of the same slot re-exports exactly the recorded window to the same keys.
 */
import { planKeys, runIdFor, runTimeOf, type JobConfig, type Manifest } from '@rds-s3-export/shared-types';
import type { Cursor, JobState, Logger, ObjectSink, ResolvedWindow, StateStore, WindowRequest } from '../ports.js';
import { ConfigError, StateConflictError } from '../errors.js';
import { buildManifest, hasManifest, publishManifest, readManifest, type RunFacts } from './manifest.js';
import { removeObjects, runContext } from './snapshot-export.js';
import type { ExportRequest } from './export-request.js';

export type RunMode = 'full' | 'incremental';

export interface ProtocolDependencies {
  readonly state: StateStore;
  readonly sink: ObjectSink;
  readonly logger: Logger;
}

export interface BeginOptions {
  readonly runTime: Date;
  /** @default defaultRunMode(job) */
  readonly mode?: RunMode;
  /** Who holds the lease: the Lambda request id (one invocation) or the run id (staged). */
  readonly owner: string;
  readonly leaseTtlMs: number;
  /** Export even if the columns differ from the last committed run's. @default false */
  readonly acceptSchemaChange?: boolean;
}

/** A run that holds its job's lease and is neither committed nor skipped. */
export interface JobRun {
  readonly job: JobConfig;
  readonly runId: string;
  readonly mode: RunMode;
  readonly owner: string;
  readonly leaseTtlMs: number;
  /** The cursor when the run began: the `from` of its pending commit. */
  readonly cursor: Cursor | null;
  /** The export this run makes (window and expected columns included). */
  readonly request: ExportRequest;
}

export type Begun =
  | { readonly status: 'begun'; readonly run: JobRun }
  | { readonly status: 'already-committed'; readonly runId: string; readonly manifest: Manifest }
  | { readonly status: 'skipped'; readonly runId: string; readonly reason: string };

/** An incremental job runs incrementally unless asked for a full run. */
export function defaultRunMode(job: Pick<JobConfig, 'incremental'>): RunMode {
  return job.incremental ? 'incremental' : 'full';
}

/** The column chunks are split by: the first primary-key column, else the incremental key. */
export function chunkKeyOf(job: JobConfig): string {
  const keyColumn = job.primaryKey?.[0] ?? job.incremental?.keyColumn;
  if (!keyColumn) throw new ConfigError('CHUNK_KEY_MISSING', `job "${job.name}" needs primaryKey (or incremental.keyColumn) to be split into chunks`);
  return keyColumn;
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
    format: job.format,
    runTime,
    window,
    limits: { maxRows: job.limits.maxRowsPerFile, maxBytes: job.limits.maxBytesPerFile },
  };
}

/** Lease, recovery, idempotency, window and schema expectation. On a failure the lease is released. */
export async function beginJobRun(job: JobConfig, options: BeginOptions, deps: ProtocolDependencies): Promise<Begun> {
  const runId = runIdFor(job.name, options.runTime);
  const mode = options.mode ?? defaultRunMode(job);
  if (!(await deps.state.acquireLease(job.name, options.owner, options.leaseTtlMs))) {
    deps.logger.info('another run of this job holds the lease', { runId, job: job.name, phase: 'lease', status: 'skipped' });
    return { status: 'skipped', runId, reason: 'another run of this job holds the lease' };
  }
  try {
    const state = await settlePending(job, runId, deps);
    const subject = { job: job.name, manifestPrefix: job.destination.manifestPrefix };
    const existing = await readManifest(deps.sink, subject, runId);
    if (existing) {
      if (state.pending?.runId === runId) await deps.state.finishCommit(job.name, runId);
      deps.logger.info('this run is already committed', { runId, job: job.name, phase: 'idempotency', status: 'already-committed' });
      await endJobRun(job, runId, options.owner, deps);
      return { status: 'already-committed', runId, manifest: existing };
    }
    const window = windowFor(job, mode, state.cursor, state.pending?.runId === runId ? state.pending.to : null);
    const previous = !options.acceptSchemaChange && state.lastRunId ? await readManifest(deps.sink, subject, state.lastRunId) : null;
    const request: ExportRequest = {
      ...exportRequestFor(job, options.runTime, window),
      ...(previous ? { expectColumns: { runId: previous.runId, columns: previous.columns } } : {}),
    };
    return { status: 'begun', run: { job, runId, mode, owner: options.owner, leaseTtlMs: options.leaseTtlMs, cursor: state.cursor, request } };
  } catch (error) {
    await endJobRun(job, runId, options.owner, deps);
    throw error;
  }
}

/**
 * Records the window the snapshot resolved as the run's pending commit, before any data is
 * written; a full export records nothing. Refused (STATE_CONFLICT) if the cursor moved or
 * another run is pending.
 */
export async function recordWindow(run: JobRun, window: ResolvedWindow | undefined, state: StateStore): Promise<void> {
  if (!window) return;
  const recorded = await state.beginCommit(run.job.name, { runId: run.runId, from: run.cursor, to: window.to });
  if (!recorded) throw new StateConflictError(`the cursor of job "${run.job.name}" moved while run ${run.runId} was starting`);
}

/**
 * Is the run still the one in flight? Its lease is not lost to another run, and an incremental
 * run's window is still the pending commit. Null when it is, else the reason.
 */
export async function inFlightProblem(run: Pick<JobRun, 'job' | 'runId' | 'owner'>, window: { from: Cursor | null; to: Cursor | null } | undefined, state: StateStore): Promise<string | null> {
  const job = run.job.name;
  const owner = await state.leaseOwner(job);
  if (owner !== run.owner) return `it is not the run in flight of job "${job}" (the lease is ${owner === null ? 'free' : `held by ${owner}`})`;
  if (window) {
    const { pending } = await state.getState(job);
    const same = pending !== null && pending.runId === run.runId && sameCursor(pending.from, window.from) && sameCursor(pending.to, window.to);
    if (!same) return `its window is not the pending commit of job "${job}" (pending: ${pending ? pending.runId : 'none'})`;
  }
  return null;
}

/**
 * The commit: the manifest, written only if `stillInFlight` passes (a run that outlived its lease
 * must not commit over the run that took over), then the cursor moves to the window end (or the
 * full export is noted). A failed manifest removes the run's objects; the pending window stays.
 */
export async function commitJobRun(run: JobRun, facts: Omit<RunFacts, 'runId'>, deps: ProtocolDependencies & { readonly stillInFlight?: () => Promise<void> }): Promise<Manifest> {
  const { job, runId } = run;
  const manifest = await publishManifest(buildManifest(run.request, { ...facts, runId }), run.request, {
    sink: deps.sink,
    logger: deps.logger,
    context: runContext(run.request, facts.engine),
    before: deps.stillInFlight,
  });
  if (!facts.window) {
    await deps.state.noteCommitted(job.name, runId);
  } else if (!(await deps.state.finishCommit(job.name, runId))) {
    // The manifest exists: the next run's recovery step rolls the cursor forward.
    deps.logger.warn('cursor not advanced after commit; the next run will roll it forward', { runId, job: job.name, phase: 'commit' });
  }
  return manifest;
}

/** A run that lost its lease (or its pending window) to another run may not commit. */
export function assertStillOwned(run: JobRun, state: StateStore): () => Promise<void> {
  return async () => {
    const owned = run.request.window
      ? (await state.getState(run.job.name)).pending?.runId === run.runId
      : await state.acquireLease(run.job.name, run.owner, run.leaseTtlMs);
    if (!owned) throw new StateConflictError(`run ${run.runId} of job "${run.job.name}" lost its lease to another run before committing; nothing was committed`);
  };
}

/**
 * The catch path of a run whose data may be partly written. If its manifest exists (the commit
 * failed after writing it) the run is committed: the cursor rolls forward and nothing is
 * removed. Otherwise `objects` are removed and the pending window stays for the retried slot.
 */
export async function abortJobRun(
  run: Pick<JobRun, 'job' | 'runId'>,
  window: { readonly from: Cursor | null; readonly to: Cursor | null } | null | undefined,
  objects: readonly { readonly key: string }[],
  deps: ProtocolDependencies,
): Promise<{ readonly committed: boolean }> {
  const { job, runId } = run;
  if (await hasManifest(deps.sink, { job: job.name, manifestPrefix: job.destination.manifestPrefix }, runId)) {
    if (window) await deps.state.finishCommit(job.name, runId);
    return { committed: true };
  }
  await removeObjects(deps.sink, objects);
  return { committed: false };
}

/** Releases the lease; a failure is only logged (the lease expires on its own). */
export async function endJobRun(job: JobConfig, runId: string, owner: string, deps: Pick<ProtocolDependencies, 'state' | 'logger'>): Promise<void> {
  await deps.state.releaseLease(job.name, owner).catch((error: unknown) => {
    deps.logger.warn('could not release the lease; it expires on its own', { runId, job: job.name, error: String(error) });
  });
}

/**
 * Recovery: a commit an earlier run left pending is settled by its manifest. Present: the cursor
 * rolls forward. Absent: that run's objects are removed and its window dropped (exported again).
 */
async function settlePending(job: JobConfig, runId: string, deps: ProtocolDependencies): Promise<JobState> {
  const state = await deps.state.getState(job.name);
  const pending = state.pending;
  if (!pending || pending.runId === runId) return state;
  const log = (message: string, fields: Record<string, unknown>) => deps.logger.info(message, { runId, job: job.name, phase: 'recover', pendingRunId: pending.runId, ...fields });
  if (await hasManifest(deps.sink, { job: job.name, manifestPrefix: job.destination.manifestPrefix }, pending.runId)) {
    await deps.state.finishCommit(job.name, pending.runId);
    log('rolled forward the cursor of a run that wrote its manifest', {});
  } else {
    const removed = await removeRunObjects(job, pending.runId, deps.sink);
    await deps.state.abandonCommit(job.name, pending.runId);
    log('dropped the pending window of a run that never committed', { removedObjects: removed });
  }
  return deps.state.getState(job.name);
}

/**
 * Removes the data objects of a run that never wrote its manifest (it crashed between its data
 * and its manifest), so nothing uncommitted lingers under the data prefix that Athena reads.
 */
async function removeRunObjects(job: JobConfig, runId: string, sink: ObjectSink): Promise<number> {
  const runTime = runTimeOf(runId);
  if (!runTime) return 0;
  const stem = planKeys(exportRequestFor(job, runTime, undefined)).dataKey().replace(/\.(csv(\.gz)?|parquet)$/, '');
  // Either format: the job's format may have changed since the run that crashed.
  const keys = (await sink.listKeys(stem)).filter((k) => /^(_part\d{4})?\.(csv(\.gz)?|parquet)$/.test(k.slice(stem.length)));
  await Promise.all(keys.map((k) => sink.deleteObject(k)));
  return keys.length;
}

function sameCursor(a: Cursor | null, b: Cursor | null): boolean {
  return a === null || b === null ? a === b : a.value === b.value && a.key === b.key;
}
