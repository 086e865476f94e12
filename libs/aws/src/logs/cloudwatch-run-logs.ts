/**
 * Run logs from CloudWatch Logs: the exporter function's Powertools JSON lines, found with
 * FilterLogEvents and a JSON filter pattern. Every query is bounded by a time window so it
 * scans only the streams and hours a run can have written to.
 */
import { FilterLogEventsCommand, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { JOB_NAME_PATTERN, RUN_ID_PATTERN, RdsExportError, type LogLine } from '@rds-s3-export/shared-types';
import { AwsConfigError } from '../errors.js';
import { DEFAULT_RUN_LOG_LIMIT, toFailedRun, toLogLine, type FailedRun, type RunLogReader, type TimeWindow } from './log-line.js';

export interface CloudWatchRunLogsOptions {
  /** Built once by the entrypoint and shared; never constructed here. */
  readonly client: CloudWatchLogsClient;
  /** The exporter function's log group, e.g. `/aws/lambda/rds-s3-export-exporter`. */
  readonly logGroupName: string;
  /** Added on both sides of every window (clock skew, ingestion delay). @default 5 minutes */
  readonly marginMs?: number;
  /** Upper bound on FilterLogEvents pages per query, so one request cannot scan forever. @default 20 */
  readonly maxPages?: number;
  /** Cap on failed summaries returned per query. @default 500 */
  readonly maxFailedRuns?: number;
}

export const LogsErrorCodes = {
  /** config: the log group does not exist. */
  groupNotFound: 'LOGS_GROUP_NOT_FOUND',
  /** auth: missing logs:FilterLogEvents permission or bad credentials. */
  accessDenied: 'LOGS_ACCESS_DENIED',
  /** network/storage: anything else while reading logs. */
  readFailed: 'LOGS_READ_FAILED',
} as const;

export class LogsError extends RdsExportError {
  override readonly name = 'LogsError';
}

export class CloudWatchRunLogs implements RunLogReader {
  private readonly client: CloudWatchLogsClient;
  private readonly logGroupName: string;
  private readonly marginMs: number;
  private readonly maxPages: number;
  private readonly maxFailedRuns: number;

  constructor(options: CloudWatchRunLogsOptions) {
    if (!options.logGroupName.trim()) throw new AwsConfigError('LOGS_NO_GROUP', 'the run log reader needs the exporter log group name');
    this.client = options.client;
    this.logGroupName = options.logGroupName.trim();
    this.marginMs = options.marginMs ?? 5 * 60_000;
    this.maxPages = options.maxPages ?? 20;
    this.maxFailedRuns = options.maxFailedRuns ?? 500;
  }

  async runLogs(runId: string, window: TimeWindow, limit = DEFAULT_RUN_LOG_LIMIT): Promise<{ lines: LogLine[]; truncated: boolean }> {
    // The pattern admits only [a-z0-9_-], so the value cannot break out of the filter's quotes.
    if (!RUN_ID_PATTERN.test(runId)) throw new AwsConfigError('LOGS_BAD_RUN_ID', `"${runId}" is not a run id`);
    const lines: LogLine[] = [];
    let truncated = false;
    await this.filter(`{ $.runId = "${runId}" }`, window, (event) => {
      if (lines.length === limit) {
        truncated = true;
        return false;
      }
      lines.push(toLogLine(event.message ?? '', new Date(event.timestamp ?? 0)));
      return true;
    });
    lines.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    return { lines, truncated };
  }

  async failedRuns(job: string, window: TimeWindow): Promise<FailedRun[]> {
    if (!JOB_NAME_PATTERN.test(job)) throw new AwsConfigError('LOGS_BAD_JOB', `"${job}" is not a job name`);
    const runs: FailedRun[] = [];
    await this.filter(`{ $.message = "run summary" && $.job = "${job}" && $.status = "failed" }`, window, (event) => {
      const run = toFailedRun(event.message ?? '', new Date(event.timestamp ?? 0));
      if (run && run.summary.job === job) runs.push(run);
      return runs.length < this.maxFailedRuns;
    });
    return runs.sort((a, b) => b.at.localeCompare(a.at));
  }

  /** Pages through FilterLogEvents until done, `maxPages`, or `onEvent` returns false. */
  private async filter(filterPattern: string, window: TimeWindow, onEvent: (event: FilteredLogEvent) => boolean): Promise<void> {
    let nextToken: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      let response;
      try {
        response = await this.client.send(
          new FilterLogEventsCommand({
            logGroupName: this.logGroupName,
            filterPattern,
            startTime: Math.max(0, window.from.getTime() - this.marginMs),
            endTime: window.to.getTime() + this.marginMs,
            nextToken,
          }),
        );
      } catch (error) {
        throw this.classify(error);
      }
      for (const event of response.events ?? []) if (!onEvent(event)) return;
      nextToken = response.nextToken;
      if (!nextToken) return;
    }
  }

  private classify(error: unknown): LogsError {
    const name = (error as { name?: unknown })?.name;
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (name === 'ResourceNotFoundException') {
      return new LogsError('config', LogsErrorCodes.groupNotFound, `log group "${this.logGroupName}" does not exist; check the exporter's log group name`, { cause: error });
    }
    if (name === 'AccessDeniedException' || status === 403) {
      return new LogsError('auth', LogsErrorCodes.accessDenied, `access denied reading log group "${this.logGroupName}"; the role needs logs:FilterLogEvents`, { cause: error });
    }
    const code = (error as { code?: unknown })?.code;
    const network = typeof code === 'string' && /^E[A-Z]+$/.test(code);
    return new LogsError(network ? 'network' : 'storage', LogsErrorCodes.readFailed, `reading log group "${this.logGroupName}" failed (${typeof name === 'string' ? name : 'error'})`, { cause: error });
  }
}
