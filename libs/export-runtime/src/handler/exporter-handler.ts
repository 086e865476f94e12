/**
 * The exporter handlers, built from their adapters (AWS ones in `aws/aws-job-adapters.ts` for the
 * Lambda entry point, local ones in `local/local-runtime.ts` for `npm run invoke` and the demo).
 * Thin: validate the event, resolve the job, run it, report it (`reportRun`: the run summary line
 * and the metrics), and fail the invocation on a failed run so the scheduler's retry policy and
 * dead-letter queue take over.
 */
import { ExporterEventSchema, formatIssues, StagedEventSchema, type JobConfig, type RdsExportError, type RunSummary } from '@rds-s3-export/shared-types';
import {
  abortStagedRun,
  commitStagedRun,
  ConfigError,
  exportStagedChunk,
  planStagedRun,
  systemClock,
  type Logger,
  type LogFields,
} from '@rds-s3-export/export-core';
import { runJobWithCredentials, withJobSource, type JobAdapters } from '../job/run-job-with-credentials.js';
import { reportRun, type RunMetrics } from './run-report.js';
import { updateGlueTable, type GlueTables } from './glue-table-update.js';

export type { RunMetrics } from './run-report.js';

export interface HandlerContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export interface HandlerDependencies {
  readonly logger: Logger;
  readonly metrics?: RunMetrics;
  /** Adapters for one job (credentials come from the job's secret or URL). */
  readonly adaptersFor: (job: JobConfig, context: HandlerContext, logger: Logger) => JobAdapters;
  /** The job of that name (from the deployment config), or a JOB_UNKNOWN config error. */
  readonly jobs: (name: string) => JobConfig;
  /**
   * The Parquet jobs' Glue tables, whose columns follow each committed run (failing softly, see
   * glue-table-update.ts). Absent: no table is touched.
   */
  readonly glue?: GlueTables;
}

export function createExporterHandler(deps: HandlerDependencies) {
  const lookup = deps.jobs;
  return async function handler(event: unknown, context: HandlerContext = {}): Promise<RunSummary> {
    const parsed = ExporterEventSchema.safeParse(event);
    if (!parsed.success) {
      const error = new ConfigError('EVENT_INVALID', `invalid exporter event: ${formatIssues(parsed.error, 'event')}`);
      deps.logger.error('run summary', { status: 'failed', errorClass: error.errorClass, code: error.code, error: error.message });
      throw error;
    }
    const { job: jobName, scheduledTime, runTime, mode, chunks, acceptSchemaChange } = parsed.data;
    let job: JobConfig;
    try {
      job = lookup(jobName);
    } catch (error) {
      const e = error as RdsExportError;
      deps.logger.error('run summary', { job: jobName, status: 'failed', errorClass: e.errorClass, code: e.code, error: e.message });
      throw error;
    }
    // The scheduled time names the run: every retry of one slot is the same run, same keys.
    const time = new Date(scheduledTime ?? runTime ?? systemClock.now().toISOString());
    const logger = withFields(deps.logger, { job: job.name, requestId: context.awsRequestId });
    const { summary, outcome, error } = await runJobWithCredentials(job, { runTime: time, mode, chunks, acceptSchemaChange }, deps.adaptersFor(job, context, logger));
    reportRun(logger, deps.metrics, summary);
    if (error) throw error;
    if (outcome && outcome.status !== 'skipped') await updateGlueTable(deps.glue, job, outcome.manifest, logger, deps.metrics);
    return summary;
  };
}

/** A logger that adds fixed fields (job, request id) to every line. */
export function withFields(base: Logger, fixed: LogFields): Logger {
  const add = (fields?: LogFields) => ({ ...fixed, ...fields });
  return {
    debug: (m, f) => base.debug(m, add(f)),
    info: (m, f) => base.info(m, add(f)),
    warn: (m, f) => base.warn(m, add(f)),
    error: (m, f) => base.error(m, add(f)),
  };
}

/**
 * The Step Functions steps of a parallel run (see export-core's staged-run.ts): plan, chunk,
 * commit, abort. Each validates its event and returns plain JSON for the next state. A failing
 * step throws, so the state machine's retry and catch apply.
 */
export function createStagedHandler(deps: HandlerDependencies) {
  const lookup = deps.jobs;
  return async function staged(event: unknown, context: HandlerContext = {}): Promise<unknown> {
    // Parsed, never cast: the payload comes from outside (the state machine, or any caller of the function).
    const parsed = StagedEventSchema.safeParse(event);
    if (!parsed.success) throw new ConfigError('EVENT_INVALID', `invalid staged event: ${formatIssues(parsed.error, 'event')}`);
    const e = parsed.data;
    const job = lookup(e.job);
    const logger = withFields(deps.logger, { job: job.name, requestId: context.awsRequestId, phase: e.action });
    const adapters = deps.adaptersFor(job, context, logger);
    const base = { sink: adapters.sink, state: adapters.state, clock: adapters.clock, logger };
    switch (e.action) {
      case 'plan': {
        const runTime = new Date(e.scheduledTime ?? e.runTime ?? systemClock.now().toISOString());
        const chunks = job.parallel?.chunks ?? 2;
        return withJobSource(job, adapters, (source) => planStagedRun(job, { runTime, mode: e.mode, chunks }, { ...base, source }));
      }
      case 'chunk':
        return withJobSource(job, adapters, (source) => exportStagedChunk(job, e.plan, e.index, { ...base, source }));
      case 'commit': {
        const manifest = await commitStagedRun(job, e.plan, e.results, base);
        const summary: RunSummary = {
          runId: manifest.runId,
          job: job.name,
          status: 'committed',
          mode: e.plan.mode,
          rows: manifest.rows,
          bytes: manifest.bytes,
          durationMs: manifest.durationMs,
          keys: manifest.objects.map((o) => o.key),
          cursor: manifest.cursor,
        };
        reportRun(logger, deps.metrics, summary);
        await updateGlueTable(deps.glue, job, manifest, logger, deps.metrics);
        return summary;
      }
      case 'abort': {
        const outcome = await abortStagedRun(job, e.plan, base);
        if (outcome.committed) return outcome;
        // A full run summary, so the dashboard lists the aborted run among the failed ones.
        const aborted: RunSummary = {
          runId: e.plan.runId,
          job: job.name,
          status: 'failed',
          mode: e.plan.mode,
          rows: 0,
          bytes: 0,
          durationMs: 0,
          keys: [],
          cursor: null,
          errorClass: 'storage',
          code: 'PARALLEL_RUN_ABORTED',
          error: describeCause(e.error),
        };
        reportRun(logger, deps.metrics, aborted, { durationMeasured: false });
        return outcome;
      }
    }
  };
}

/** The Step Functions catch output ({Error, Cause}) as one line, without stack traces. */
function describeCause(error: unknown): string {
  if (error && typeof error === 'object') {
    const { Error: name, Cause: cause } = error as { Error?: string; Cause?: string };
    try {
      const parsed = JSON.parse(cause ?? '') as { errorMessage?: string };
      if (parsed.errorMessage) return `${name ?? 'Error'}: ${parsed.errorMessage}`;
    } catch {
      // not JSON: fall through
    }
    return `${name ?? 'Error'}${cause ? `: ${String(cause).slice(0, 500)}` : ''}`;
  }
  return 'a chunk failed';
}
