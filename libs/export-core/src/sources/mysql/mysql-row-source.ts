import { Transform, type Readable, type TransformCallback } from 'node:stream';
import mysql from 'mysql2';
import type { Connection, FieldPacket, RowDataPacket } from 'mysql2';
import { RdsExportError, type Engine } from '@rds-s3-export/shared-types';
import type { Cell, OpenedSource, Row, RowSource, SourceColumn, SourceRequest } from '../../ports.js';
import type { ConnectionSettings } from '../connection-settings.js';
import { baseSelect, quoteIdentifier } from '../sql-identifiers.js';
import { planColumn, type ColumnPlan, type MysqlField } from './mysql-columns.js';
import { boundsFromTileMinima, composeSelection, planWindow, tileMinimaSql, type WindowDialect } from '../incremental-window.js';
import { ConfigError } from '../../errors.js';
import { incrementalNeedsKey } from '../incremental-window.js';
import { mapMysqlError } from './mysql-errors.js';
import { streamMysqlCsv } from './mysql-csv-stream.js';
import { readMysqlPrivileges } from './mysql-privileges.js';
import { preflightPrivileges } from '../privilege-policy.js';
import { serverParsesAlone } from './mysql-statement-check.js';
import { checkCustomQuery } from '../query-tokens.js';
import { encoderOptions } from '../../csv/csv-options.js';

export interface MysqlSourceOptions {
  /** Rows buffered between the driver and the encoder before the socket is paused. @default 2000 */
  readonly rowHighWaterMark?: number;
  /**
   * Server-side `net_write_timeout` in seconds: how long the server waits for us to read.
   * Raised so a slow upload (backpressure) does not make the server drop the query. @default 3600
   */
  readonly netWriteTimeoutSeconds?: number;
}

/**
 * MySQL / MariaDB rows through mysql2's streaming text protocol. One connection, one
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` in UTC; backpressure pauses the socket.
 */
