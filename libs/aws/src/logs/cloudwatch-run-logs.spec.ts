import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchRunLogs } from './cloudwatch-run-logs.js';

const cw = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'eu-west-1' });
const window = { from: new Date('2026-02-22T10:10:00Z'), to: new Date('2026-02-22T10:12:00Z') };
const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 'INFO', timestamp: '2026-02-22T10:10:01.000Z', service: 'rds-s3-export', ...fields });

afterEach(() => cw.reset());

describe('Class: CloudWatchRunLogs', () => {
  it('filters the log group by run id inside the window plus the margin, following every page', async () => {
    // Prepare
    cw.on(FilterLogEventsCommand, { nextToken: undefined })
      .resolves({ events: [{ timestamp: 2, message: line({ message: 'exporting', runId: 'employees_20260222_101000', phase: 'export', timestamp: '2026-02-22T10:10:02.000Z' }) }], nextToken: 't1' })
      .on(FilterLogEventsCommand, { nextToken: 't1' })
      .resolves({ events: [{ timestamp: 1, message: line({ message: 'lease taken', runId: 'employees_20260222_101000', phase: 'lease' }) }, { timestamp: 3, message: 'REPORT RequestId: abc' }] });
    const logs = new CloudWatchRunLogs({ client, logGroupName: '/aws/lambda/exporter', marginMs: 60_000 });

    // Act
    const { lines, truncated } = await logs.runLogs('employees_20260222_101000', window);

    // Assess
    const calls = cw.commandCalls(FilterLogEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toEqual({
      logGroupName: '/aws/lambda/exporter',
      filterPattern: '{ $.runId = "employees_20260222_101000" }',
      startTime: Date.parse('2026-02-22T10:09:00Z'),
      endTime: Date.parse('2026-02-22T10:13:00Z'),
      nextToken: undefined,
    });
    expect(truncated).toBe(false);
    expect(lines.map((l) => [l.timestamp, l.level, l.message, l.phase])).toEqual([
      ['1970-01-01T00:00:00.003Z', 'INFO', 'REPORT RequestId: abc', null],
      ['2026-02-22T10:10:01.000Z', 'INFO', 'lease taken', 'lease'],
      ['2026-02-22T10:10:02.000Z', 'INFO', 'exporting', 'export'],
    ]);
    expect(lines[1]!.fields).toEqual({ service: 'rds-s3-export', runId: 'employees_20260222_101000' });
  });

  it('stops at the line limit and says the result is truncated', async () => {
    cw.on(FilterLogEventsCommand).resolves({ events: Array.from({ length: 5 }, (_, i) => ({ timestamp: i, message: line({ message: `m${i}`, runId: 'a_20260222_101000' }) })), nextToken: 'more' });
    const { lines, truncated } = await new CloudWatchRunLogs({ client, logGroupName: 'g' }).runLogs('a_20260222_101000', window, 3);
    expect(lines.map((l) => l.message)).toEqual(['m0', 'm1', 'm2']);
    expect(truncated).toBe(true);
    expect(cw.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
  });

  it('reads failed run summaries of a job, newest first, skipping lines that are not one', async () => {
    const summary = (runId: string, at: string) =>
      line({ level: 'ERROR', timestamp: at, message: 'run summary', job: 'employees', runId, status: 'failed', mode: 'incremental', rows: 0, bytes: 0, durationMs: 12, keys: [], cursor: null, errorClass: 'database', code: 'DB_UNREACHABLE', error: 'connection refused' });
    cw.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: 1, message: summary('employees_20260222_100500', '2026-02-22T10:05:03.000Z') },
        { timestamp: 2, message: summary('employees_20260222_101000', '2026-02-22T10:10:03.000Z') },
        // No run id (an invalid event): cannot be placed in the history.
        { timestamp: 3, message: line({ message: 'run summary', job: 'employees', status: 'failed', errorClass: 'config' }) },
      ],
    });
    const runs = await new CloudWatchRunLogs({ client, logGroupName: 'g' }).failedRuns('employees', window);
    expect(cw.commandCalls(FilterLogEventsCommand)[0]!.args[0].input.filterPattern).toBe('{ $.message = "run summary" && $.job = "employees" && $.status = "failed" }');
    expect(runs.map((r) => [r.summary.runId, r.at, r.summary.errorClass, r.summary.code])).toEqual([
      ['employees_20260222_101000', '2026-02-22T10:10:03.000Z', 'database', 'DB_UNREACHABLE'],
      ['employees_20260222_100500', '2026-02-22T10:05:03.000Z', 'database', 'DB_UNREACHABLE'],
    ]);
  });

  it('refuses values that could change the filter pattern before calling AWS', async () => {
    const logs = new CloudWatchRunLogs({ client, logGroupName: 'g' });
    await expect(logs.runLogs('x" || $.a = "b', window)).rejects.toMatchObject({ code: 'LOGS_BAD_RUN_ID', errorClass: 'config' });
    await expect(logs.failedRuns('Bad"Job', window)).rejects.toMatchObject({ code: 'LOGS_BAD_JOB' });
    expect(cw.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });

  it('maps a missing log group and a denied call to coded errors without AWS internals', async () => {
    cw.on(FilterLogEventsCommand).rejectsOnce(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' }))
      .rejectsOnce(Object.assign(new Error('User: arn:aws:sts::123:assumed-role/x is not authorized'), { name: 'AccessDeniedException' }));
    const logs = new CloudWatchRunLogs({ client, logGroupName: '/aws/lambda/exporter' });
    const missing = await logs.failedRuns('employees', window).then(() => undefined, (e: Error) => e);
    expect(missing).toMatchObject({ code: 'LOGS_GROUP_NOT_FOUND', errorClass: 'config' });
    const denied = await logs.failedRuns('employees', window).then(() => undefined, (e: Error) => e);
    expect(denied).toMatchObject({ code: 'LOGS_ACCESS_DENIED', errorClass: 'auth' });
    expect(denied?.message).not.toContain('arn:aws');
  });
});
