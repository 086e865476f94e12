import { getTableConfig } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type LocalPostgres } from './postgres.js';
import { employees } from './sample/employees-schema.js';
import { sampleEmployee } from './sample/seed-employees.js';

const SEEDED = 10_000;

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

describe('startPostgres (PGlite over the socket server)', () => {
  let postgres: LocalPostgres;
  let client: pg.Client;

  beforeAll(async () => {
    postgres = await startPostgres({ seedEmployees: SEEDED });
    client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await postgres?.stop();
  });

  it('serves the url it reports and seeds exactly the rows asked for', async () => {
    expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:${postgres.port}/postgres`);
    const { rows } = await client.query<{ count: string; max_id: string }>('SELECT count(*)::text AS count, max(id)::text AS max_id FROM employees');
    expect(rows[0]).toEqual({ count: String(SEEDED), max_id: String(SEEDED) });
  });

  it('keeps NULL and empty-string notes distinct, and stores the deterministic sample rows', async () => {
    const { rows } = await client.query<{ id: string; notes: string | null; salary: string; hired_on: string; updated_at: string }>(
      `SELECT id::text AS id, notes, salary::text AS salary, hired_on::text AS hired_on,
              to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS updated_at
         FROM employees WHERE id <= 7 ORDER BY id`,
    );
    expect(rows.map((row) => row.notes)).toEqual([0, 1, 2, 3, 4, 5, 6].map((index) => sampleEmployee(index).notes ?? null));
    expect(rows[0]?.notes).toBeNull();
    expect(rows[1]?.notes).toBe('');
    expect(rows[4]?.notes).toContain('\n');
    const expected = sampleEmployee(3);
    expect(rows[3]).toMatchObject({ salary: expected.salary, hired_on: expected.hiredOn, updated_at: expected.updatedAt.slice(0, -3) });
    const { rows: counts } = await client.query<{ nulls: string; empties: string }>(
      "SELECT count(*) FILTER (WHERE notes IS NULL)::text AS nulls, count(*) FILTER (WHERE notes = '')::text AS empties FROM employees",
    );
    expect(counts[0]).toEqual({ nulls: String(Math.ceil(SEEDED / 7)), empties: String(Math.floor((SEEDED + 5) / 7)) });
  });

  it('creates exactly the columns of the drizzle schema', async () => {
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'employees' ORDER BY ordinal_position",
    );
    expect(rows.map((row) => row.column_name)).toEqual(getTableConfig(employees).columns.map((column) => column.name));
    expect(rows.map((row) => row.data_type)).toEqual([
      'bigint', 'text', 'text', 'text', 'text', 'numeric', 'date', 'timestamp with time zone', 'boolean', 'text',
    ]);
  });

  it('supports COPY (SELECT ...) TO STDOUT WITH (FORMAT csv) through pg-copy-streams', async () => {
    const csv = await readAll(
      client.query(copyTo("COPY (SELECT id, notes, salary FROM employees WHERE id <= 7 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)")),
    );
    expect(csv).toBe(
      'id,notes,salary\n' +
        `1,,${sampleEmployee(0).salary}\n` +
        `2,"",${sampleEmployee(1).salary}\n` +
        `3,"likes commas, semicolons; and more, commas",${sampleEmployee(2).salary}\n` +
        `4,"said ""hello"" and 'bye'",${sampleEmployee(3).salary}\n` +
        `5,"line one\nline two\r\nline three",${sampleEmployee(4).salary}\n` +
        `6,plain note 5,${sampleEmployee(5).salary}\n` +
        `7,café ☕ naïve — 日本,${sampleEmployee(6).salary}\n`,
    );
    const full = await readAll(client.query(copyTo('COPY (SELECT * FROM employees ORDER BY id) TO STDOUT WITH (FORMAT csv)')));
    expect(full.startsWith('1,Ada,Lovelace,')).toBe(true);
    expect(full).toContain(`\n${SEEDED},`);
    // the connection is still usable after a large COPY
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('supports a REPEATABLE READ READ ONLY transaction that sees a stable snapshot and refuses writes', async () => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const { rows: level } = await client.query<{ transaction_isolation: string; transaction_read_only: string }>(
        "SELECT current_setting('transaction_isolation') AS transaction_isolation, current_setting('transaction_read_only') AS transaction_read_only",
      );
      expect(level[0]).toEqual({ transaction_isolation: 'repeatable read', transaction_read_only: 'on' });
      await client.query("SET LOCAL TIME ZONE 'UTC'");
      const { rows: tz } = await client.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz");
      expect(tz[0]?.tz).toBe('UTC');
      await expect(client.query("UPDATE employees SET notes = 'x' WHERE id = 1")).rejects.toThrow(/read-only transaction/);
    } finally {
      await client.query('ROLLBACK');
    }
    const { rows } = await client.query<{ notes: string | null }>('SELECT notes FROM employees WHERE id = 1');
    expect(rows[0]?.notes).toBeNull();
  });

  it('supports pg-query-stream (a server-side cursor read in batches)', async () => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const stream = client.query(new QueryStream('SELECT id::text AS id, notes FROM employees ORDER BY employees.id', [], { batchSize: 500 }));
      let count = 0;
      let last = '';
      for await (const row of stream as AsyncIterable<{ id: string; notes: string | null }>) {
        count++;
        last = row.id;
      }
      expect(count).toBe(SEEDED);
      expect(last).toBe(String(SEEDED));
    } finally {
      await client.query('COMMIT');
    }
  });

  it('refuses a second concurrent connection (PGlite serves one at a time)', async () => {
    const second = new pg.Client({ connectionString: postgres.url, connectionTimeoutMillis: 5_000 });
    second.on('error', () => undefined);
    await expect(second.connect().then(() => second.query('SELECT 1'))).rejects.toThrow(/Connection terminated unexpectedly/);
    await second.end().catch(() => undefined);
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('stops idempotently and then refuses connections', async () => {
    const other = await startPostgres();
    const url = other.url;
    await Promise.all([other.stop(), other.stop()]);
    await other.stop();
    const late = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    late.on('error', () => undefined);
    await expect(late.connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});
