import { identifierProblem } from '@rds-s3-export/shared-types';
import { ConfigError } from '../errors.js';
import { checkCustomQuery } from './query-tokens.js';

export type QuoteStyle = 'backtick' | 'double';

/**
 * Validates then quotes an identifier (optionally `schema.table`) with the engine's rules.
 * Validation is the shared, deliberately narrow rule; quoting is applied anyway, so even a
 * reserved word like `order` works as a column name.
 */
export function quoteIdentifier(name: string, style: QuoteStyle, field: string, { qualified = false } = {}): string {
  const problem = identifierProblem(name, { qualified });
  if (problem) throw new ConfigError('IDENTIFIER_INVALID', `${field} "${name}" ${problem}`);
  const q = style === 'backtick' ? '`' : '"';
  return name
    .split('.')
    .map((part) => `${q}${part.replaceAll(q, q + q)}${q}`)
    .join('.');
}

/** `SELECT <cols> FROM <table>` or the custom query as a derived table. */
export function baseSelect(
  request: { table?: string; query?: string; columns?: readonly string[] },
  style: QuoteStyle,
): string {
  if (request.query !== undefined) {
    // The tokenizer guarantees the text is one read-only statement whose parentheses balance,
    // ending at its last token: nothing in it can close or comment out the wrapper.
    const query = checkCustomQuery(request.query, style === 'backtick' ? 'mysql' : 'postgres').trim();
    return `SELECT * FROM (${query}) AS export_query`;
  }
  if (request.table === undefined) throw new ConfigError('SOURCE_MISSING', 'set a table or a query');
  const table = quoteIdentifier(request.table, style, 'table', { qualified: true });
  const columns = request.columns?.length
    ? request.columns.map((c) => quoteIdentifier(c, style, 'column')).join(', ')
    : '*';
  return `SELECT ${columns} FROM ${table}`;
}
