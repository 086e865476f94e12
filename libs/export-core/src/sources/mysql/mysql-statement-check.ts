/**
 * Defence in depth for custom queries on MySQL / MariaDB: before the exporter embeds the query in
 * its own SQL, the server's own parser reads the query alone, as a prepared statement (parsed,
 * never executed; closed at once). The tokenizer (query-tokens.ts) already refused anything
 * that is not one statement with balanced parentheses; if the server read the text differently
 * (a lexing rule the tokenizer does not model), the text alone would not parse as a complete
 * statement — a ")" that closes more than the query opened is a syntax error there — and the
 * run fails before the probe, the first statement that contains the query, ever executes.
 */
import type { Connection } from 'mysql2';
import { QueryRefusedError } from '../query-tokens.js';

type Db = ReturnType<Connection['promise']>;

/**
 * Prepares and closes `query`; throws the server's error, or QUERY_PARAMETERS for `?`
 * placeholders. Returns the names of the result columns the server reports for it (a prepared
 * statement describes its result without running it).
 */
export async function serverParsesAlone(db: Db, query: string): Promise<string[]> {
  const statement = await db.prepare(query);
  try {
    // The promise wrapper keeps the driver's statement (columns, parameters) in `statement`.
    const described = (statement as unknown as { statement?: { parameters?: unknown[]; columns?: { name: string }[] } }).statement;
    const parameters = described?.parameters ?? [];
    if (parameters.length > 0) {
      throw new QueryRefusedError('QUERY_PARAMETERS', `query refused: it has ${parameters.length} "?" placeholder(s), which an export cannot bind; write the values into the query`);
    }
    return (described?.columns ?? []).map((c) => c.name);
  } finally {
    await statement.close();
  }
}
