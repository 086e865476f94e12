/**
 * Defence in depth for custom queries on PostgreSQL, as mysql-statement-check.ts is on MySQL:
 * before the exporter embeds the query in its own SQL, the server's own parser reads the query
 * alone, as the body of a `PREPARE` (parsed and analysed, never planned or executed; deallocated
 * at once). The tokenizer (query-tokens.ts) already refused anything that is not one statement
 * with balanced parentheses; if the server read the text differently (a lexing rule the
 * tokenizer does not model), the text alone would not parse as one complete statement — a `)`
 * that closes more than the query opened is a syntax error there — and the run fails before the
 * column probe, the first statement that contains the query, runs. `$n` parameters are refused:
 * nothing binds them.
 */
import type pg from 'pg';
import { QueryRefusedError } from '../query-tokens.js';

/** A name of the session's own: the connection is the source's alone. */
const STATEMENT = 'rse_query_check';

/** PostgreSQL's codes for a `$n` it cannot type (42P18) or that does not exist (42P02). */
const PARAMETER_ERRORS = new Set(['42P18', '42P02']);

/** Prepares and deallocates `query`; throws the server's error, or QUERY_PARAMETERS for `$n` parameters. */
export async function serverParsesAlonePostgres(client: pg.Client, query: string): Promise<void> {
  try {
    // Extended protocol: one statement only, so nothing after the query can run.
    await client.query({ text: `PREPARE ${STATEMENT} AS ${query}`, queryMode: 'extended' } as pg.QueryConfig);
  } catch (error) {
    if (PARAMETER_ERRORS.has((error as { code?: string }).code ?? '')) throw parametersRefused();
    throw error;
  }
  try {
    const described = await client.query<{ parameters: string }>(
      'SELECT pg_catalog.cardinality(parameter_types) AS parameters FROM pg_catalog.pg_prepared_statements WHERE name = $1',
      [STATEMENT],
    );
    const parameters = Number(described.rows[0]?.parameters ?? 0);
    if (parameters > 0) throw parametersRefused(parameters);
  } finally {
    await client.query(`DEALLOCATE ${STATEMENT}`);
  }
}

function parametersRefused(count?: number): QueryRefusedError {
  const what = count === undefined ? '"$n" parameters' : `${count} "$n" parameter(s)`;
  return new QueryRefusedError('QUERY_PARAMETERS', `query refused: it has ${what}, which an export cannot bind; write the values into the query`);
}
