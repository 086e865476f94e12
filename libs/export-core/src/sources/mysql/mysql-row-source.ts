import { isIP } from 'node:net';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import mysql from 'mysql2';
import type { Connection, FieldPacket, RowDataPacket } from 'mysql2';
import { RdsExportError, type Engine } from '@rds-s3-export/shared-types';
import type { Cell, OpenedSource, Row, RowSource, SourceColumn, SourceRequest } from '../../ports.js';
import type { ConnectionSettings } from '../connection-settings.js';
import { baseSelect, duplicateColumnsError, tableNameOf } from '../sql-identifiers.js';
import { explainMissingMysqlName } from './mysql-missing-names.js';
import { planColumn, serverTextTypeCast, T, type ColumnPlan, type MysqlField } from './mysql-columns.js';
import { BoundValues, boundsFromTileMinima, composeSelection, incrementalNeedsKey, planWindow, tileMinimaSql, type WindowDialect } from '../incremental-window.js';
import { ConfigError } from '../../errors.js';
import { mapMysqlError } from './mysql-errors.js';
import { connectMysql } from './mysql-connect.js';
import { nodeTlsOptions } from '../tls-settings.js';
import { BoundedRowStream, STAGE_ROWS, type RowBufferLimits } from '../row-buffer.js';
import { streamMysqlCsv } from './mysql-csv-stream.js';
import { readMysqlCells } from './mysql-cell-reader.js';
import { readMysqlPrivileges } from './mysql-privileges.js';
import { preflightPrivileges } from '../privilege-policy.js';
import { serverParsesAlone } from './mysql-statement-check.js';
import { checkCustomQuery } from '../query-tokens.js';
import { encoderOptions } from '../../csv/csv-options.js';
import { closestHint } from '../closest-names.js';

export interface MysqlSourceOptions {
  /** Rows buffered between the driver and the encoder before the socket is paused. @default 2000 */
  readonly rowHighWaterMark?: number;
  /** Bytes of rows (as text) buffered between the driver and the encoder before the socket is paused. @default DEFAULT_ROW_BUFFER_BYTES (4 MiB) */
  readonly rowBufferBytes?: number;
  /**
   * Server-side `net_write_timeout` in seconds: how long the server waits for us to read.
   * Raised so a slow upload (backpressure) does not make the server drop the query. @default 3600
   */
  readonly netWriteTimeoutSeconds?: number;
  /**
   * Longest any one statement of the session may run, in seconds (MariaDB `max_statement_time`;
   * MySQL `max_execution_time`, which covers SELECT only). A timed-out statement fails the run
   * as `timeout`. 0 or absent = the server's own setting.
   */
  readonly statementTimeoutSeconds?: number;
}

/**
 * The sql_mode every exporter session runs under, whatever the server's default: the SQL the
 * exporter writes (backtick identifiers, `CAST`, no string literals from data) and the text
 * the server renders (no PAD_CHAR_TO_FULL_LENGTH) must not change with a server-wide setting
 * such as ANSI_QUOTES, NO_BACKSLASH_ESCAPES, PIPES_AS_CONCAT or ORACLE. Valid on MySQL 5.7/8
 * and MariaDB 10.x/11.x. Custom queries run under it too.
 */
