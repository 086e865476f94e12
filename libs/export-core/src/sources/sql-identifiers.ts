import { formatIdentifier, parseTableName, type TableName } from '@rds-s3-export/shared-types';
import { ConfigError } from '../errors.js';
import { checkCustomQuery } from './query-tokens.js';

export type QuoteStyle = 'backtick' | 'double';

/** PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1) and silently cuts the rest. */
const POSTGRES_NAME_BYTES = 63;

/**
 * Quotes one exact name with the engine's rules: backticks (MySQL/MariaDB) or double quotes
 * (PostgreSQL), the quote character doubled inside. Whatever the name holds (spaces, dashes,
 * reserved words, unicode, quotes) it stays one identifier. Refused: an empty name, NUL (no
 * engine allows it), and on PostgreSQL a name over 63 bytes (the server would cut it and could
 * then find another table).
 */
export function quoteName(name: string, style: QuoteStyle, field = 'name'): string {
  if (name === '') throw new ConfigError('IDENTIFIER_INVALID', `${field} must not be empty`);
  if (name.includes('\u0000')) throw new ConfigError('IDENTIFIER_INVALID', `${field} must not contain the NUL character`);
  if (style === 'double' && Buffer.byteLength(name, 'utf8') > POSTGRES_NAME_BYTES) {
    throw new ConfigError('IDENTIFIER_INVALID', `${field} "${name}" is longer than PostgreSQL's ${POSTGRES_NAME_BYTES} bytes`);
  }
  const q = style === 'backtick' ? '`' : '"';
  return `${q}${name.replaceAll(q, q + q)}${q}`;
}

/** The exact names of a `table` / `schema.table` text (naming-rules.ts), or IDENTIFIER_INVALID. */
export function tableNameOf(text: string): TableName {
  const parsed = parseTableName(text);
  if (!parsed.ok) throw new ConfigError('IDENTIFIER_INVALID', `table "${text}" ${parsed.problem}`);
  return parsed.value;
}

/** `"schema"."table"` / `` `schema`.`table` `` of a table text. */
export function quoteTable(text: string, style: QuoteStyle): string {
  const table = tableNameOf(text);
  return [table.schema, table.name]
    .filter((p): p is string => p !== undefined)
    .map((part) => quoteName(part, style, 'table'))
    .join('.');
}

/**
 * Quotes a table text (`qualified`, parsed as in naming-rules.ts) or one exact column name.
 * Kept for callers of the former single entry point.
 */
export function quoteIdentifier(name: string, style: QuoteStyle, field: string, { qualified = false } = {}): string {
  return qualified ? quoteTable(name, style) : quoteName(name, style, field);
}

/**
 * `SELECT <cols> FROM <table>`, or the custom query as a derived table:
 * `SELECT * FROM (<query>) AS export_query`. Everything the export then runs (the column probe
 * with `LIMIT 0`, the row count, the incremental window, chunk bounds, the data query itself)
 * selects from this text as a subquery, so a custom query's result columns need distinct names
 * (see duplicateColumnsError).
 */
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
  const table = quoteTable(request.table, style);
  const columns = request.columns?.length ? request.columns.map((c) => quoteName(c, style, 'column')).join(', ') : '*';
  return `SELECT ${columns} FROM ${table}`;
}

/** How PostgreSQL names a result column it was given no name for (`SELECT 1`, `SELECT a + b`). */
export const POSTGRES_UNNAMED_COLUMN = '?column?';

/**
 * QUERY_COLUMNS_AMBIGUOUS when a custom query's result columns cannot be told apart by name:
 * the export selects them from the query as a subquery, by name, and writes one CSV header.
 * Names each duplicate once (and, on PostgreSQL, the columns it named `?column?` because they
 * have no alias), with the fix: an alias per column.
 */
export function duplicateColumnsError(names: readonly string[], engine: 'mysql' | 'postgres'): ConfigError | undefined {
  const counts = new Map<string, number>();
  // MySQL/MariaDB column names are case-insensitive: `ID` and `id` collide in a derived table.
  for (const name of names) {
    const key = engine === 'mysql' ? name.toLowerCase() : name;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const unnamed = engine === 'postgres' ? names.filter((n) => n === POSTGRES_UNNAMED_COLUMN).length : 0;
  const duplicates = [...new Set(names.filter((n) => (counts.get(engine === 'mysql' ? n.toLowerCase() : n) ?? 0) > 1 && n !== POSTGRES_UNNAMED_COLUMN))];
  if (duplicates.length === 0 && unnamed === 0) return undefined;
  const parts: string[] = [];
  if (duplicates.length) parts.push(`more than one column is named ${duplicates.map((d) => formatIdentifier(d)).join(', ')}`);
  if (unnamed) parts.push(`${unnamed} column(s) have no name (PostgreSQL calls them "?column?")`);
  return new ConfigError(
    'QUERY_COLUMNS_AMBIGUOUS',
    `query refused: ${parts.join('; ')}. The export reads the query as a subquery and writes one CSV header, so every result column needs its own name: ` +
      'give each an alias, e.g. SELECT o.id AS order_id, c.id AS customer_id, count(*) AS n ...',
  );
}
