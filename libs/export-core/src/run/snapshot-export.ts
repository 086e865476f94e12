/**
 * The data step every path shares: open one read-only snapshot, check it, stream its rows into
 * objects (one object, or split parts), and reconcile what was written with the source's own
 * count in the same snapshot. No manifest here: the callers (run-export, chunks, run-job)
 * commit through manifest.ts.
 *
 * On any failure every object this step wrote is removed (an open object is aborted), the
 * source is closed, and the error leaves as one `ExportRunError` naming the job and the source.
 */
import type { Engine, ManifestColumn } from '@rds-s3-export/shared-types';
import type { Clock, Logger, OpenedSource, ResolvedWindow, RowSource, SourceRequest } from '../ports.js';
import { ConfigError, ExportIntegrityError, ExportRunError } from '../errors.js';
import { assertSameColumns, manifestColumns, openAbortable, warnPrivileges, type ExpectedColumns } from './snapshot.js';
import { exportStream, objectFormat, type ObjectResult, type ObjectTarget } from './object-export.js';
import { splits, writeParts, type PartCounters, type PartLimits } from './split-writer.js';
import type { ParquetOptions } from './parquet-object.js';
import { EXPORTER_VERSION } from '../version.js';

export interface ExportProgress {
  /** Rows written so far (for the server's own CSV, records counted as they pass). */
  readonly rows: number | null;
  /** Rows the snapshot counted before streaming. */
  readonly totalRows?: number;
  /** Bytes stored so far: after compression when gzip is on. */
  readonly bytes: number;
  /** CSV bytes produced so far, before compression (equals `bytes` without gzip). */
  readonly csvBytes?: number;
  readonly elapsedMs: number;
  /** A parallel export: every chunk's own progress, in chunk order. */
  readonly chunks?: readonly ChunkProgress[];
}

export interface ChunkProgress {
  /** 1-based, as in `_partNNNN`. */
  readonly chunk: number;
  readonly rows: number;
  /** Rows the chunk's snapshot counted (absent until the chunk has started). */
  readonly totalRows?: number;
  readonly state: 'waiting' | 'running' | 'done';
}

export interface SnapshotRequest {
  readonly job: string;
  readonly runId: string;
  /** What to read (a chunk adds its key range). `preferRows` / `preferCells` are set here (splitting, Parquet). */
  readonly read: Omit<SourceRequest, 'preferRows' | 'preferCells'>;
  readonly compression: 'none' | 'gzip';
  /**
   * `parquet`: typed columns through run/parquet-object.ts, from the source's cells where it can
   * stream them (MySQL/MariaDB's byte path), else from its rows. @default 'csv'
   */
  readonly format?: 'csv' | 'parquet';
  /** Row-group bounds and codec of Parquet objects. */
  readonly parquet?: ParquetOptions;
  /** The object key: `part` for split parts; undefined for the one object of a single stream. */
  readonly keyFor: (part?: number) => string;
  /** Write this one part number (a chunk of a parallel run), not the unnumbered key. */
  readonly part?: number;
  /** Split into parts at these limits (single-stream exports only). */
  readonly limits?: PartLimits;
  readonly expectColumns?: ExpectedColumns;
  /** Log the user's privileges beyond reading: once per run, so not for each chunk. @default true */
  readonly warnPrivileges?: boolean;
}

export interface SnapshotDependencies {
  readonly source: RowSource;
  readonly sink: ObjectTarget['sink'];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** zlib level for gzip exports (the speed/size trade-off is in streams/gzip.ts). @default DEFAULT_GZIP_LEVEL (1) */
  readonly gzipLevel?: number;
  /** Called about once a second while data flows. */
  readonly onProgress?: (progress: ExportProgress) => void;
  /**
   * Called with the window resolved inside the snapshot, before any data is written (the job
   * protocol records it as the pending commit). Throwing aborts the run.
   */
  readonly beforeData?: (window: ResolvedWindow | undefined, sourceRows: number) => Promise<void>;
}

/** What a snapshot saw: its columns, the window resolved in it, its COUNT(*) of the selected rows. */
export interface SnapshotView {
  readonly columns: readonly ManifestColumn[];
  readonly window?: ResolvedWindow;
  readonly sourceRows: number;
}

export interface SnapshotResult extends SnapshotView {
  readonly engine: Engine;
  readonly startedAt: Date;
  readonly objects: readonly ObjectResult[];
  readonly rows: number;
}

