/**
 * The exporter handler, built from its adapters (AWS ones in `handler.ts`, local ones in
 * `npm run invoke` and the demo). Thin: validate the event, resolve the job, run it, log the
 * run summary and emit metrics, and fail the invocation on a failed run so the scheduler's
 * retry policy and dead-letter queue take over.
 */
import { ExporterEventSchema, formatIssues, type JobConfig, type RdsExportError, type RunSummary } from '@rds-s3-export/shared-types';
import { getJob } from '@rds-s3-export/jobs';
import { ConfigError, systemClock, type Logger, type LogFields } from '@rds-s3-export/export-core';
import { executeJob, type JobAdapters } from '../runtime/execute-job.js';

/** The slice of Powertools Metrics the handler uses. */
export interface RunMetrics {
  addDimension(name: string, value: string): void;
  addMetric(name: string, unit: 'Count' | 'Bytes' | 'Milliseconds', value: number): void;
  publishStoredMetrics(): void;
}

export interface HandlerContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

export interface HandlerDependencies {
  readonly logger: Logger;
  readonly metrics?: RunMetrics;
  /** Adapters for one job (credentials come from the job's secret or URL). */
  readonly adaptersFor: (job: JobConfig, context: HandlerContext, logger: Logger) => JobAdapters;
  readonly jobs?: (name: string) => JobConfig;
}

export function createExporterHandler(deps: HandlerDependencies) {
  const lookup = deps.jobs ?? getJob;
  return async function handler(event: unknown, context: HandlerContext = {}): Promise<RunSummary> {
    const parsed = ExporterEventSchema.safeParse(event);
    if (!parsed.success) {
      const error = new ConfigError('EVENT_INVALID', `invalid exporter event: ${formatIssues(parsed.error, 'event')}`);
      deps.logger.error('run summary', { status: 'failed', errorClass: error.errorClass, code: error.code, error: error.message });
      throw error;
    }
    const { job: jobName, scheduledTime, runTime, mode } = parsed.data;
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
    const { summary, error } = await executeJob(job, { runTime: time, mode }, deps.adaptersFor(job, context, logger));

    if (summary.status === 'failed') logger.error('run summary', { ...summary });
    else logger.info('run summary', { ...summary });
    if (deps.metrics) {
      deps.metrics.addDimension('job', job.name);
      // RowsExported is emitted for successful runs only (0 rows included): the staleness alarm
      // counts its samples, so a failing job must not keep it quiet.
      if (summary.status === 'committed' || summary.status === 'already-committed') {
        deps.metrics.addMetric('RowsExported', 'Count', summary.rows);
        deps.metrics.addMetric('BytesWritten', 'Bytes', summary.bytes);
      }
      deps.metrics.addMetric('RunDurationMs', 'Milliseconds', summary.durationMs);
      deps.metrics.addMetric('RunFailed', 'Count', summary.status === 'failed' ? 1 : 0);
      deps.metrics.addMetric('RunSkipped', 'Count', summary.status === 'skipped' ? 1 : 0);
      deps.metrics.addMetric('RunSucceeded', 'Count', summary.status === 'committed' || summary.status === 'already-committed' ? 1 : 0);
      deps.metrics.publishStoredMetrics();
    }
    if (error) throw error;
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
