import type { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import { RdsExportError, typedColumn, type Engine } from '@rds-s3-export/shared-types';
import type { OpenedSource, RowSource, SourceColumn, SourceRequest, SourceStream, WireEncoding } from '../../ports.js';
import type { ConnectionSettings } from '../connection-settings.js';
import { baseSelect, duplicateColumnsError, quoteTable } from '../sql-identifiers.js';
import { explainMissingPostgresName } from './postgres-missing-names.js';
import { columnKind, selectExpression } from './postgres-columns.js';
import { mapPostgresError } from './postgres-errors.js';
import { connectPostgres } from './postgres-connect.js';
import { nodeTlsOptions } from '../tls-settings.js';
import { BoundValues, boundsFromTileMinima, composeSelection, incrementalNeedsKey, planWindow, tileMinimaSql, type WindowDialect } from '../incremental-window.js';
import { ConfigError } from '../../errors.js';
import { DEFAULT_ROW_BUFFER_BYTES, DEFAULT_ROW_BUFFER_ROWS, nextFetchSize, rowBytes } from '../row-buffer.js';
import { readPostgresPrivileges } from './postgres-privileges.js';
import { preflightPrivileges } from '../privilege-policy.js';
import { checkCustomQuery } from '../query-tokens.js';
import { serverParsesAlonePostgres } from './postgres-statement-check.js';
import { closestHint } from '../closest-names.js';
import { readCopyCells } from './postgres-copy-cells.js';
import { readCopyBinaryCells, wireEncoding } from './postgres-copy-binary.js';

export interface PostgresSourceOptions {
  /** Row-mode only: rows fetched per cursor round trip at most. @default 2000 */
  readonly batchSize?: number;
  /**
   * Row-mode only: bytes of rows (as text) one cursor round trip fetches, about; the fetch size
   * follows the previous fetch's average row size, so wide rows are fetched a few at a time.
   * @default DEFAULT_ROW_BUFFER_BYTES (4 MiB)
   */
  readonly batchBytes?: number;
  /** Force the row cursor even when COPY could produce the CSV (tests, diagnostics). @default false */
  readonly forceRowMode?: boolean;
  /**
   * The Parquet cells path's COPY format: `binary` (postgres-copy-binary.ts) when every column
   * has a wire encoding, else `text` (postgres-copy-cells.ts); `text` forces the text path
   * (tests, diagnostics). @default 'binary'
   */
  readonly cellsCopyFormat?: 'binary' | 'text';
  /**
   * Longest any one statement of the transaction may run, in seconds (`statement_timeout`). A
   * timed-out statement fails the run as `timeout`. 0 or absent = the server's own setting.
   */
  readonly statementTimeoutSeconds?: number;
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
      ...(this.settings.tls ? { ssl: nodeTlsOptions(this.settings.tls) } : {}),
    });
    // An idle-connection error (server restart) must not crash the process.
    client.on('error', () => undefined);
    const kill = () => destroySocket(client);
    signal?.addEventListener('abort', kill, { once: true });
    try {
      await connectPostgres(client, this.settings, `connecting to ${where}`);
      const timeoutMs = (this.options.statementTimeoutSeconds ?? 0) > 0 ? Math.trunc(Number(this.options.statementTimeoutSeconds)) * 1000 : 0;
      await client
        .query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        .then(() => client.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1; SET LOCAL standard_conforming_strings = on; SET LOCAL bytea_output = 'hex'"))
        .then(() =>
          // Only ever lowers it: a stricter statement_timeout (ALTER ROLE … SET, a server default) is kept.
          timeoutMs > 0
            ? client.query(
                "SELECT pg_catalog.set_config('statement_timeout', $1::text, true) FROM pg_catalog.pg_settings " +
                  "WHERE name = 'statement_timeout' AND (setting::bigint = 0 OR setting::bigint > $1::bigint)",
                [timeoutMs],
              )
            : undefined,
        )
        .catch((e: unknown) => {
          throw mapPostgresError(e, `starting the snapshot transaction on ${where}`, { user: this.settings.user, table: request.table }) ?? e;
        });

      // Before any statement that contains the custom query (see privilege-policy.ts).
      const privilegeFindings = await preflightPrivileges(() => readPostgresPrivileges(client), request, this.settings.user);
      const context = request.table !== undefined ? `table ${request.table}` : 'query';
      if (request.query !== undefined) {
        await serverParsesAlonePostgres(client, checkCustomQuery(request.query, 'postgres')).catch((e: unknown) => {
          throw e instanceof RdsExportError ? e : (mapPostgresError(e, `parsing the query on ${where}`, { user: this.settings.user }) ?? e);
        });
      }
      // Extended protocol: one statement only, so a custom query cannot smuggle a second one.
      // (`queryMode` is pg >= 8.12; @types/pg does not know it yet.)
      const probeQuery = { text: `${select} LIMIT 0`, rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig;
      const probe = await client.query(probeQuery).catch(async (e: unknown) => {
        throw (
          (await explainMissingPostgresName(client, request, e, `reading the columns of ${context} on ${where}`)) ??
          mapPostgresError(e, `reading the columns of ${context} on ${where}`, { user: this.settings.user, table: request.table }) ??
          e
        );
      });
      if (request.query !== undefined) {
        // The wrapper's `SELECT *` accepts these; the projection below would fail on them as "ambiguous".
        const ambiguous = duplicateColumnsError(probe.fields.map((f) => f.name), 'postgres');
        if (ambiguous) throw ambiguous;
      }
      // `base` (no length/precision modifier) is what bound values are cast to: a cast to
      // varchar(n) or numeric(p,s) could truncate or round, one to numeric/text never does.
      // Except where no modifier means length 1: `character` is char(1), so bpchar (any
      // length); bit keeps its length (its values all have it).
      const typeNames = await client.query<{ type: string; base: string; typtype: string | null; category: string | null }>(
        "SELECT pg_catalog.format_type(t.oid, NULLIF(t.mod, -1)) AS type, CASE t.oid WHEN 1042 THEN 'bpchar' WHEN 1560 THEN pg_catalog.format_type(t.oid, NULLIF(t.mod, -1)) " +
          'ELSE pg_catalog.format_type(t.oid, NULL) END AS base, p.typtype::text AS typtype, p.typcategory::text AS category ' +
          'FROM ROWS FROM (pg_catalog.unnest($1::oid[]), pg_catalog.unnest($2::int4[])) WITH ORDINALITY AS t(oid, mod, ord) LEFT JOIN pg_catalog.pg_type p ON p.oid = t.oid ORDER BY t.ord',
        [probe.fields.map((f) => f.dataTypeID), probe.fields.map((f) => f.dataTypeModifier)],
      );
      const columns: SourceColumn[] = probe.fields.map((f, i) => ({
        name: f.name,
        sourceType: typeNames.rows[i]?.type ?? String(f.dataTypeID),
        kind: columnKind(f.dataTypeID, typeNames.rows[i]),
      }));
      const projection = probe.fields
        .map((f) => {
          const quoted = `"${f.name.replaceAll('"', '""')}"`;
          return `${selectExpression(`w.${quoted}`, f.dataTypeID, request.dialect)} AS ${quoted}`;
        })
        .join(', ');
      // The Parquet byte path (postgres-copy-cells.ts): the same projection but bytea as hex, decoded to its bytes there.
      const BYTEA = 17;
      const cellsProjection = probe.fields
        .map((f) => {
          const quoted = `"${f.name.replaceAll('"', '""')}"`;
          return `${f.dataTypeID === BYTEA ? `pg_catalog.encode(w.${quoted}, 'hex')` : selectExpression(`w.${quoted}`, f.dataTypeID, request.dialect)} AS ${quoted}`;
        })
        .join(', ');
      const hexColumns = probe.fields.map((f) => f.dataTypeID === BYTEA);
      // The wire path: every column as itself, in binary, when each has an encoding for its Parquet type.
      const wires = probe.fields.map((f, i) => wireEncoding(f.dataTypeID, typeNames.rows[i]?.typtype, typedColumn('postgres', columns[i] as SourceColumn)));
      const wireEncodings = this.options.cellsCopyFormat !== 'text' && wires.every((w) => w !== undefined) ? (wires as WireEncoding[]) : undefined;
      const wireProjection = probe.fields.map((f) => `w."${f.name.replaceAll('"', '""')}"`).join(', ');
      if (request.window && request.table !== undefined) {
        const quotedTable = quoteTable(request.table, 'double');
        const unique = await client.query(
          'SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] ' +
            'WHERE i.indrelid = pg_catalog.to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1 AND a.attname = $2',
          [quotedTable, request.window.keyColumn],
        );
        if (unique.rows.length === 0) throw incrementalNeedsKey(request.table, request.window.keyColumn);
      }
      const castTypes = new Map(probe.fields.map((f, i) => [f.name, typeNames.rows[i]?.base ?? 'text']));
      const dialect = postgresWindowDialect(castTypes);
      const params = new BoundValues(dialect);
      const bindPending = () => bindPostgresValues(client, params);
      const windowPlan = request.window
        ? await planWindow(request.window, columns, select, dialect, params, async (text) => {
            await bindPending();
            const result = await client.query({ text, rowMode: 'array' });
            return result.rows as (string | null)[][];
          }).catch((e: unknown) => {
            throw mapPostgresError(e, `reading the incremental window of ${context} on ${where}`, { user: this.settings.user, table: request.table }) ?? e;
          })
        : undefined;
      const selection = composeSelection(windowPlan, request.keyRange, columns, dialect, params);
      await bindPending().catch((e: unknown) => {
        throw mapPostgresError(e, `binding the window and chunk bounds of ${context} on ${where}`, { user: this.settings.user, table: request.table }) ?? e;
      });
      const fromWhere = `FROM (${select}) AS w WHERE ${selection.where}${selection.orderBy ? ` ORDER BY ${selection.orderBy}` : ''}`;
      const dataSql = `SELECT ${projection} ${fromWhere}`;
      const counted = await client.query({ text: `SELECT pg_catalog.count(*) FROM (${select}) AS w WHERE ${selection.where}`, rowMode: 'array' }).catch((e: unknown) => {
        throw mapPostgresError(e, `counting the rows of ${context} on ${where}`, { user: this.settings.user, table: request.table }) ?? e;
      });
      const sourceRows = Number((counted.rows as string[][])[0]?.[0] ?? 0);
      // COPY's delimiter is one byte: a wider one (é is two bytes in UTF-8) goes through the encoder.
      const copyCan =
        !this.options.forceRowMode &&
        !request.preferRows &&
        request.dialect.recordDelimiter === 'lf' &&
        !request.dialect.formulaGuard &&
        Buffer.byteLength(request.dialect.delimiter, 'utf8') === 1;

      let closed = false;
      let streaming = false;
      let finished = false;
      return {
        columns,
        sourceRows,
        privilegeFindings,
        chunkBoundaries: async (column, chunks) => {
          const key = columns.find((c) => c.name === column);
          if (!key) throw new ConfigError('CHUNK_KEY_MISSING', `chunk key "${column}" is not a column of the export${closestHint(column, columns.map((c) => c.name))}`);
          const result = await client
            .query({ text: tileMinimaSql(select, selection.where, key, chunks, dialect), rowMode: 'array' })
            .catch((e: unknown) => {
              throw mapPostgresError(e, `planning chunks of ${context} on ${where}`, { user: this.settings.user, table: request.table }) ?? e;
            });
          return boundsFromTileMinima((result.rows as (string | null)[][]).map((r) => r[0] ?? null));
        },
        ...(windowPlan ? { window: { ...windowPlan.window, rows: sourceRows } } : {}),
        stream: (): SourceStream => {
          streaming = true;
          if (request.preferCells && !this.options.forceRowMode && probe.fields.length > 0) {
            const copy = client.query(
              copyTo(wireEncodings ? `COPY (SELECT ${wireProjection} ${fromWhere}) TO STDOUT (FORMAT binary)` : `COPY (SELECT ${cellsProjection} ${fromWhere}) TO STDOUT`),
            );
            const hooks = copy as unknown as { handleReadyForQuery: () => void };
            const original = hooks.handleReadyForQuery.bind(copy);
            hooks.handleReadyForQuery = () => {
              original();
              finished = true;
            };
            const stream = copy as unknown as Readable;
            return { kind: 'cells', cells: wireEncodings ? readCopyBinaryCells(stream, wireEncodings) : readCopyCells(stream, hexColumns) };
          }
          if (copyCan) {
            const copy = client.query(copyTo(`COPY (${dataSql}) TO STDOUT WITH (FORMAT csv, DELIMITER ${byteLiteral(request.dialect.delimiter)})`));
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
            new ByteBoundedQueryStream(dataSql, this.options.batchSize ?? DEFAULT_ROW_BUFFER_ROWS, this.options.batchBytes ?? DEFAULT_ROW_BUFFER_BYTES),
          );
          rows.once('end', () => (finished = true));
          return { kind: 'rows', stream: rows };
        },
        mapError: (error) => mapPostgresError(error, `streaming ${context} from ${where}`, { user: this.settings.user, table: request.table }),
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
      throw error instanceof RdsExportError ? error : (mapPostgresError(error, `opening ${where}`, { user: this.settings.user, table: request.table }) ?? error);
    }
  }
}

/** Prefix of the transaction-local settings that carry bound values (a custom "placeholder" GUC). */
const PARAM_SETTING = 'rds_s3_export.p';

/**
 * COPY takes no bind parameters, so values reach the server as transaction-local settings set
 * through a bound `set_config($1)`; the SQL reads them back as `current_setting(…)` cast to the
 * column's type. The cast sits in a scalar subquery, so it runs once per statement (an InitPlan
 * the planner can also use for an index scan), not once per row.
 */
function postgresWindowDialect(castTypes: ReadonlyMap<string, string>): WindowDialect {
  return {
    quote: (name) => `"${name.replaceAll('"', '""')}"`,
    fn: (name) => `pg_catalog.${name.toLowerCase()}`,
    // format_type() quotes and qualifies the type name itself (e.g. "My Schema".mood).
    param: (index, column) => `(SELECT CAST(pg_catalog.current_setting('${PARAM_SETTING}${Math.trunc(index)}') AS ${castTypes.get(column.name) ?? 'text'}))`,
    asText: (column) => `${column}::text`,
    nowMinus: (seconds) => `(pg_catalog.statement_timestamp() - interval '${Math.trunc(seconds)} seconds')`,
  };
}

/** Binds the values not bound yet, in one round trip, as transaction-local settings. */
async function bindPostgresValues(client: pg.Client, params: BoundValues): Promise<void> {
  const pending = params.pending();
  if (pending.length === 0) return;
  const calls = pending.map(({ index }, i) => `pg_catalog.set_config('${PARAM_SETTING}${index}', $${i + 1}, true)`);
  await client.query({ text: `SELECT ${calls.join(', ')}`, values: pending.map((p) => p.value) });
}

/**
 * pg-query-stream with fetches sized in bytes: each cursor read asks for as many rows as fit
 * `maxBytes` at the previous fetch's average row size (at most `maxRows`). One fetch ahead: as
 * soon as a fetch has arrived, the next one is asked for, so the server produces it while the
 * consumer works through the rows already here (fetching only once they were consumed left the
 * two taking turns: a round trip per fetch with both sides idle in turn). So at most two
 * fetches of about `maxBytes` are held at a time: the one being consumed and the one ahead.
 */
class ByteBoundedQueryStream extends QueryStream {
  private fetchSize: number;
  private fetching = false;
  /** The consumer asked for rows (_read) and none were pushed since. */
  private wanted = false;
  /** A fetch that arrived before the consumer asked for it. */
  private ahead: { error: Error | undefined; rows: unknown[][]; size: number } | undefined;

  constructor(
    text: string,
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {
    super(text, [], { rowMode: 'array', highWaterMark: 1, types: RAW_TEXT });
    this.fetchSize = nextFetchSize(0, 0, maxBytes, maxRows);
  }

  override _read(): void {
    this.wanted = true;
    const ahead = this.ahead;
    if (ahead) {
      this.ahead = undefined;
      this.deliver(ahead.error, ahead.rows, ahead.size);
    } else if (!this.fetching) {
      this.fetch();
    }
  }

  private fetch(): void {
    const size = this.fetchSize;
    this.fetching = true;
    (this.cursor as { read(rows: number, callback: (error: Error | undefined, rows: unknown[][]) => void): void }).read(size, (error, rows) => {
      this.fetching = false;
      if (this.wanted) this.deliver(error, rows, size);
      else this.ahead = { error, rows, size };
    });
  }

  private deliver(error: Error | undefined, rows: unknown[][], size: number): void {
    this.wanted = false;
    if (this.destroyed) return;
    if (error) {
      this.destroy(error);
      return;
    }
    let bytes = 0;
    for (const row of rows) {
      bytes += rowBytes(row);
      this.push(row);
    }
    this.fetchSize = nextFetchSize(rows.length, bytes, this.maxBytes, this.maxRows);
    if (rows.length < size) this.push(null);
    else this.fetch();
  }
}

/**
 * A one-byte (ASCII) character as an escape string literal of its hex code (`E'\x5c'` for a
 * backslash): the same text whatever `standard_conforming_strings` says and whatever the
 * character (quote, backslash).
 */
function byteLiteral(character: string): string {
  const code = character.charCodeAt(0);
  if (character.length !== 1 || code > 0x7f) throw new Error(`not a one-byte character: ${JSON.stringify(character)}`);
  return `E'\\x${code.toString(16).padStart(2, '0')}'`;
}

function destroySocket(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