export class MysqlRowSource implements RowSource {
  readonly engine: Engine;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly options: MysqlSourceOptions = {},
  ) {
    this.engine = settings.engine;
  }

  async open(request: SourceRequest, signal?: AbortSignal): Promise<OpenedSource> {
    const where = `${this.engine} ${this.settings.host}:${this.settings.port}/${this.settings.database}`;
    // Validate identifiers before any connection is opened.
    const select = baseSelect(request, 'backtick');
    signal?.throwIfAborted();
    const connection = mysql.createConnection({
      host: this.settings.host,
      port: this.settings.port,
      user: this.settings.user,
      password: this.settings.password,
      database: this.settings.database,
      connectTimeout: this.settings.connectTimeoutMs ?? 10_000,
      charset: 'UTF8MB4_UNICODE_CI',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      jsonStrings: true,
      decimalNumbers: false,
      rowsAsArray: true,
      ...(this.settings.tls ? { ssl: { ca: this.settings.tls.ca, rejectUnauthorized: this.settings.tls.rejectUnauthorized ?? true } } : {}),
    });
    // A connection-level error (socket dropped between queries) must not crash the process.
    connection.on('error', () => undefined);
    const db = connection.promise();
    const onAbort = () => connection.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await db.connect().catch((e: unknown) => {
        throw mapMysqlError(e, `connecting to ${where}`) ?? e;
      });
      const netWrite = this.options.netWriteTimeoutSeconds ?? 3600;
      await db
        .query(`SET SESSION time_zone = '+00:00', SESSION net_write_timeout = ${Number(netWrite)}`)
        .then(() => db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ'))
        .then(() => db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY'))
        .catch((e: unknown) => {
          throw mapMysqlError(e, `starting the snapshot transaction on ${where}`) ?? e;
        });

      // Before any statement that contains the custom query (see privilege-policy.ts).
      const privilegeFindings = await preflightPrivileges(() => readMysqlPrivileges(db), request, this.settings.user);
      const context = request.table !== undefined ? `table ${request.table}` : 'query';
      if (request.query !== undefined) {
        await serverParsesAlone(db, checkCustomQuery(request.query, 'mysql')).catch((e: unknown) => {
          throw e instanceof RdsExportError ? e : (mapMysqlError(e, `parsing the query on ${where}`) ?? e);
        });
      }
      const [, probeFields] = await db.query<RowDataPacket[]>(`${select} LIMIT 0`).catch((e: unknown) => {
        throw mapMysqlError(e, `reading the columns of ${context} on ${where}`) ?? e;
      });
      const fields = probeFields as unknown as MysqlField[];
      const plans = fields.map((f) => planColumn(f, request.dialect));
      const declaredTypes = request.table !== undefined ? await columnTypes(db, request.table) : new Map<string, string>();
      const columns: SourceColumn[] = fields.map((f, i) => ({
        name: f.name,
        sourceType: declaredTypes.get(f.name) ?? (plans[i] as ColumnPlan).fallbackType,
        kind: (plans[i] as ColumnPlan).kind,
      }));
      const quoted = fields.map((f) => quoteName(f.name));
      if (request.window && request.table !== undefined && !(await isUniqueKey(db, request.table, request.window.keyColumn))) {
        throw incrementalNeedsKey(request.table, request.window.keyColumn);
      }
      const windowPlan = request.window
        ? await planWindow(request.window, columns, select, mysqlWindowDialect(connection), async (text) => {
            const [rows] = await db.query<RowDataPacket[]>({ sql: text, rowsAsArray: true });
            return (rows as unknown as (string | number | null)[][]).map((r) => r.map((v) => (v === null ? null : String(v))));
          }).catch((e: unknown) => {
            throw mapMysqlError(e, `reading the incremental window of ${context} on ${where}`) ?? e;
          })
        : undefined;
      const needsRewrite = plans.some((p, i) => p.select(quoted[i] as string) !== quoted[i]);
      const projection = needsRewrite ? plans.map((p, i) => `${p.select(`w.${quoted[i]}`)} AS ${quoted[i]}`).join(', ') : 'w.*';
      const filtered = Boolean(windowPlan || request.keyRange);
      const selection = composeSelection(windowPlan, request.keyRange, columns, mysqlWindowDialect(connection));
      const dataSql =
        needsRewrite || filtered
          ? `SELECT ${projection} FROM (${select}) AS w WHERE ${selection.where}${selection.orderBy ? ` ORDER BY ${selection.orderBy}` : ''}`
          : select;
      const [countRows] = await db.query<RowDataPacket[]>({ sql: `SELECT COUNT(*) FROM (${select}) AS w WHERE ${selection.where}`, rowsAsArray: true }).catch((e: unknown) => {
        throw mapMysqlError(e, `counting the rows of ${context} on ${where}`) ?? e;
      });
      const sourceRows = Number((countRows as unknown as [string | number][])[0]?.[0] ?? 0);

      let closed = false;
      let streaming = false;
      return {
        columns,
        sourceRows,
        privilegeFindings,
        chunkBoundaries: async (column, chunks) => {
          const key = columns.find((c) => c.name === column);
          if (!key) throw new ConfigError('CHUNK_KEY_MISSING', `chunk key "${column}" is not a column of the export`);
          const [rows] = await db
            .query<RowDataPacket[]>({ sql: tileMinimaSql(select, selection.where, key, chunks, mysqlWindowDialect(connection)), rowsAsArray: true })
            .catch((e: unknown) => {
              throw mapMysqlError(e, `planning chunks of ${context} on ${where}`) ?? e;
            });
          return boundsFromTileMinima((rows as unknown as (string | null)[][]).map((r) => (r[0] === null ? null : String(r[0]))));
        },
        ...(windowPlan ? { window: { ...windowPlan.window, rows: sourceRows } } : {}),
        stream: () => {
          streaming = true;
          // CSV bytes straight from the row packets (mysql-csv-stream.ts), unless the caller needs row objects.
          const csv = request.preferRows ? undefined : streamMysqlCsv(connection, dataSql, plans, encoderOptions(request.dialect, columns.map((c) => c.kind)));
          const raw = csv?.stream ?? connection.query({ sql: dataSql, rowsAsArray: true }).stream({
            highWaterMark: this.options.rowHighWaterMark ?? 2000,
          });
          // If the server drops the connection while the socket is paused for backpressure
          // (KILL, restart), mysql2 can lose the error and leave the stream hanging: watch the
          // socket itself and fail the stream when it closes before the result set ended.
          const socket = (connection as unknown as { stream?: NodeJS.EventEmitter }).stream;
          socket?.once('close', () => {
            if (!closed && !raw.readableEnded && !raw.destroyed) {
              raw.destroy(Object.assign(new Error('the server closed the connection while rows were streaming'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }));
            }
          });
          if (csv) return { kind: 'csv', stream: raw, rowCount: csv.rowCount };
          const converters = plans.flatMap((p, i) => (p.convert ? [{ index: i, convert: p.convert }] : []));
          return { kind: 'rows', stream: converters.length ? raw.pipe(convertRows(raw, converters)) : raw };
        },
        mapError: (error) => mapMysqlError(error, `streaming ${context} from ${where}`),
        close: async () => {
          if (closed) return;
          closed = true;
          signal?.removeEventListener('abort', onAbort);
          if (streaming) {
            // A half-read result set cannot be rolled back politely; drop the connection. mysql2's
            // destroy() only half-closes the socket, and the server would go on sending the rest of
            // the result set: destroy the socket too, so the server's next write fails at once.
            connection.destroy();
            (connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
            return;
          }
          await db.query('ROLLBACK').catch(() => undefined);
          await db.end().catch(() => connection.destroy());
        },
      };
    } catch (error) {
      signal?.removeEventListener('abort', onAbort);
      connection.destroy();
      // Every setup query's failure is classified, whichever one it was (a statement timeout can hit any).
      throw error instanceof RdsExportError ? error : (mapMysqlError(error, `opening ${where}`) ?? error);
    }
  }
}

function mysqlWindowDialect(connection: Connection): WindowDialect {
  return {
    quote: quoteName,
    literal: (value, numeric) => (numeric ? value : connection.escape(value)),
    asText: (column) => `CAST(${column} AS CHAR)`,
    // The session time zone is UTC, so TIMESTAMP and (UTC-written) DATETIME compare alike.
    nowMinus: (seconds) => `UTC_TIMESTAMP(6) - INTERVAL ${Math.trunc(seconds)} SECOND`,
  };
}

function quoteName(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

/** Declared column types from information_schema (e.g. `decimal(65,30)`, `bigint(20) unsigned`). */
async function columnTypes(db: ReturnType<Connection['promise']>, table: string): Promise<Map<string, string>> {
  quoteIdentifier(table, 'backtick', 'table', { qualified: true });
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
    [schema, name],
  );
  return new Map((rows as unknown as [string, string][]).map(([column, type]) => [column, type]));
}

/** True if `column` alone is the primary key or a unique key of `table`. */
async function isUniqueKey(db: ReturnType<Connection['promise']>, table: string, column: string): Promise<boolean> {
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0 ' +
      'GROUP BY INDEX_NAME HAVING COUNT(*) = 1 AND MAX(COLUMN_NAME) = ?',
    [schema, name, column],
  );
  return (rows as unknown[]).length > 0;
}

/** Applies per-column conversions in place (binary -> base64, zero dates, ISO timestamps). */
function convertRows(raw: Readable, converters: { index: number; convert: (value: Cell | Buffer) => Cell }[]): Transform {
  const transform = new Transform({
    objectMode: true,
    highWaterMark: 512,
    transform(row: Row, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        for (const { index, convert } of converters) row[index] = convert(row[index] as Cell);
        callback(null, row);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  // pipe() does not forward errors: a dropped connection must fail the export.
  raw.on('error', (error) => transform.destroy(error));
  return transform;
}

export type { FieldPacket };
