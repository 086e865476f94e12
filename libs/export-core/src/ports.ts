/**
 * Ports of the export pipeline. The core talks only to these interfaces; adapters at the
 * edges (mysql2, pg, the local folder here; S3, DynamoDB, Secrets Manager in libs/aws)
 * implement them. Adapters in other libs satisfy them structurally, so they never import
 * the core (see the dependency rules in docs/architecture.md).
 */
import type { Readable, Writable } from 'node:stream';
import type { CsvDialect, Cursor, DatabaseCredentials, Engine, JobState, PendingCommit, RdsExportError } from '@rds-s3-export/shared-types';

export type { Cursor, DatabaseCredentials, JobState, PendingCommit } from '@rds-s3-export/shared-types';

// ---------------------------------------------------------------------------------------
// Source
// ---------------------------------------------------------------------------------------

/** How the CSV encoder treats a column. Only `text` cells get the formula-injection guard. */
export type ColumnKind = 'text' | 'number' | 'temporal' | 'boolean' | 'binary' | 'json' | 'other';

export interface SourceColumn {
  readonly name: string;
  /** The engine's own type name, recorded in the manifest (e.g. `decimal(65,30)`, `timestamp with time zone`). */
  readonly sourceType: string;
  readonly kind: ColumnKind;
}

/** One row, cells in column order. Cells are already in their CSV text form; null is SQL NULL. */
export type Cell = string | number | null;
export type Row = Cell[];

export interface SourceRequest {
  /** Exactly one of table or query. `table` is the text as configured (`table`, `schema.table`, quoted forms; shared-types naming-rules.ts), parsed and quoted by the source. */
  readonly table?: string;
  readonly query?: string;
  /** Column subset for table exports, in output order. @default every column */
  readonly columns?: readonly string[];
  readonly dialect: CsvDialect;
  /** Incremental window: only rows after `after`, up to a bound read inside the snapshot. */
  readonly window?: WindowRequest;
  /** Only rows with lower <= key < upper (a chunk of a parallel export); bounds as server text. */
  readonly keyRange?: KeyRange;
  /** Stream rows even where the engine could write the CSV itself (needed to split files). @default false */
  readonly preferRows?: boolean;
  /**
   * Stream the server's text of each cell as bytes into the consumer's column buffers
   * (`kind: 'cells'`, the Parquet writer) where the engine can (MySQL/MariaDB); it wins over
   * `preferRows`, which a source that cannot stream cells then follows. @default false
   */
  readonly preferCells?: boolean;
  /**
   * Run a custom query even though the connected user holds more than read privileges (see
   * sources/privilege-policy.ts). @default false: such a query is refused (PRIVILEGED_QUERY_USER)
   */
  readonly allowPrivilegedQuery?: boolean;
}

export interface KeyRange {
  readonly column: string;
  /** Inclusive; null = unbounded. */
  readonly lower: string | null;
  /** Exclusive; null = unbounded. */
  readonly upper: string | null;
}

// Cursor (the (cursorColumn, keyColumn) text of the last row exported, compared as a tuple so
// rows sharing a timestamp are neither lost nor repeated) is the shared-types contract.

export interface WindowRequest {
  readonly cursorColumn: string;
  readonly keyColumn: string;
  /** Exclusive lower bound; null = from the beginning. */
  readonly after: Cursor | null;
  /**
   * Upper bound: `lag` = rows whose cursor value is at most the database's now minus that many
   * seconds (late-committing transactions wait for the next run); `until` = exactly this
   * cursor (a retry of a run whose window was already recorded).
   */
  readonly bound: { readonly kind: 'lag'; readonly seconds: number } | { readonly kind: 'until'; readonly cursor: Cursor };
}

/** What the source found inside its snapshot for a windowed request. */
export interface ResolvedWindow {
  readonly from: Cursor | null;
  /** The last row of the window; equal to `from` when the window is empty. */
  readonly to: Cursor | null;
  /** Rows in the window (COUNT(*) in the same snapshot). */
  readonly rows: number;
}

