/**
 * The PostgreSQL server parses a custom query alone before the exporter embeds it: a text that
 * would be valid only inside the exporter's wrapper is a syntax error alone, `$n` parameters are
 * refused, and the query is parsed, never executed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TEST_POSTGRES_URL } from '../../testing/index.js';
import { serverParsesAlonePostgres } from './postgres-statement-check.js';

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

/** Runs `check` in a READ ONLY transaction, as the source does, and rolls it back. */
async function inTransaction<T>(check: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await check();
  } finally {
    await client.query('ROLLBACK');
  }
}

const preparedStatements = async () => (await client.query('SELECT name FROM pg_catalog.pg_prepared_statements')).rows;

describe('Function: serverParsesAlonePostgres', () => {
  it('accepts a query and leaves no prepared statement behind', async () => {
    for (const query of ['SELECT 1 AS a', 'VALUES (1, 2)', '(SELECT 1 AS a)', "WITH t AS (SELECT 'x' AS s) SELECT s FROM t", 'TABLE pg_catalog.pg_namespace']) {
      await inTransaction(() => serverParsesAlonePostgres(client, query));
    }
    expect(await preparedStatements()).toEqual([]);
  });

  it('refuses, as a syntax error, a text that is valid only inside the wrapper it would close', async () => {
    // Inside `SELECT * FROM (<text>) AS export_query` this is a valid cross join of two subqueries.
    const text = 'SELECT 1 AS a) AS x CROSS JOIN (SELECT 2 AS b';
    const wrapped = await client.query(`SELECT * FROM (${text}) AS export_query`);
    expect(wrapped.rows).toEqual([{ a: 1, b: 2 }]);
    await expect(inTransaction(() => serverParsesAlonePostgres(client, text))).rejects.toMatchObject({ code: '42601' });
  });

  it('refuses $n parameters, typed or not, with QUERY_PARAMETERS', async () => {
    for (const query of ['SELECT $1::int AS a', 'SELECT $1 AS a', 'SELECT oid FROM pg_catalog.pg_namespace WHERE oid = $1']) {
      await expect(inTransaction(() => serverParsesAlonePostgres(client, query)), query).rejects.toMatchObject({ errorClass: 'config', code: 'QUERY_PARAMETERS' });
    }
    expect(await preparedStatements()).toEqual([]);
  });

  it('parses the query without running it: a function with a side effect is not called', async () => {
    const key = 4_212_000 + (process.pid % 1000);
    const held = async () => Number((await client.query("SELECT count(*) AS n FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid()")).rows[0].n);
    await inTransaction(async () => {
      await serverParsesAlonePostgres(client, `SELECT pg_advisory_lock(${key}) AS l`);
      expect(await held()).toBe(0);
    });
    expect(await held()).toBe(0);
  });
});
