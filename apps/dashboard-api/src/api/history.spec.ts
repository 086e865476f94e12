import type { RunListItem } from '@rds-s3-export/shared-types';
import { describe, expect, it } from 'vitest';
import { healthOf, latestActivity } from './history.js';

const run = (runId: string, status: RunListItem['status'], startedAt: string, finishedAt: string): RunListItem => ({
  runId,
  job: 'employees',
  status,
  scheduledAt: `${runId.slice(10, 14)}-${runId.slice(14, 16)}-${runId.slice(16, 18)}T${runId.slice(19, 21)}:${runId.slice(21, 23)}:00.000Z`,
  startedAt,
  finishedAt,
  durationMs: 1000,
  rows: status === 'committed' ? 10 : 0,
  bytes: status === 'committed' ? 100 : 0,
  objects: [],
  cursor: null,
  failedAttempts: status === 'failed' ? 1 : 0,
  errorClass: status === 'failed' ? 'database' : null,
  errorCode: status === 'failed' ? 'DB_UNREACHABLE' : null,
  error: status === 'failed' ? 'connection refused' : null,
});

// Newest slot first, as runHistory returns them: the 17:50 slot committed on time, then a
// backfill of the 09:00 slot failed at 18:26.
const onTime = run('employees_20260222_175000', 'committed', '2026-02-22T17:50:01.000Z', '2026-02-22T17:50:04.000Z');
const backfill = run('employees_20260222_090000', 'failed', '2026-02-22T18:25:59.000Z', '2026-02-22T18:26:00.000Z');

describe('Function: latestActivity', () => {
  it('is the run that finished last, not the newest slot', () => {
    expect(latestActivity([onTime, backfill])?.runId).toBe(backfill.runId);
    expect(latestActivity([backfill, onTime])?.runId).toBe(backfill.runId);
    expect(latestActivity([])).toBeNull();
  });

  it('makes a failed backfill after an on-time commit "failing"', () => {
    const now = new Date('2026-02-22T18:30:00.000Z');
    expect(healthOf(latestActivity([onTime, backfill]), onTime, 5 * 60_000 * 12, now)).toEqual({ health: 'failing', reason: 'the latest run failed (database/DB_UNREACHABLE)' });
    // A later successful retry of that slot puts it back to ok.
    const retried = run('employees_20260222_090000', 'committed', '2026-02-22T18:28:00.000Z', '2026-02-22T18:28:02.000Z');
    expect(healthOf(latestActivity([onTime, retried]), retried, 5 * 60_000 * 12, now).health).toBe('ok');
  });
});
