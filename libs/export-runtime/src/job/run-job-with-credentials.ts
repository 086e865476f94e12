/**
 * `runJobWithCredentials`: export-core's `runJob` on a source built from the job's credentials
 * (one re-read of the secret when the database rejects them), its outcome turned into the run
 * summary. The layer under the exporter handler, so under the Lambda, `npm run invoke` and the demo.
 */
import type { JobConfig, RunSummary } from '@rds-s3-export/shared-types';
import { DEFAULT_PORTS, RdsExportError, runIdFor, statementTimeoutFor, type DatabaseCredentials } from '@rds-s3-export/shared-types';
import {
  createRowSource,
  defaultRunMode,
  runJob,
  type Clock,
  type CredentialProvider,
  type ConnectionSettings,
  type JobRunOutcome,
  type Logger,
  type ObjectSink,
  type RowSource,
  type RunMode,
  type StateStore,
} from '@rds-s3-export/export-core';

/** The core's `CredentialProvider` port under the name the exporter's wiring uses (the same type, not a copy). */
export type CredentialSource = CredentialProvider;

export interface JobAdapters {
  readonly credentials: CredentialProvider;
  readonly sink: ObjectSink;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly owner: string;
  /** @default INLINE_LEASE_TTL_MS (the core's default) */
  readonly leaseTtlMs?: number;
  readonly tls?: ConnectionSettings['tls'];
  /** Connect timeout (a local run's URL may set one). @default the sources' 10000 */
  readonly connectTimeoutMs?: number;
  readonly remainingTimeMs?: () => number;
  readonly deadlineMarginMs?: number;
}

/**
 * Runs the job; if the database rejects the cached credentials, fetches the secret once more
 * (rotation) and retries once (see {@link withJobSource}). Never throws: failures come back as a
 * `failed` summary with the error (already logged by the core), so callers decide how to surface them.
 */
export async function runJobWithCredentials(
  job: JobConfig,
  run: { runTime: Date; mode?: RunMode; chunks?: number; acceptSchemaChange?: boolean },
  adapters: JobAdapters,
): Promise<{ summary: RunSummary; outcome?: JobRunOutcome; error?: unknown }> {
  const started = adapters.clock.now().getTime();
  const mode: RunMode = run.mode ?? defaultRunMode(job);
  try {
    const outcome = await withJobSource(job, adapters, (source) =>
      runJob(
        {
          job,
          runTime: run.runTime,
          mode,
          acceptSchemaChange: run.acceptSchemaChange,
          ...(run.chunks && run.chunks > 1 ? { parallel: { chunks: run.chunks, concurrency: job.parallel?.maxConcurrency } } : {}),
        },
        {
          source,
          sink: adapters.sink,
          state: adapters.state,
          clock: adapters.clock,
          logger: adapters.logger,
          owner: adapters.owner,
          leaseTtlMs: adapters.leaseTtlMs,
          remainingTimeMs: adapters.remainingTimeMs,
          deadlineMarginMs: adapters.deadlineMarginMs,
        },
      ),
    );
    return { outcome, summary: summaryOf(job, mode, outcome, adapters.clock.now().getTime() - started) };
  } catch (error) {
    return { error, summary: failedSummary(job, mode, runIdFor(job.name, run.runTime), error, Math.max(0, adapters.clock.now().getTime() - started)) };
  }
}

/** The run summary of a run that failed with `error` (its class and code, when it has them). */
export function failedSummary(job: JobConfig, mode: RunMode, runId: string, error: unknown, durationMs: number): RunSummary {
  const classified = error instanceof RdsExportError ? error : undefined;
  return {
    runId,
    job: job.name,
    status: 'failed',
    mode,
    rows: 0,
    bytes: 0,
    durationMs,
    keys: [],
    cursor: null,
    errorClass: classified?.errorClass ?? 'internal',
    code: classified?.code ?? 'INTERNAL_ERROR',
    error: error instanceof Error ? error.message : String(error),
  };
}

function summaryOf(job: JobConfig, mode: RunMode, outcome: JobRunOutcome, durationMs: number): RunSummary {
  if (outcome.status === 'skipped') {
    return { runId: outcome.runId, job: job.name, status: 'skipped', mode, rows: 0, bytes: 0, durationMs, keys: [], cursor: null, reason: outcome.reason };
  }
  const m = outcome.manifest;
  return {
    runId: outcome.runId,
    job: job.name,
    status: outcome.status,
    mode,
    rows: m.rows,
    bytes: m.bytes,
    durationMs: outcome.status === 'committed' ? m.durationMs : durationMs,
    keys: m.objects.map((o) => o.key),
    cursor: m.cursor,
  };
}

/**
 * Runs `work` with a source built from the job's credentials; when the database rejects them,
 * reads the secret once more and retries once (rotation). The one place for that retry: the
 * direct run above and the staged (Step Functions) steps go through it.
 */
export async function withJobSource<T>(job: JobConfig, adapters: Pick<JobAdapters, 'credentials' | 'tls' | 'connectTimeoutMs' | 'logger'>, work: (source: RowSource) => Promise<T>): Promise<T> {
  const build = async (forceRefresh: boolean) => jobSource(job, await adapters.credentials.get({ forceRefresh }), adapters);
  try {
    return await work(await build(false));
  } catch (error) {
    if (!(error instanceof RdsExportError && error.errorClass === 'auth' && error.code === 'SOURCE_AUTH_FAILED')) throw error;
    adapters.logger.warn('the database rejected the cached credentials; reading the secret again (rotation)', { job: job.name, phase: 'credentials' });
    return work(await build(true));
  }
}

/** The job's row source on these credentials: one place for the settings both paths connect with. */
function jobSource(job: JobConfig, c: DatabaseCredentials, { tls, connectTimeoutMs }: Pick<JobAdapters, 'tls' | 'connectTimeoutMs'>): RowSource {
  return createRowSource(
    {
      engine: job.engine,
      host: c.host,
      port: c.port || DEFAULT_PORTS[job.engine],
      user: c.username,
      password: c.password,
      database: c.database,
      ...(tls ? { tls } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    },
    { statementTimeoutSeconds: statementTimeoutFor(job) },
  );
}
