import { describe, expect, it } from 'vitest';
import { JobConfigSchema, statementTimeoutFor } from './job-config.js';

const job = (extra: Record<string, unknown> = {}) =>
  JobConfigSchema.parse({ name: 'orders', engine: 'mariadb', connection: { url: 'mariadb://u@db/shop' }, table: 'orders', destination: { bucket: 'exports-bucket' }, ...extra });

describe('Function: statementTimeoutFor', () => {
  it('defaults to the Lambda timeout minus a margin (a fifth, at most 60 s)', () => {
    expect(statementTimeoutFor(job())).toBe(840);
    expect(statementTimeoutFor(job({ lambda: { timeoutSeconds: 60 } }))).toBe(48);
    expect(statementTimeoutFor(job({ lambda: { timeoutSeconds: 10 } }))).toBe(8);
  });

  it('takes the job’s statementTimeoutSeconds as given', () => {
    expect(statementTimeoutFor(job({ statementTimeoutSeconds: 30 }))).toBe(30);
  });

  it('refuses a timeout that is not a whole number of seconds from 1 to 86400, naming the field', () => {
    for (const statementTimeoutSeconds of [0, -1, 1.5, 86_401]) {
      const result = JobConfigSchema.safeParse({ ...job(), statementTimeoutSeconds });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['statementTimeoutSeconds']);
    }
  });
});
