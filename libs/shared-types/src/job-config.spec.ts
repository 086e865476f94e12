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

describe('Schema: JobConfigSchema identifiers', () => {
  it('takes any table name the engines allow, as written', () => {
    expect(job({ table: 'order-items' }).table).toBe('order-items');
    expect(job({ table: '"My Schema"."Order Items"' }).table).toBe('"My Schema"."Order Items"');
    expect(job({ table: '  sales.invoices ' }).table).toBe('sales.invoices');
  });

  it('reads columns, primaryKey, cursor and key columns to their exact names (quoted forms unwrapped)', () => {
    // Act
    const parsed = job({
      columns: ['First Name', '"Last Name"', '`order-id`', 'Straße'],
      primaryKey: ['"order-id"'],
      incremental: { cursorColumn: '"Updated At"', keyColumn: 'order-id' },
    });

    // Assess
    expect(parsed.columns).toEqual(['First Name', 'Last Name', 'order-id', 'Straße']);
    expect(parsed.primaryKey).toEqual(['order-id']);
    expect(parsed.incremental).toMatchObject({ cursorColumn: 'Updated At', keyColumn: 'order-id' });
    // Parsing the result again changes nothing (deployment config is read twice).
    expect(JobConfigSchema.parse(parsed).columns).toEqual(parsed.columns);
  });

  it('refuses a malformed name, naming the field and the value', () => {
    // Act
    const table = JobConfigSchema.safeParse({ ...job(), table: 'a.b.c' });
    const column = JobConfigSchema.safeParse({ ...job(), columns: ['id', '"unterminated'] });

    // Assess
    expect(table.error?.issues[0]).toMatchObject({ path: ['table'], message: '"a.b.c" must be "table" or "schema.table" (quote a name that contains a dot: "my.table")' });
    expect(column.error?.issues[0]).toMatchObject({ path: ['columns', 1], message: '""unterminated" has an unterminated " quote' });
  });
});
