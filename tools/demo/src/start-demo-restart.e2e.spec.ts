/**
 * A restarted demo: its objects survive in the S3 folder (DEMO_DIR), its leases and cursors do
 * not (dynalite is in memory). Started again in the same schedule slot, the run is a no-op on a
 * committed run and must say so, not claim "exported 10,000 rows".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@rds-s3-export/shared-types';
import { outcomeLine, startDemo } from './start-demo.js';

let workDir: string | undefined;

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('Function: startDemo, restarted', () => {
  it('says that the slot was already committed instead of claiming an export', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'demo-restart-'));
    const now = () => new Date('2026-03-01T10:02:00Z');
    const ports = { s3Port: 0, dynamoPort: 0, pgPort: 0 };
    const first: string[] = [];
    const demo = await startDemo({ workDir, ...ports, now, log: (line) => first.push(line) });
    await demo.stop();
    expect(demo.summary).toMatchObject({ status: 'committed', runId: 'employees_20260301_100000', rows: 10_000 });
    expect(first.join('\n')).toContain('exported 10,000 rows');

    const again: string[] = [];
    const restarted = await startDemo({ workDir, ...ports, now, log: (line) => again.push(line) });
    await restarted.stop();

    expect(restarted.summary).toMatchObject({ status: 'already-committed', runId: 'employees_20260301_100000', rows: 10_000 });
    const output = again.join('\n');
    expect(output).toContain('nothing exported: run employees_20260301_100000 (this schedule slot) was already committed earlier with 10,000 rows');
    expect(output).not.toContain('exported 10,000 rows');
    // It still shows where the committed object is.
    expect(output).toContain(`on disk:  ${restarted.file}`);
  }, 120_000);
});

describe('Function: outcomeLine', () => {
  const base: RunSummary = { runId: 'employees_20260301_100500', job: 'employees', status: 'committed', mode: 'incremental', rows: 0, bytes: 0, durationMs: 12, keys: [], cursor: null };

  it('an incremental run with no changed rows says there was nothing new', () => {
    expect(outcomeLine(base)).toBe('nothing new to export: no row changed since the last committed run (run employees_20260301_100500 committed 0 rows)');
  });

  it('a skipped run says why, a run that exported says how much', () => {
    expect(outcomeLine({ ...base, status: 'skipped', reason: 'another run holds the lease' })).toBe('nothing exported: run employees_20260301_100500 was skipped (another run holds the lease)');
    expect(outcomeLine({ ...base, rows: 1234, bytes: 56789 })).toBe('exported 1,234 rows, 56,789 bytes in 12 ms');
  });
});
