/**
 * The one place a run is reported: the `run summary` log line (the dashboard reads failed runs
 * back from it) and the run's CloudWatch metrics (EMF through Powertools in AWS). The direct
 * handler and the staged commit and abort steps all report through {@link reportRun}, so every
 * path emits the same metric set for the same outcome.
 */
import type { RunSummary } from '@rds-s3-export/shared-types';
import type { Logger } from '@rds-s3-export/export-core';

/** The slice of Powertools Metrics the handler uses. */
export interface RunMetrics {
  addDimension(name: string, value: string): void;
  addMetric(name: string, unit: 'Count' | 'Bytes' | 'Milliseconds', value: number): void;
  publishStoredMetrics(): void;
}

export interface ReportOptions {
  /**
   * Whether `summary.durationMs` measured the run. The staged abort step does not know when the
   * run started, so it reports no RunDurationMs sample rather than a false 0. @default true
   */
  readonly durationMeasured?: boolean;
}

export function reportRun(logger: Logger, metrics: RunMetrics | undefined, summary: RunSummary, options: ReportOptions = {}): void {
  if (summary.status === 'failed') logger.error('run summary', { ...summary });
  else logger.info('run summary', { ...summary });
  if (!metrics) return;
  const succeeded = summary.status === 'committed' || summary.status === 'already-committed';
  metrics.addDimension('job', summary.job);
  // RowsExported is emitted for successful runs only (0 rows included): the staleness alarm
  // counts its samples, so a failing job must not keep it quiet.
  if (succeeded) {
    metrics.addMetric('RowsExported', 'Count', summary.rows);
    metrics.addMetric('BytesWritten', 'Bytes', summary.bytes);
  }
  if (options.durationMeasured ?? true) metrics.addMetric('RunDurationMs', 'Milliseconds', summary.durationMs);
  metrics.addMetric('RunFailed', 'Count', summary.status === 'failed' ? 1 : 0);
  metrics.addMetric('RunSkipped', 'Count', summary.status === 'skipped' ? 1 : 0);
  metrics.addMetric('RunSucceeded', 'Count', succeeded ? 1 : 0);
  metrics.publishStoredMetrics();
}
