/**
 * Turning one structured log record (Powertools JSON in CloudWatch Logs, or a line of the local
 * JSON-lines file) into the dashboard's {@link LogLine}, and the reader port both sources implement.
 */
import { RunSummarySchema, type LogLine, type RunSummary } from '@rds-s3-export/shared-types';

/** A failed run summary read back from the logs, with the time it was logged. */
export interface FailedRun {
  readonly summary: RunSummary;
  /** ISO time of the log line. */
  readonly at: string;
}

export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

/** What the dashboard API needs from the run logs (CloudWatch Logs in AWS, a file locally). */
export interface RunLogReader {
  /** The log lines of one run inside the window, oldest first, at most `limit` (`truncated` if more). */
  runLogs(runId: string, window: TimeWindow, limit?: number): Promise<{ lines: LogLine[]; truncated: boolean }>;
  /** Failed run summaries of a job logged inside the window, newest first. */
  failedRuns(job: string, window: TimeWindow): Promise<FailedRun[]>;
}

/** Default cap on the lines returned for one run. */
export const DEFAULT_RUN_LOG_LIMIT = 1000;

const KNOWN = new Set(['timestamp', 'level', 'message', 'phase']);

/**
 * A log record as a {@link LogLine}. `fallbackTime` is the ingestion time when the record has
 * none; text that is not a JSON object becomes a line with that text as the message.
 */
export function toLogLine(text: string, fallbackTime: Date): LogLine {
  const record = parseObject(text);
  if (!record) return { timestamp: fallbackTime.toISOString(), level: 'INFO', message: text.trimEnd(), phase: null, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) if (!KNOWN.has(name)) fields[name] = value;
  const timestamp = typeof record['timestamp'] === 'string' && !Number.isNaN(Date.parse(record['timestamp'])) ? new Date(record['timestamp']).toISOString() : fallbackTime.toISOString();
  return {
    timestamp,
    level: typeof record['level'] === 'string' ? record['level'].toUpperCase() : 'INFO',
    message: typeof record['message'] === 'string' ? record['message'] : '',
    phase: typeof record['phase'] === 'string' ? record['phase'] : null,
    fields,
  };
}

/** The failed run summary in a log record, or null if it is not one (or lacks a run id). */
export function toFailedRun(text: string, fallbackTime: Date): FailedRun | null {
  const record = parseObject(text);
  if (!record || record['message'] !== 'run summary' || record['status'] !== 'failed') return null;
  const parsed = RunSummarySchema.safeParse(record);
  if (!parsed.success) return null;
  return { summary: parsed.data, at: toLogLine(text, fallbackTime).timestamp };
}

function parseObject(text: string): Record<string, unknown> | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
