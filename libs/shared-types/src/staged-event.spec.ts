import { describe, expect, it } from 'vitest';
import { formatIssues } from './job-config.js';
import { StagedEventSchema } from './staged-event.js';

const plan = {
  job: 'items',
  runId: 'items_20260301_001000',
  runTime: '2026-03-01T00:10:00.000Z',
  mode: 'incremental',
  keyColumn: 'id',
  ranges: [
    { column: 'id', lower: null, upper: '100' },
    { column: 'id', lower: '100', upper: null },
  ],
  window: { from: null, to: { value: '2026-01-01 00:00:01', key: '200' }, rows: 200 },
  rows: 200,
  columns: [{ name: 'id', sourceType: 'bigint' }],
  engine: 'mariadb',
};
const result = (index: number) => ({ runId: plan.runId, index, objects: [], rows: 0, sourceRows: 0, exporterVersion: '0.1.0' });
const problems = (event: unknown) => {
  const parsed = StagedEventSchema.safeParse(event);
  return parsed.success ? '' : formatIssues(parsed.error, 'event');
};

describe('Schema: StagedEventSchema', () => {
  it('accepts the payloads the plan and chunk steps produce', () => {
    expect(problems({ action: 'chunk', job: 'items', plan, index: 1 })).toBe('');
    expect(problems({ action: 'commit', job: 'items', plan, results: [result(1), result(0)] })).toBe('');
    expect(problems({ action: 'abort', job: 'items', plan, error: { Error: 'States.TaskFailed' } })).toBe('');
  });

  it('names the field of a plan that is malformed or inconsistent', () => {
    expect(problems({ action: 'abort', job: 'items', plan: { ...plan, runId: 'items_20990101_000000' } })).toContain('event.plan.runId: must be the run id of job "items" at runTime');
    expect(problems({ action: 'abort', job: 'items', plan: { ...plan, ranges: [{ column: 'other', lower: null, upper: null }] } })).toContain('event.plan.ranges.0.column');
    expect(problems({ action: 'abort', job: 'items', plan: { ...plan, extra: 1 } })).toContain('event.plan');
    expect(problems({ action: 'abort', job: 'orders', plan })).toContain('event.plan.job: must be the event\'s job "orders"');
    expect(problems({ action: 'chunk', job: 'items', plan: { ...plan, window: { from: null, to: null } }, index: 0 })).toContain('event.plan.window.rows');
  });

  it('refuses chunk results that are not one per chunk of this run', () => {
    expect(problems({ action: 'commit', job: 'items', plan, results: [result(0)] })).toContain('event.results: must hold one result per chunk of the plan (2)');
    expect(problems({ action: 'commit', job: 'items', plan, results: [result(0), result(0)] })).toContain('event.results.1.index');
    expect(problems({ action: 'commit', job: 'items', plan, results: [result(0), { ...result(1), runId: 'items_20260301_000000' }] })).toContain('event.results.1.runId');
  });
});