export const MYSQL_SESSION_SQL_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

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
      ...(this.settings.tls ? { ssl: { ...nodeTlsOptions(this.settings.tls), verifyIdentity: this.settings.tls.verifyHostName === true && isIP(this.settings.host) === 0 } } : {}),
    });
    // A connection-level error (socket dropped between queries) must not crash the process.
    connection.on('error', () => undefined);
    const db = connection.promise();
    const onAbort = () => connection.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connectMysql(connection, this.settings, `connecting to ${where}`, this.engine === 'postgres' ? 'mysql' : this.engine);
      const netWrite = Math.trunc(Number(this.options.netWriteTimeoutSeconds ?? 3600));
      await db
        .query(`SET SESSION sql_mode = '${MYSQL_SESSION_SQL_MODE}', SESSION time_zone = '+00:00', SESSION net_write_timeout = ${netWrite}`)
        .then(() => setStatementTimeout(db, this.options.statementTimeoutSeconds))
        .then(() => db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ'))
        .then(() => db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY'))
        .catch((e: unknown) => {
          throw mapMysqlError(e, `starting the snapshot transaction on ${where}`) ?? e;
        });

      // Before any statement that contains the custom query (see privilege-policy.ts).
      const privilegeFindings = await preflightPrivileges(() => readMysqlPrivileges(db), request, this.settings.user);
      const context = request.table !== undefined ? `table ${request.table}` : 'query';
      if (request.query !== undefined) {
        const resultColumns = await serverParsesAlone(db, checkCustomQuery(request.query, 'mysql')).catch((e: unknown) => {
          throw e instanceof RdsExportError ? e : (mapMysqlError(e, `parsing the query on ${where}`) ?? e);
        });
        // Before the derived table would fail on it with a bare "Duplicate column name".
        const ambiguous = duplicateColumnsError(resultColumns, 'mysql');
        if (ambiguous) throw ambiguous;
      }
      const [, probeFields] = await db.query<RowDataPacket[]>(`${select} LIMIT 0`).catch(async (e: unknown) => {
        throw (await explainMissingMysqlName(db, request, e, `reading the columns of ${context} on ${where}`)) ?? mapMysqlError(e, `reading the columns of ${context} on ${where}`) ?? e;
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
      const compared = [request.window?.cursorColumn, request.window?.keyColumn, request.keyRange?.column];
      const dialect = mysqlWindowDialect(fields, await textCollations(db, select, fields, plans, compared));
      const params = new BoundValues(dialect);
      const bindPending = () => bindMysqlValues(db, params);
      const windowPlan = request.window
        ? await planWindow(request.window, columns, select, dialect, params, async (text) => {
            await bindPending();
            const [rows] = await db.query<RowDataPacket[]>({ sql: text, rowsAsArray: true });
            return (rows as unknown as (string | number | null)[][]).map((r) => r.map((v) => (v === null ? null : String(v))));
          }).catch((e: unknown) => {
            throw mapMysqlError(e, `reading the incremental window of ${context} on ${where}`) ?? e;
          })
        : undefined;
      const needsRewrite = plans.some((p, i) => p.select(quoted[i] as string) !== quoted[i]);
      const projection = needsRewrite ? plans.map((p, i) => `${p.select(`w.${quoted[i]}`)} AS ${quoted[i]}`).join(', ') : 'w.*';
      const filtered = Boolean(windowPlan || request.keyRange);
      const selection = composeSelection(windowPlan, request.keyRange, columns, dialect, params);
      await bindPending().catch((e: unknown) => {
        throw mapMysqlError(e, `binding the window and chunk bounds of ${context} on ${where}`) ?? e;
      });
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
      const watchSocket = (destroy: (error: Error) => void, done: () => boolean) => {
        const socket = (connection as unknown as { stream?: NodeJS.EventEmitter }).stream;
        socket?.once('close', () => {
          if (!closed && !done()) destroy(Object.assign(new Error('the server closed the connection while rows were streaming'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }));
        });
      };
      return {
        columns,
        sourceRows,
        privilegeFindings,
        chunkBoundaries: async (column, chunks) => {
          const key = columns.find((c) => c.name === column);
          if (!key) throw new ConfigError('CHUNK_KEY_MISSING', `chunk key "${column}" is not a column of the export${closestHint(column, columns.map((c) => c.name))}`);
          const [rows] = await db
            .query<RowDataPacket[]>({ sql: tileMinimaSql(select, selection.where, key, chunks, dialect), rowsAsArray: true })
            .catch((e: unknown) => {
              throw mapMysqlError(e, `planning chunks of ${context} on ${where}`) ?? e;
            });
          return boundsFromTileMinima((rows as unknown as (string | null)[][]).map((r) => (r[0] === null ? null : String(r[0]))));
        },
        ...(windowPlan ? { window: { ...windowPlan.window, rows: sourceRows } } : {}),
        stream: () => {
          streaming = true;
          if (request.preferCells) {
            // Cells straight from the row packets into the Parquet column buffers (mysql-cell-reader.ts).
            const cells = readMysqlCells(connection, dataSql, plans);
            watchSocket((error) => cells.destroy(error), () => false);
            return { kind: 'cells', cells };
          }
          // CSV bytes straight from the row packets (mysql-csv-stream.ts), unless the caller needs row objects.
          const csv = request.preferRows ? undefined : streamMysqlCsv(connection, dataSql, plans, encoderOptions(request.dialect, columns.map((c) => c.kind)));
          const raw = csv?.stream ?? streamMysqlRows(connection, dataSql, { maxRows: this.options.rowHighWaterMark, maxBytes: this.options.rowBufferBytes });
          // If the server drops the connection while the socket is paused for backpressure
          // (KILL, restart), mysql2 can lose the error and leave the stream hanging: watch the
          // socket itself and fail the stream when it closes before the result set ended.
          watchSocket((error) => raw.destroy(error), () => raw.readableEnded || raw.destroyed);
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

/**
 * Values reach MySQL/MariaDB as user variables set by a server-side prepared statement
 * (`SET @rse_p1 = ?` through `execute()`: the binary protocol, no escaping anywhere), and the
 * data query, still on the text protocol so rows keep the CSV byte path, references them.
 * Escaped literals are not used: their meaning depends on the session's sql_mode
 * (NO_BACKSLASH_ESCAPES), and mysql2's client-side `?` escapes exactly like escape().
 *
 * A user variable is a string in the connection's collation, so each reference converts it
 * to what the column compares as: text to the column's own character set and collation
 * (COLLATE makes it win over the column's, so `utf8mb4_bin` or latin1 columns order and
 * compare as they do in ORDER BY); integers and DECIMAL to an exact DECIMAL (never a double);
 * temporals to their type.
 */
function mysqlWindowDialect(fields: readonly MysqlField[], collations: ReadonlyMap<string, Collation>): WindowDialect {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return {
    quote: quoteName,
    param: (index, column) => {
      const v = `@${MYSQL_VARIABLE}${Math.trunc(index)}`;
      const field = byName.get(column.name);
      const collation = collations.get(column.name);
      if (collation) return `CONVERT(${v} USING ${collation.charset}) COLLATE ${collation.collation}`;
      if (!field) return v;
      return mysqlCast(v, field) ?? v;
    },
    asText: (column) => `CAST(${column} AS CHAR)`,
    // The session time zone is UTC, so TIMESTAMP and (UTC-written) DATETIME compare alike.
    nowMinus: (seconds) => `UTC_TIMESTAMP(6) - INTERVAL ${Math.trunc(seconds)} SECOND`,
    fn: (name) => name,
  };
}

const MYSQL_VARIABLE = 'rse_p';

/**
 * MariaDB and MySQL spell the statement timeout differently; the server's version string says
 * which one answers (MariaDB's always contains "MariaDB", also behind an `mysql://` URL; Aurora
 * MySQL's does not). A stricter limit the session already has (a DBA's per-user
 * MAX_STATEMENT_TIME, a global default) is kept: the exporter only ever lowers it.
 */
async function setStatementTimeout(db: ReturnType<Connection['promise']>, seconds: number | undefined): Promise<void> {
  if (seconds === undefined || !(seconds > 0)) return;
  const [rows] = await db.query<RowDataPacket[]>({ sql: 'SELECT VERSION()', rowsAsArray: true });
  const version = String((rows as unknown as string[][])[0]?.[0] ?? '');
  const [variable, limit] = /mariadb/i.test(version) ? ['max_statement_time', Math.trunc(seconds)] : ['max_execution_time', Math.trunc(seconds) * 1000];
  const current = `@@SESSION.${variable}`;
  await db.query(`SET SESSION ${variable} = IF(${current} > 0 AND ${current} < ${limit}, ${current}, ${limit})`);
}

/** `CAST(v AS …)` to the type `field` compares as, or undefined to compare the string as it is. */
function mysqlCast(v: string, field: MysqlField): string | undefined {
  switch (field.columnType) {
    case T.TINY: case T.SHORT: case T.LONG: case T.INT24: case T.YEAR: case T.LONGLONG:
      // DECIMAL(65,0) holds every BIGINT (signed or not) exactly.
      return `CAST(${v} AS DECIMAL(65,0))`;
    case T.DECIMAL: case T.NEWDECIMAL: {
      // The column's scale (at most 30) leaves at least 35 integer digits: every value fits.
      const scale = Math.min(Math.max(Math.trunc(field.decimals), 0), 30);
      return `CAST(${v} AS DECIMAL(65,${scale}))`;
    }
    case T.FLOAT: case T.DOUBLE:
      return `CAST(${v} AS DOUBLE)`;
    case T.BIT:
      return `CAST(${v} AS UNSIGNED)`;
    case T.DATE: case T.NEWDATE:
      return `CAST(${v} AS DATE)`;
    case T.DATETIME: case T.DATETIME2: case T.TIMESTAMP: case T.TIMESTAMP2:
      return `CAST(${v} AS DATETIME(6))`;
    case T.TIME: case T.TIME2:
      return `CAST(${v} AS TIME(6))`;
    default:
      return undefined;
  }
}

interface Collation {
  readonly charset: string;
  readonly collation: string;
}

/**
 * The character set and collation of the text columns that bound values are compared with,
 * read from the server (an impossible WHERE: nothing is scanned). Custom queries included.
 */
async function textCollations(
  db: ReturnType<Connection['promise']>,
  select: string,
  fields: readonly MysqlField[],
  plans: readonly ColumnPlan[],
  compared: readonly (string | undefined)[],
): Promise<Map<string, Collation>> {
  const names = [...new Set(compared)].filter(
    (name): name is string => name !== undefined && plans[fields.findIndex((f) => f.name === name)]?.kind === 'text',
  );
  if (names.length === 0) return new Map();
  const list = names.map((n) => `CHARSET(MAX(w.${quoteName(n)})), COLLATION(MAX(w.${quoteName(n)}))`).join(', ');
  const [rows] = await db.query<RowDataPacket[]>({ sql: `SELECT ${list} FROM (${select}) AS w WHERE 1 = 0`, rowsAsArray: true });
  const row = (rows as unknown as string[][])[0] ?? [];
  const result = new Map<string, Collation>();
  names.forEach((name, i) => {
    const charset = String(row[2 * i]);
    const collation = String(row[2 * i + 1]);
    // Names the server reports are plain words; refuse anything else rather than splice it.
    if (/^[A-Za-z0-9_]+$/.test(charset) && /^[A-Za-z0-9_]+$/.test(collation)) result.set(name, { charset, collation });
  });
  return result;
}

/** Binds the values not bound yet with one server-side prepared `SET @rse_pN = ?, …`. */
async function bindMysqlValues(db: ReturnType<Connection['promise']>, params: BoundValues): Promise<void> {
  const pending = params.pending();
  if (pending.length === 0) return;
  const assignments = pending.map(({ index }) => `@${MYSQL_VARIABLE}${index} = ?`).join(', ');
  // execute() prepares on the server; the statement is closed at once rather than cached.
  const sql = `SET ${assignments}`;
  await db.execute(sql, pending.map((p) => p.value));
  db.unprepare(sql);
}

/**
 * Rows of `sql` (text protocol) as arrays, buffered by bytes and rows (row-buffer.ts): the
 * socket is paused once the consumer is that far behind. Replaces mysql2's own `.stream()`,
 * whose buffer counts rows only.
 */
function streamMysqlRows(connection: Connection, sql: string, limits: RowBufferLimits): Readable {
  const query = connection.query({ sql, rowsAsArray: true, typeCast: serverTextTypeCast });
  const rows = new BoundedRowStream({ pause: () => connection.pause(), resume: () => connection.resume() }, limits);
  query.on('result', (row) => rows.add(row as unknown as Row));
  query.on('error', (error: Error) => rows.destroy(error));
  query.on('end', () => {
    if (!rows.destroyed) rows.finish();
  });
  return rows;
}

function quoteName(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

/** Declared column types from information_schema (e.g. `decimal(65,30)`, `bigint(20) unsigned`). */
async function columnTypes(db: ReturnType<Connection['promise']>, table: string): Promise<Map<string, string>> {
  const { schema, name } = tableNameOf(table);
  // execute(): the names are bound on the server, not escaped into the text (as every lookup here).
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
    [schema ?? null, name],
  );
  return new Map((rows as unknown as [string, string][]).map(([column, type]) => [column, type]));
}

/** True if `column` alone is the primary key or a unique key of `table`. */
async function isUniqueKey(db: ReturnType<Connection['promise']>, table: string, column: string): Promise<boolean> {
  const { schema, name } = tableNameOf(table);
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0 ' +
      'GROUP BY INDEX_NAME HAVING COUNT(*) = 1 AND MAX(COLUMN_NAME) = ?',
    [schema ?? null, name, column],
  );
  return (rows as unknown[]).length > 0;
}

/** Applies per-column conversions in place (binary -> base64, zero dates, ISO timestamps). */
function convertRows(raw: Readable, converters: { index: number; convert: (value: Cell | Buffer) => Cell }[]): Transform {
  const transform = new Transform({
    objectMode: true,
    highWaterMark: STAGE_ROWS,
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