export async function exportSnapshot(request: SnapshotRequest, deps: SnapshotDependencies): Promise<SnapshotResult> {
  const { source, sink, logger, signal } = deps;
  const started = deps.clock.now();
  const fields = { runId: request.runId, job: request.job };
  const log = (message: string, more: Record<string, unknown> = {}) => logger.info(message, { ...fields, ...more });
  const splitting = splits(request.limits);
  const parquet = request.format === 'parquet';
  let opened: OpenedSource | undefined;
  const objects: ObjectResult[] = [];
  try {
    log('opening source', { phase: 'open' });
    // Parquet converts the server's text per typed column: never the server's own CSV (PostgreSQL
    // COPY) or MySQL's CSV byte path. A single Parquet stream asks for cells (MySQL/MariaDB: row
    // packets straight into the column buffers); split parts need rows.
    opened = await openAbortable(source, { ...request.read, preferRows: splitting || parquet, preferCells: parquet && !splitting }, signal);
    if (request.warnPrivileges !== false) warnPrivileges(logger, opened, fields);
    const columns = manifestColumns(opened);
    if (request.expectColumns) assertSameColumns(request.expectColumns, columns);
    const window = opened.window;
    await deps.beforeData?.(window, opened.sourceRows);
    const target: ObjectTarget = { sink, format: objectFormat(request.read.dialect, request.compression, opened.columns, deps.gzipLevel), signal };
    // Loaded only for a Parquet export: apache-arrow and the wasm writer cost a CSV run's start-up nothing.
    const pq = parquet ? await import('./parquet-object.js') : undefined;
    const snapshot = opened;
    // Driver errors arrive raw through the stream: classified here, the one place that streams.
    const classified = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        throw snapshot.mapError(error) ?? error;
      }
    };

    if (window && window.rows === 0) {
      log('empty window: manifest only', { phase: 'stream', windowRows: 0 });
    } else if (splitting) {
      const data = opened.stream();
      if (data.kind !== 'rows') throw new ConfigError('SPLIT_UNSUPPORTED', `the ${source.engine} source cannot stream rows for a split export`);
      log('streaming in parts', { phase: 'stream', columns: columns.length, limits: request.limits, sourceRows: opened.sourceRows });
      let counters: () => PartCounters = () => ({ rows: 0, bytes: 0, csvBytes: 0 });
      const sourceRows = opened.sourceRows;
      const progress = startProgress(deps, started, () => ({ ...counters(), totalRows: sourceRows }));
      try {
        const split = {
          keyFor: (part: number) => request.keyFor(part),
          limits: request.limits ?? {},
          onPartStarted: (key: string) => log('part started', { phase: 'stream', key }),
          onCounters: (read: () => PartCounters) => (counters = read),
        };
        const layout = pq?.parquetLayout(source.engine, opened.columns, request.read.dialect.binaryEncoding, { ...request.parquet, createdBy: `rds-s3-export ${EXPORTER_VERSION}` });
        const parts = await classified(() => (pq && layout ? pq.writeParquetParts(data.stream, layout, target, split) : writeParts(data.stream, target, split)));
        objects.push(...parts);
      } finally {
        progress.stop();
      }
      progress.report();
    } else {
      const key = request.keyFor(request.part);
      log('streaming', { phase: 'stream', key, columns: columns.length, sourceRows: opened.sourceRows });
      const data = opened.stream();
      const sourceRows = opened.sourceRows;
      let progress: ProgressTimer | undefined;
      if (parquet && data.kind === 'csv') throw new ConfigError('PARQUET_UNSUPPORTED', `the ${source.engine} source cannot stream rows for a Parquet export`);
      if (!parquet && data.kind === 'cells') throw new ConfigError('CSV_UNSUPPORTED', `the ${source.engine} source streamed cells for a CSV export`);
      const layout = pq?.parquetLayout(source.engine, opened.columns, request.read.dialect.binaryEncoding, { ...request.parquet, createdBy: `rds-s3-export ${EXPORTER_VERSION}` });
      objects.push(
        await classified(() =>
          (pq && layout && data.kind !== 'csv'
            ? (w: Parameters<typeof exportStream>[3]) => pq.exportParquetStream(data.kind === 'cells' ? data.cells : data.stream, layout, key, target, w)
            : (w: Parameters<typeof exportStream>[3]) => exportStream(data as Exclude<typeof data, { kind: 'cells' }>, key, target, w))((watch) => {
            progress = startProgress(deps, started, () => ({ rows: watch.rows(), totalRows: sourceRows, bytes: watch.bytes(), csvBytes: watch.csvBytes() }));
            return progress.stop;
          }),
        ),
      );
      progress?.report();
    }
    const rows = objects.reduce((sum, o) => sum + o.rows, 0);
    // Reconciliation: what we wrote against the source's own count in the same snapshot.
    if (rows !== opened.sourceRows && !(window && window.rows === 0)) {
      throw new ExportIntegrityError(`wrote ${rows} rows but the source counted ${opened.sourceRows} in the same snapshot`);
    }
    return { engine: source.engine, startedAt: started, columns, window, sourceRows: opened.sourceRows, objects, rows };
  } catch (error) {
    await removeObjects(sink, objects);
    throw runFailure(logger, { ...fields, context: runContext({ job: request.job, table: request.read.table }, source.engine) }, error);
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

/** How a run's failures name it: `export of job "x" (mariadb table t)`. */
export function runContext(run: { readonly job: string; readonly table?: string }, engine: Engine): string {
  return `export of job "${run.job}" (${engine} ${run.table !== undefined ? `table ${run.table}` : 'query'})`;
}

/** Removes written objects after a later failure; absent ones are fine, failures are not fatal. */
export async function removeObjects(sink: ObjectTarget['sink'], objects: readonly { readonly key: string }[]): Promise<void> {
  await Promise.all(objects.map((o) => sink.deleteObject(o.key).catch(() => undefined)));
}

/** The one error of a failed run (class and code kept), logged once as `export failed`. */
export function runFailure(logger: Logger, at: { runId: string; job: string; context: string }, error: unknown): ExportRunError {
  const failure = new ExportRunError(at.context, error);
  logger.error('export failed', { runId: at.runId, job: at.job, phase: 'failed', errorClass: failure.errorClass, code: failure.code, error: failure.message });
  return failure;
}

interface ProgressTimer {
  readonly stop: () => void;
  /** One more report, when the data is complete. */
  readonly report: () => void;
}

/** Reports about once a second while data flows. */
function startProgress(deps: SnapshotDependencies, started: Date, read: () => Omit<ExportProgress, 'elapsedMs'>): ProgressTimer {
  const onProgress = deps.onProgress;
  if (!onProgress) return { stop: () => undefined, report: () => undefined };
  const report = () => onProgress({ ...read(), elapsedMs: deps.clock.now().getTime() - started.getTime() });
  const timer = setInterval(report, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer), report };
}