/**
 * What an opened source streams:
 * - `rows`: an object-mode Readable of `Row` arrays, encoded to CSV by the core;
 * - `csv`: the CSV body already encoded by the database in exactly the requested dialect
 *   (no header), for engines that can (PostgreSQL COPY). `rowCount()` resolves after the end.
 */
export type SourceStream =
  | { readonly kind: 'rows'; readonly stream: Readable }
  | { readonly kind: 'csv'; readonly stream: Readable; rowCount(): Promise<number> }
  | { readonly kind: 'cells'; readonly cells: CellReader };

/**
 * Where a cell reader puts rows: the Parquet batch builder. Each call returns true when the
 * batch is full, and the reader then stops (pauses the connection) until the next `fill`.
 */
export interface CellTarget {
  /**
   * One row as the server's text bytes: cell c is `bytes[bounds[2c], bounds[2c + 1])`, SQL NULL
   * when `bounds[2c]` is negative. Text cells are the server's UTF-8; binary cells the raw bytes.
   */
  appendBytes(bytes: Buffer, bounds: Int32Array): boolean;
  /**
   * One row as typed wire values: cell c is `bytes[bounds[2c], bounds[2c + 1])` in the format
   * `encodings[c]` names (SQL NULL when `bounds[2c]` is negative). The PostgreSQL binary COPY
   * path; the reader chose each encoding to match the column's Parquet type.
   */
  appendWire(bytes: Buffer, bounds: Int32Array, encodings: readonly WireEncoding[]): boolean;
  /** One row as cells, as a `rows` stream would carry it (a reader's fallback). */
  appendRow(row: Row): boolean;
}

/** Rows pulled a batch at a time into a CellTarget (SourceStream `cells`). */
export interface CellReader {
  /** Appends rows to `target` until it is full (resolves false) or the rows end (true). */
  fill(target: CellTarget): Promise<boolean>;
  /** Stops reading; a pending or later `fill` rejects with `error` (or a premature-close error). */
  destroy(error?: Error): void;
  /**
   * `bytes` (server text as bytes) once the result's metadata allowed the byte path, `wire`
   * (typed binary values, PostgreSQL COPY binary), `rows` when it fell back; undefined before.
   */
  readonly path: 'bytes' | 'wire' | 'rows' | undefined;
}

/**
 * A cell's bytes as PostgreSQL's binary send functions write them (COPY … (FORMAT binary)),
 * big-endian: `pg-int2/4/8`, `pg-oid` (unsigned 32-bit), `pg-float4/8` (IEEE 754), `pg-bool` (one
 * byte), `pg-numeric` (base-10000 digits), `pg-date` (days since 2000-01-01), `pg-timestamp`
 * (microseconds since 2000-01-01 00:00:00, UTC for timestamptz), `pg-jsonb` (a version byte, then
 * the text), `pg-uuid` (16 bytes), `pg-time` (microseconds since midnight); `raw`: the bytes
 * themselves (text in UTF-8, bytea).
 */
export type WireEncoding =
  | 'pg-int2'
  | 'pg-int4'
  | 'pg-int8'
  | 'pg-oid'
  | 'pg-float4'
  | 'pg-float8'
  | 'pg-bool'
  | 'pg-numeric'
  | 'pg-date'
  | 'pg-timestamp'
  | 'pg-jsonb'
  | 'pg-uuid'
  | 'pg-time'
  | 'raw';

export interface OpenedSource {
  readonly columns: readonly SourceColumn[];
  /** Set when the request had a window. */
  readonly window?: ResolvedWindow;
  /** COUNT(*) of exactly the rows the stream will produce, in the same snapshot (reconciliation). */
  readonly sourceRows: number;
  /**
   * What the connected user may do beyond reading (`FILE on *.*`, `superuser (rolsuper)`, …),
   * read before anything else ran; empty for a least-privilege user. The run logs them once as a
   * warning.
   */
  readonly privilegeFindings?: readonly string[];
  /**
   * Starts the data query. Call once. Driver errors surface raw as stream errors; the core
   * classifies them through `mapError` in one place (run/object-export.ts), so no caller has to.
   */
  stream(): SourceStream;
  /**
   * For a parallel export: the lower bounds of chunks 2..n that split the selected rows into
   * `chunks` groups of (nearly) equal row count by `column` (NTILE over the key, in this
   * snapshot), as the key's text. Fewer bounds when there are fewer distinct keys.
   */
  chunkBoundaries(column: string, chunks: number): Promise<string[]>;
  /**
   * Classifies an error raised while streaming (driver errors arrive raw through the stream).
   * Returns undefined for errors that are not this source's.
   */
  mapError(error: unknown): RdsExportError | undefined;
  /** Ends the transaction and releases the connection. Safe to call twice and after errors. */
  close(): Promise<void>;
}

