/**
 * A short soak inside `npm test` (~20 s of writers and faulted runs on MariaDB and PostgreSQL):
 * nothing lost, nothing duplicated across committed exports. The long one is `npm run soak`.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from './soak.js';

describe('Soak (short)', () => {
  it('20 s of concurrent writes and faulted incremental runs: 0 rows lost, 0 duplicates, no orphan objects', async () => {
    const report = await runSoak({ durationMs: 20_000, intervalMs: 300, faultRate: 0.3, seed: 20260222, namespace: 'rel_soak_test' });
    console.log(formatReport(report));

    expect(report.problems).toEqual([]);
    expect(report.rowsLost).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.outOfWindow).toBe(0);
    expect(report.orphans).toBe(0);
    expect(report.rowsChecked).toBeGreaterThan(500);
    expect(report.committed).toBeGreaterThan(10);
    expect(Object.values(report.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
    expect(report.engines.mariadb.rowsChecked).toBeGreaterThan(0);
    expect(report.engines.postgres.rowsChecked).toBeGreaterThan(0);
  }, 90_000);
});
