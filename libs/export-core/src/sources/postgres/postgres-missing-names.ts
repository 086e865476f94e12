/**
 * Turns PostgreSQL's undefined_table / undefined_column / invalid_schema_name into an error that
 * lists the closest existing names, read from pg_catalog with bound parameters (the missing
 * name is data here, never SQL text). The failed statement aborted the snapshot transaction,
 * so the lookup runs after a ROLLBACK; the export fails anyway.
 */
import type pg from 'pg';
import { formatTableName } from '@rds-s3-export/shared-types';
import type { ConfigError } from '../../errors.js';
import { missingNameError } from '../closest-names.js';
import { quoteTable, tableNameOf } from '../sql-identifiers.js';
import { mapPostgresError } from './postgres-errors.js';

/** Names read at most per lookup: enough for any real schema, bounded for a huge one. */
const MAX_NAMES = 10_000;
const RELATION_KINDS = "('r', 'v', 'm', 'f', 'p')";
const USER_SCHEMAS = "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'";

/** The SOURCE_OBJECT_NOT_FOUND error with suggestions, or undefined when `cause` is another failure (or the lookup itself fails). */
export async function explainMissingPostgresName(
  client: pg.Client,
  request: { table?: string; columns?: readonly string[] },
  cause: unknown,
  where: string,
): Promise<ConfigError | undefined> {
  const code = (cause as { code?: string } | undefined)?.code;
  if (request.table === undefined || !['42P01', '3F000', '42703'].includes(code ?? '')) return undefined;
  const table = tableNameOf(request.table);
  const server = mapPostgresError(cause, where)?.message ?? where;
  try {
    await client.query('ROLLBACK');
    if (code === '42P01' || code === '3F000') {
      if (table.schema !== undefined) {
        const schemas = await client.query<{ name: string }>(`SELECT n.nspname AS name FROM pg_catalog.pg_namespace n WHERE ${USER_SCHEMAS} ORDER BY 1 LIMIT ${MAX_NAMES}`);
        const known = schemas.rows.map((r) => r.name);
        if (!known.includes(table.schema)) return missingNameError(server, { kind: 'schema', name: table.schema }, known.map((name) => ({ name })), cause);
        const tables = await client.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ${RELATION_KINDS} ORDER BY 1 LIMIT ${MAX_NAMES}`,
          [table.schema],
        );
        // The table is there: something else is missing; the server's text says what.
        if (tables.rows.some((r) => r.name === table.name)) return undefined;
        const candidates = tables.rows.map((r) => ({ name: r.name, display: formatTableName({ schema: table.schema, name: r.name }) }));
        return missingNameError(server, { kind: 'table', name: table.name }, candidates, cause);
      }
      // Unqualified: what the search path shows as is, and the other schemas' tables qualified.
      const tables = await client.query<{ schema: string; name: string; visible: boolean }>(
        `SELECT n.nspname AS schema, c.relname AS name, pg_catalog.pg_table_is_visible(c.oid) AS visible FROM pg_catalog.pg_class c ` +
          `JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ${RELATION_KINDS} AND ${USER_SCHEMAS} ORDER BY 3 DESC, 1, 2 LIMIT ${MAX_NAMES}`,
      );
      if (tables.rows.some((r) => r.visible && r.name === table.name)) return undefined;
      const candidates = tables.rows.map((r) => ({ name: r.name, display: r.visible ? undefined : formatTableName({ schema: r.schema, name: r.name }) }));
      return missingNameError(server, { kind: 'table', name: table.name }, candidates, cause);
    }
    if (request.columns?.length) {
      // to_regclass reads the quoted table text as a bound value: no SQL is built from it.
      const columns = await client.query<{ name: string }>(
        'SELECT a.attname AS name FROM pg_catalog.pg_attribute a WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum',
        [quoteTable(request.table, 'double')],
      );
      const existing = columns.rows.map((r) => r.name);
      const missing = request.columns.find((c) => !existing.includes(c));
      if (missing === undefined) return undefined;
      return missingNameError(server, { kind: 'column', name: missing }, existing.map((name) => ({ name })), cause);
    }
  } catch {
    // The lookup is a courtesy: the server's own error still says what is missing.
  }
  return undefined;
}
