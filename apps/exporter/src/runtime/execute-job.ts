/**
 * Runs one job with the adapters of its environment (AWS or local) and turns the outcome into
 * the run summary. Shared by the Lambda handler, `npm run invoke` and the demo's scheduler.
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
  readonly remainingTimeMs?: () => number;
  readonly deadlineMarginMs?: number;
}

/**
 * Runs the job; if the database rejects the cached credentials, fetches the secret once more
 * (rotation) and retries once. Never throws: failures come back as a `failed` summary with
 * the error (already logged by the core), so callers decide how to surface them.
 */
export async function executeJob(
  job: JobConfig,
  run: { runTime: Date; mode?: RunMode; chunks?: number; acceptSchemaChange?: boolean },
  adapters: JobAdapters,
): Promise<{ summary: RunSummary; outcome?: JobRunOutcome; error?: unknown }> {
  const started = adapters.clock.now().getTime();
  const mode: RunMode = run.mode ?? defaultRunMode(job);
  const attempt = async (forceRefresh: boolean) => {
    const source = jobSource(job, await adapters.credentials.get({ forceRefresh }), adapters.tls);
    return runJob(
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
    );
  };
  try {
    let outcome: JobRunOutcome;
    try {
      outcome = await attempt(false);
    } catch (error) {
      if (!(error instanceof RdsExportError && error.errorClass === 'auth' && error.code === 'SOURCE_AUTH_FAILED')) throw error;
      adapters.logger.warn('the database rejected the cached credentials; reading the secret again (rotation)', { job: job.name, phase: 'credentials' });
      outcome = await attempt(true);
    }
    return { outcome, summary: summaryOf(job, mode, outcome, adapters.clock.now().getTime() - started) };
  } catch (error) {
    const classified = error instanceof RdsExportError ? error : undefined;
    return {
      error,
      summary: {
        runId: runIdFor(job.name, run.runTime),
        job: job.name,
        status: 'failed',
        mode,
        rows: 0,
        bytes: 0,
        durationMs: Math.max(0, adapters.clock.now().getTime() - started),
        keys: [],
        cursor: null,
        errorClass: classified?.errorClass ?? 'internal',
        code: classified?.code ?? 'INTERNAL_ERROR',
        error: error instanceof Error ? error.message : String(error),
      },
    };
  }
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
 * reads the secret once more and retries once (rotation). For the staged (Step Functions) steps.
 */
export async function withSource<T>(job: JobConfig, adapters: Pick<JobAdapters, 'credentials' | 'tls' | 'logger'>, work: (source: RowSource) => Promise<T>): Promise<T> {
  const build = async (forceRefresh: boolean) => jobSource(job, await adapters.credentials.get({ forceRefresh }), adapters.tls);
  try {
    return await work(await build(false));
  } catch (error) {
    if (!(error instanceof RdsExportError && error.errorClass === 'auth' && error.code === 'SOURCE_AUTH_FAILED')) throw error;
    adapters.logger.warn('the database rejected the cached credentials; reading the secret again (rotation)', { job: job.name, phase: 'credentials' });
    return work(await build(true));
  }
}

/** The job's row source on these credentials: one place for the settings both paths connect with. */
function jobSource(job: JobConfig, c: DatabaseCredentials, tls: ConnectionSettings['tls']): RowSource {
  return createRowSource(
    {
      engine: job.engine,
      host: c.host,
      port: c.port || DEFAULT_PORTS[job.engine],
      user: c.username,
      password: c.password,
      database: c.database,
      ...(tls ? { tls } : {}),
    },
    { statementTimeoutSeconds: statementTimeoutFor(job) },
  );
}
