/**
 * The local stand-in for CloudWatch Logs: the JSON-lines file the local exporter runtime
 * appends to (`.local-stack/logs/exporter.jsonl`). Read as a stream, line by line, so the
 * file's size does not matter; a missing file is an empty log.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEFAULT_RUN_LOG_LIMIT, toFailedRun, toLogLine, type FailedRun, type RunLogReader, type TimeWindow } from '@rds-s3-export/aws';
import type { LogLine } from '@rds-s3-export/shared-types';

export interface FileRunLogsOptions {
  readonly file: string;
  /** Added on both sides of every window, as CloudWatchRunLogs does. @default 5 minutes */
  readonly marginMs?: number;
}

export class FileRunLogs implements RunLogReader {
  private readonly file: string;
  private readonly marginMs: number;

  constructor(options: FileRunLogsOptions) {
    this.file = options.file;
    this.marginMs = options.marginMs ?? 5 * 60_000;
  }

  async runLogs(runId: string, window: TimeWindow, limit = DEFAULT_RUN_LOG_LIMIT): Promise<{ lines: LogLine[]; truncated: boolean }> {
    const lines: LogLine[] = [];
    let truncated = false;
    await this.scan((text) => {
      // Cheap pre-filter before parsing: the run id appears verbatim in its lines.
      if (!text.includes(runId)) return true;
      const line = toLogLine(text, new Date(0));
      if (line.fields['runId'] !== runId || !this.inWindow(line.timestamp, window)) return true;
      if (lines.length === limit) {
        truncated = true;
        return false;
      }
      lines.push(line);
      return true;
    });
    return { lines, truncated };
  }

  async failedRuns(job: string, window: TimeWindow): Promise<FailedRun[]> {
    const runs: FailedRun[] = [];
    await this.scan((text) => {
      if (!text.includes('"run summary"')) return true;
      const run = toFailedRun(text, new Date(0));
      if (run && run.summary.job === job && this.inWindow(run.at, window)) runs.push(run);
      return true;
    });
    return runs.sort((a, b) => b.at.localeCompare(a.at));
  }

  private inWindow(timestamp: string, window: TimeWindow): boolean {
    const time = Date.parse(timestamp);
    return time >= window.from.getTime() - this.marginMs && time <= window.to.getTime() + this.marginMs;
  }

  /** Calls `onLine` for each line until it returns false. */
  private async scan(onLine: (text: string) => boolean): Promise<void> {
    const stream = createReadStream(this.file, { encoding: 'utf8' });
    const opened = await new Promise<boolean>((resolve, reject) => {
      stream.once('open', () => resolve(true));
      stream.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(false) : reject(error)));
    });
    if (!opened) return;
    const reader = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      for await (const text of reader) {
        if (text.trim() !== '' && !onLine(text)) break;
      }
    } finally {
      reader.close();
      stream.destroy();
    }
  }
}
