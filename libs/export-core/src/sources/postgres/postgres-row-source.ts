import type { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import { RdsExportError, type Engine } from '@rds-s3-export/shared-types';
import type { OpenedSource, RowSource, SourceColumn, SourceRequest, SourceStream } from '../../ports.js';
import type { ConnectionSettings } from '../connection-settings.js';
import { baseSelect } from '../sql-identifiers.js';
import { columnKind, selectExpression } from './postgres-columns.js';
import { mapPostgresError } from './postgres-errors.js';
import { boundsFromTileMinima, composeSelection, planWindow, tileMinimaSql, type WindowDialect } from '../incremental-window.js';
import { ConfigError } from '../../errors.js';
import { incrementalNeedsKey } from '../incremental-window.js';
import { readPostgresPrivileges } from './postgres-privileges.js';
import { preflightPrivileges } from '../privilege-policy.js';

export interface PostgresSourceOptions {
  /** Row-mode only: rows fetched per cursor round trip. @default 2000 */
  readonly batchSize?: number;
  /** Force the row cursor even when COPY could produce the CSV (tests, diagnostics). @default false */
  readonly forceRowMode?: boolean;
}

/** Every value as the server's text: no JS Date, no JS number, no JSON.parse. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * PostgreSQL through `pg`. In one REPEATABLE READ READ ONLY transaction in UTC, it either lets
 * the server write the CSV (`COPY (SELECT …) TO STDOUT (FORMAT csv)`: fastest, and exactly the
 * contract's quoting) or, for dialect options COPY cannot express (CRLF, formula guard), streams
 * rows through a cursor to the core's encoder.
 */
export class PostgresRowSource implements RowSource {
  readonly engine: Engine = 'postgres';

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly options: PostgresSourceOptions = {},
  ) {}

  async open(request: SourceRequest, signal?: AbortSignal): Promise<OpenedSource> {
    const where = `postgres ${this.settings.host}:${this.settings.port}/${this.settings.database}`;
    const select = baseSelect(request, 'double');
    signal?.throwIfAborted();
    const client = new pg.Client({
      host: this.settings.host,
      port: this.settings.port,
      user: this.settings.user,
      password: this.settings.password,
      database: this.settings.database,
      application_name: 'rds-s3-export',
      connectionTimeoutMillis: this.settings.connectTimeoutMs ?? 10_000,
      types: RAW_TEXT,
      ...(this.settings.tls ? { ssl: { ca: this.settings.tls.ca, rejectUnauthorized: this.settings.tls.rejectUnauthorized ?? true } } : {}),
    });
    // An idle-connection error (server restart) must not crash the process.
    client.on('error', () => undefined);
    const kill = () => destroySocket(client);
    signal?.addEventListener('abort', kill, { once: true });
    try {
      await client.connect().catch((e: unknown) => {
        throw mapPostgresError(e, `connecting to ${where}`) ?? e;
      });
      await client
        .query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        .then(() => client.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1"))
        .catch((e: unknown) => {
          throw mapPostgresError(e, `starting the snapshot transaction on ${where}`) ?? e;
        });

      // Before any statement that contains the custom query (see privilege-policy.ts).
      const privilegeFindings = await preflightPrivileges(() => readPostgresPrivileges(client), request, this.settings.user);
      const context = request.table !== undefined ? `table ${request.table}` : 'query';
      // Extended protocol: one statement only, so a custom query cannot smuggle a second one.
      // (`queryMode` is pg >= 8.12; @types/pg does not know it yet.)
      const probeQuery = { text: `${select} LIMIT 0`, rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig;
      const probe = await client.query(probeQuery).catch((e: unknown) => {
        throw mapPostgresError(e, `reading the columns of ${context} on ${where}`) ?? e;
      });
      const typeNames = await client.query<{ type: string }>(
        'SELECT format_type(t.oid, NULLIF(t.mod, -1)) AS type FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS t(oid, mod, ord) ORDER BY t.ord',
        [probe.fields.map((f) => f.dataTypeID), probe.fields.map((f) => f.dataTypeModifier)],
      );
      const columns: SourceColumn[] = probe.fields.map((f, i) => ({
        name: f.name,
        sourceType: typeNames.rows[i]?.type ?? String(f.dataTypeID),
        kind: columnKind(f.dataTypeID),
      }));
      const projection = probe.fields
        .map((f) => {
          const quoted = `"${f.name.replaceAll('"', '""')}"`;
          return `${selectExpression(`w.${quoted}`, f.dataTypeID, request.dialect)} AS ${quoted}`;
        })
        .join(', ');
      if (request.window && request.table !== undefined) {
        const quotedTable = request.table.split('.').map((part) => `"${part}"`).join('.');
        const unique = await client.query(
          'SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] ' +
            'WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1 AND a.attname = $2',
          [quotedTable, request.window.keyColumn],
        );
        if (unique.rows.length === 0) throw incrementalNeedsKey(request.table, request.window.keyColumn);
      }
      const windowPlan = request.window
        ? await planWindow(request.window, columns, select, postgresWindowDialect(client), async (text) => {
            const result = await client.query({ text, rowMode: 'array' });
            return result.rows as (string | null)[][];
          }).catch((e: unknown) => {
            throw mapPostgresError(e, `reading the incremental window of ${context} on ${where}`) ?? e;
          })
        : undefined;
      const selection = composeSelection(windowPlan, request.keyRange, columns, postgresWindowDialect(client));
      const dataSql = `SELECT ${projection} FROM (${select}) AS w WHERE ${selection.where}${selection.orderBy ? ` ORDER BY ${selection.orderBy}` : ''}`;
      const counted = await client.query({ text: `SELECT COUNT(*) FROM (${select}) AS w WHERE ${selection.where}`, rowMode: 'array' }).catch((e: unknown) => {
        throw mapPostgresError(e, `counting the rows of ${context} on ${where}`) ?? e;
      });
      const sourceRows = Number((counted.rows as string[][])[0]?.[0] ?? 0);
      const copyCan = !this.options.forceRowMode && !request.preferRows && request.dialect.recordDelimiter === 'lf' && !request.dialect.formulaGuard;

      let closed = false;
      let streaming = false;
      let finished = false;
      return {
        columns,
        sourceRows,
        privilegeFindings,
        chunkBoundaries: async (column, chunks) => {
          const key = columns.find((c) => c.name === column);
          if (!key) throw new ConfigError('CHUNK_KEY_MISSING', `chunk key "${column}" is not a column of the export`);
          const result = await client
            .query({ text: tileMinimaSql(select, selection.where, key, chunks, postgresWindowDialect(client)), rowMode: 'array' })
            .catch((e: unknown) => {
              throw mapPostgresError(e, `planning chunks of ${context} on ${where}`) ?? e;
            });
          return boundsFromTileMinima((result.rows as (string | null)[][]).map((r) => r[0] ?? null));
        },
        ...(windowPlan ? { window: { ...windowPlan.window, rows: sourceRows } } : {}),
        stream: (): SourceStream => {
          streaming = true;
          if (copyCan) {
            const delimiter = request.dialect.delimiter.replaceAll("'", "''");
            const copy = client.query(copyTo(`COPY (${dataSql}) TO STDOUT WITH (FORMAT csv, DELIMITER '${delimiter}')`));
            // The row count arrives in CommandComplete, after the data stream has ended.
            const hooks = copy as unknown as { handleReadyForQuery: () => void };
            const complete = new Promise<void>((resolve) => {
              const original = hooks.handleReadyForQuery.bind(copy);
              hooks.handleReadyForQuery = () => {
                original();
                finished = true;
                resolve();
              };
            });
            return { kind: 'csv', stream: copy as unknown as Readable, rowCount: async () => (await complete, copy.rowCount) };
          }
          const rows = client.query(
            new QueryStream(dataSql, [], { rowMode: 'array', batchSize: this.options.batchSize ?? 2000, highWaterMark: this.options.batchSize ?? 2000, types: RAW_TEXT }),
          );
          rows.once('end', () => (finished = true));
          return { kind: 'rows', stream: rows };
        },
        mapError: (error) => mapPostgresError(error, `streaming ${context} from ${where}`),
        close: async () => {
          if (closed) return;
          closed = true;
          signal?.removeEventListener('abort', kill);
          if (streaming && !finished) {
            // Cancelling a half-read COPY or cursor politely can take as long as the query; drop the socket.
            destroySocket(client);
            await client.end().catch(() => undefined);
            return;
          }
          await client.query('ROLLBACK').catch(() => undefined);
          await client.end().catch(() => undefined);
        },
      };
    } catch (error) {
      signal?.removeEventListener('abort', kill);
      destroySocket(client);
      await client.end().catch(() => undefined);
      // Every setup query's failure is classified, whichever one it was (a statement timeout can hit any).
      throw error instanceof RdsExportError ? error : (mapPostgresError(error, `opening ${where}`) ?? error);
    }
  }
}

function postgresWindowDialect(client: pg.Client): WindowDialect {
  return {
    quote: (name) => `"${name.replaceAll('"', '""')}"`,
    // COPY takes no bind parameters: literals, escaped by the driver.
    literal: (value, numeric) => (numeric ? value : client.escapeLiteral(value)),
    asText: (column) => `${column}::text`,
    nowMinus: (seconds) => `(statement_timestamp() - interval '${Math.trunc(seconds)} seconds')`,
  };
}

function destroySocket(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
