import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@rds-s3-export/shared-types';
import type { Logger } from '@rds-s3-export/export-core';
import { reportRun, type RunMetrics } from './run-report.js';

function recorder() {
  const lines: { level: string; message: string; fields: unknown }[] = [];
  const metrics: [string, string, number][] = [];
  const dimensions: [string, string][] = [];
  let published = 0;
  const log = (level: string) => (message: string, fields?: unknown) => void lines.push({ level, message, fields });
  const logger: Logger = { debug: log('DEBUG'), info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
  const sink: RunMetrics = {
    addDimension: (name, value) => void dimensions.push([name, value]),
    addMetric: (name, unit, value) => void metrics.push([name, unit, value]),
    publishStoredMetrics: () => void published++,
  };
  return { lines, metrics, dimensions, logger, sink, published: () => published };
}

const committed: RunSummary = { runId: 'orders_20260301_100000', job: 'orders', status: 'committed', mode: 'full', rows: 12, bytes: 345, durationMs: 678, keys: ['k'], cursor: null };

describe('Function: reportRun', () => {
  it('logs the run summary and emits every metric of a successful run, once published, under the job dimension', () => {
    const r = recorder();

    reportRun(r.logger, r.sink, committed);

    expect(r.lines).toEqual([{ level: 'INFO', message: 'run summary', fields: committed }]);
    expect(r.dimensions).toEqual([['job', 'orders']]);
    expect(r.metrics).toEqual([
      ['RowsExported', 'Count', 12],
      ['BytesWritten', 'Bytes', 345],
      ['RunDurationMs', 'Milliseconds', 678],
      ['RunFailed', 'Count', 0],
      ['RunSkipped', 'Count', 0],
      ['RunSucceeded', 'Count', 1],
    ]);
    expect(r.published()).toBe(1);
  });

  it('a failed run: an ERROR line, no RowsExported sample (the staleness alarm must not stay quiet), RunFailed 1', () => {
    const r = recorder();
    const failed: RunSummary = { ...committed, status: 'failed', rows: 0, bytes: 0, keys: [], errorClass: 'database', code: 'SOURCE_QUERY_FAILED', error: 'boom' };

    reportRun(r.logger, r.sink, failed);

    expect(r.lines[0]).toMatchObject({ level: 'ERROR', message: 'run summary' });
    expect(r.metrics.map(([name]) => name)).not.toContain('RowsExported');
    expect(r.metrics).toContainEqual(['RunFailed', 'Count', 1]);
    expect(r.metrics).toContainEqual(['RunSucceeded', 'Count', 0]);
  });

  it('a run whose duration was not measured (the staged abort) reports no RunDurationMs sample', () => {
    const r = recorder();

    reportRun(r.logger, r.sink, { ...committed, status: 'failed', durationMs: 0, errorClass: 'storage', code: 'PARALLEL_RUN_ABORTED', error: 'a chunk failed' }, { durationMeasured: false });

    expect(r.metrics.map(([name]) => name)).toEqual(['RunFailed', 'RunSkipped', 'RunSucceeded']);
  });

  it('without metrics (local runs) only logs', () => {
    const r = recorder();

    reportRun(r.logger, undefined, { ...committed, status: 'skipped', reason: 'lease held' });

    expect(r.lines).toEqual([{ level: 'INFO', message: 'run summary', fields: { ...committed, status: 'skipped', reason: 'lease held' } }]);
  });
});