export interface RowSource {
  readonly engine: Engine;
  /**
   * Connects, starts a read-only consistent-snapshot transaction in UTC and resolves the
   * columns. A missing table or column fails here, before anything is written.
   */
  open(request: SourceRequest, signal?: AbortSignal): Promise<OpenedSource>;
}

// ---------------------------------------------------------------------------------------
// Sink
// ---------------------------------------------------------------------------------------

export interface ObjectWriteOptions {
  readonly contentType: string;
  readonly contentEncoding?: string;
}

/**
 * One object being written. Nothing is visible at the key until `complete()` resolves;
 * `abort()` discards everything written so far (multipart abort, temp file removal).
 */
export interface ObjectWriter {
  readonly stream: Writable;
  /** Resolves once the object is durably stored and visible. Call after `stream` finished. */
  complete(): Promise<void>;
  /** Discards the object. Safe after a failure and safe to call twice. */
  abort(reason?: unknown): Promise<void>;
}

export interface ObjectSink {
  /** `s3://bucket` or `file:///dir`: for messages and the CLI, never containing a secret. */
  describe(key: string): string;
  openWriter(key: string, options: ObjectWriteOptions): ObjectWriter;
  /** Writes a small object in one request (manifests). */
  putObject(key: string, body: string | Uint8Array, options: ObjectWriteOptions): Promise<void>;
  /** Reads a small object (manifests); null when absent. */
  getObject(key: string): Promise<string | null>;
  /** Removes an object; absent objects are not an error. */
  deleteObject(key: string): Promise<void>;
  /**
   * Keys under a prefix. Required: recovery removes the objects of a run that never committed
   * with it, and a sink that could not list would leave them behind silently.
   */
  listKeys(prefix: string): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------
// Clock, logger, credentials, state
// ---------------------------------------------------------------------------------------

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type LogFields = Record<string, unknown>;

/** Structured logger port; Powertools Logger and the CLI's stderr logger both fit. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Where database credentials come from (Secrets Manager in AWS, a URL locally). */
export interface CredentialProvider {
  get(options?: { forceRefresh?: boolean }): Promise<DatabaseCredentials>;
}

/**
 * Lease and cursor per job (DynamoDB in AWS). The cursor moves in two conditional steps around
 * the manifest, so a crash at any point either rolls forward (manifest written) or back:
 * `beginCommit` (window recorded; cursor still old) -> data -> manifest -> `finishCommit`.
 */
export interface StateStore {
  /** True if this owner now holds the job's lease (free, expired, or already ours). */
  acquireLease(job: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if this owner holds it. */
  releaseLease(job: string, owner: string): Promise<void>;
  /** The owner of the job's unexpired lease, or null when it is free or expired. */
  leaseOwner(job: string): Promise<string | null>;
  getState(job: string): Promise<JobState>;
  /** Records `pending` if the cursor still equals `pending.from` and no other run is pending. */
  beginCommit(job: string, pending: PendingCommit): Promise<boolean>;
  /** cursor := pending.to and clears pending, if the pending run is `runId`. */
  finishCommit(job: string, runId: string): Promise<boolean>;
  /** Clears a pending commit of `runId` that never wrote its manifest. */
  abandonCommit(job: string, runId: string): Promise<void>;
  /** Records the last committed run of a job without a cursor (full exports). */
  noteCommitted(job: string, runId: string): Promise<void>;
}
