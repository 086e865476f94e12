import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { CsvDialect, Engine, Manifest, ManifestObject } from '@rds-s3-export/shared-types';
import type { Clock, KeyRange, Logger, ObjectSink, ObjectWriter, OpenedSource, ResolvedWindow, RowSource, SourceRequest, WindowRequest } from '../ports.js';
import { CsvEncoderStream } from '../csv/csv-encoder-stream.js';
import { CsvRecordCounter } from '../csv/csv-record-counter.js';
import { encodeHeader } from '../csv/encode-row.js';
import { encoderOptions } from '../csv/csv-options.js';
import { planKeys, type Layout } from '../naming/object-keys.js';
import { ConfigError, ExportIntegrityError, ExportRunError } from '../errors.js';
import { writeParts, type PartCounters, type PartLimits } from './part-writer.js';
import { EXPORTER_VERSION } from '../version.js';
import { ByteTap } from './byte-tap.js';
import { HeadStream } from './head-stream.js';
import { createExportGzip } from './gzip.js';
import { LEAST_PRIVILEGE_DOCS } from '../sources/privilege-policy.js';

export interface ExportRequest {
  readonly job: string;
  readonly table?: string;
  readonly query?: string;
  /** Run `query` even as a user with more than read privileges (SourceRequest.allowPrivilegedQuery). @default false */
  readonly allowPrivilegedQuery?: boolean;
  readonly columns?: readonly string[];
  readonly dialect: CsvDialect;
  readonly prefix: string;
  readonly manifestPrefix: string;
  readonly layout: Layout;
  readonly compression: 'none' | 'gzip';
  /** Names the run and its keys (UTC). Retrying with the same run time rewrites the same keys. */
  readonly runTime: Date;
  /** Incremental window (see WindowRequest). Absent = every row. */
  readonly window?: WindowRequest;
  /** An empty window writes only the manifest (rows: 0) unless this is set. @default false */
  readonly headerOnlyWhenEmpty?: boolean;
  /** Split into `_partNNNN` objects at these limits (bytes measured before compression). */
  readonly limits?: PartLimits;
  /** Only this key range (one chunk of a parallel export), ordered by the key. */
  readonly keyRange?: KeyRange;
  /** Write the data as `_partNNNN` with this number (a chunk of a parallel export). */
  readonly part?: number;
  /** Write the manifest (the commit marker). A chunk leaves it to the commit step. @default true */
  readonly writeManifest?: boolean;
  /**
   * The columns of the previous committed run: a dropped, added, renamed or retyped column
   * fails the run (SCHEMA_CHANGED) before anything is written, instead of silently exporting
   * a different header under the same name.
   */
  readonly expectColumns?: { readonly runId: string; readonly columns: readonly { readonly name: string; readonly sourceType: string }[] };
}

export interface ExportProgress {
  /** Rows written so far (null when unknown). */
  readonly rows: number | null;
  /** Rows the snapshot counted before streaming (absent before the source is open). */
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

export interface ExportDependencies {
  readonly source: RowSource;
  readonly sink: ObjectSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Called about once a second while data flows. */
  readonly onProgress?: (progress: ExportProgress) => void;
  /** zlib level for gzip exports (the speed/size trade-off is in gzip.ts). @default DEFAULT_GZIP_LEVEL (1) */
  readonly gzipLevel?: number;
  /**
   * Called with the window resolved inside the snapshot, before any data is written (the
   * runtime records it as a pending commit). Throwing aborts the run.
   */
  readonly beforeData?: (window: ResolvedWindow | undefined, runId: string, sourceRows: number) => Promise<void>;
  /** Called right before the manifest is written (the runtime re-checks it still owns the run). */
  readonly beforeManifest?: () => Promise<void>;
}

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * One export run: open the source in a read-only snapshot, stream rows -> CSV -> (gzip) ->
 * object sink with backpressure end to end, then write the manifest last as the commit
 * marker. On any failure the data object is aborted (or removed, if it had already been
 * completed when the manifest failed): nothing of a failed run stays visible.
 */
export async function runExport(request: ExportRequest, deps: ExportDependencies): Promise<Manifest> {
  const { source, sink, clock, logger, signal } = deps;
  const keys = planKeys(request);
  const what = request.table !== undefined ? `table ${request.table}` : 'query';
  const context = `export of job "${request.job}" (${source.engine} ${what})`;
  const started = clock.now();
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    logger.info(message, { runId: keys.runId, job: request.job, ...fields });

  let opened: OpenedSource | undefined;
  let writer: ObjectWriter | undefined;
  let dataCompleted = false;
  const splitting = request.limits?.maxRows !== undefined || request.limits?.maxBytes !== undefined;
  const dataKey = keys.dataKey(request.part);
  if (splitting && request.part !== undefined) {
    throw new ConfigError('SPLIT_WITH_CHUNKS', 'a chunk of a parallel export is one object; file limits apply to single-stream exports');
  }
  let parts: ManifestObject[] = [];
  try {
    log('opening source', { phase: 'open' });
    const sourceRequest: SourceRequest = {
      table: request.table,
      query: request.query,
      columns: request.columns,
      dialect: request.dialect,
      window: request.window,
      keyRange: request.keyRange,
      preferRows: splitting,
      allowPrivilegedQuery: request.allowPrivilegedQuery,
    };
    opened = await openAbortable(source, sourceRequest, signal);
    // Once per run: a chunk of a parallel run leaves it to the plan step.
    if (request.part === undefined) warnPrivileges(logger, opened, { runId: keys.runId, job: request.job });
    const columns = opened.columns;
    if (request.expectColumns) assertSameColumns(request.expectColumns, columns);
    const window = opened.window;
    await deps.beforeData?.(window, keys.runId, opened.sourceRows);
    const encoding = encoderOptions(request.dialect, columns.map((c) => c.kind));
    const objects: ManifestObject[] = [];
    let rows = 0;

    const writeOptions = {
      contentType: CSV_CONTENT_TYPE,
      ...(request.compression === 'gzip' ? { contentEncoding: 'gzip' } : {}),
    };
    const head = (request.dialect.bom ? '\uFEFF' : '') + (encoding.header ? encodeHeader(columns.map((c) => c.name), encoding) : '');
    if (window && window.rows === 0 && !request.headerOnlyWhenEmpty) {
      log('empty window: manifest only', { phase: 'stream', windowRows: 0 });
    } else if (splitting) {
      const data = opened.stream();
      if (data.kind !== 'rows') throw new ConfigError('SPLIT_UNSUPPORTED', `the ${source.engine} source cannot stream rows for a split export`);
      log('streaming in parts', { phase: 'stream', columns: columns.length, limits: request.limits, sourceRows: opened.sourceRows });
      let counters: () => PartCounters = () => ({ rows: 0, bytes: 0, csvBytes: 0 });
      const sourceRows = opened.sourceRows;
      const progress = startProgress(deps, started, () => ({ ...counters(), totalRows: sourceRows }));
      try {
        parts = await writeParts(data.stream, {
          sink,
          keyFor: (part) => keys.dataKey(part),
          writeOptions,
          encoding,
          head,
          gzipLevel: deps.gzipLevel,
          limits: request.limits ?? {},
          signal,
          onPartStarted: (key) => log('part started', { phase: 'stream', key }),
          onCounters: (read) => (counters = read),
        });
      } catch (error) {
        throw opened.mapError(error) ?? error;
      } finally {
        progress.stop();
      }
      progress.report();
      objects.push(...parts);
      rows = parts.reduce((sum, p) => sum + p.rows, 0);
    } else {
      writer = sink.openWriter(dataKey, writeOptions);
      log('streaming', { phase: 'stream', key: dataKey, columns: columns.length, sourceRows: opened.sourceRows });

      const data = opened.stream();
      const encoder = data.kind === 'rows' ? new CsvEncoderStream(encoding) : undefined;
      // The server's own CSV (COPY): counted as it passes, for progress only.
      const counter = encoder ? undefined : new CsvRecordCounter();
      const tap = new ByteTap();
      const progress = startProgress(deps, started, () => ({
        rows: encoder ? encoder.rows : (counter?.records ?? null),
        totalRows: opened?.sourceRows,
        bytes: tap.bytes,
        csvBytes: Buffer.byteLength(head) + (encoder ? encoder.encodedBytes : (counter?.bytes ?? 0)),
      }));
      try {
        await pipeline(
          [
            data.stream,
            ...(encoder ? [encoder] : [counter as CsvRecordCounter]),
            new HeadStream(Buffer.from(head, 'utf8')),
            ...(request.compression === 'gzip' ? [createExportGzip(deps.gzipLevel)] : []),
            tap,
            writer.stream,
          ] as unknown as [Readable, ...NodeJS.ReadWriteStream[]],
          { signal },
        );
      } catch (error) {
        throw opened.mapError(error) ?? error;
      } finally {
        progress.stop();
      }
      progress.report();
      await writer.complete();
      dataCompleted = true;
      rows = data.kind === 'csv' ? await data.rowCount() : (encoder?.rows ?? 0);
      objects.push({ key: dataKey, rows, bytes: tap.bytes, sha256: tap.digest() });
    }
    // Reconciliation: what we wrote against the source's own count in the same snapshot.
    if (rows !== opened.sourceRows && !(window && window.rows === 0)) {
      throw new ExportIntegrityError(`wrote ${rows} rows but the source counted ${opened.sourceRows} in the same snapshot`);
    }

    const finished = clock.now();
    const bytes = objects.reduce((sum, o) => sum + o.bytes, 0);
    const manifest: Manifest = {
      manifestVersion: 1,
      runId: keys.runId,
      job: request.job,
      status: 'committed',
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: Math.max(0, finished.getTime() - started.getTime()),
      rows,
      bytes,
      objects,
      columns: columns.map((c) => ({ name: c.name, sourceType: c.sourceType })),
      cursor: window ? { from: window.from, to: window.to } : null,
      reconciliation: { sourceRows: opened.sourceRows, exportedRows: rows },
      engine: source.engine as Engine,
      source: request.table !== undefined ? { table: request.table } : { query: request.query ?? '' },
      csv: request.dialect,
      compression: request.compression,
      timeZone: 'UTC',
      exporterVersion: EXPORTER_VERSION,
    };
    if (request.writeManifest === false) return manifest;
    // An interrupt that came after the data was complete still commits nothing.
    signal?.throwIfAborted();
    await deps.beforeManifest?.();
    log('writing manifest', { phase: 'commit', key: keys.manifestKey, rows, bytes });
    await sink.putObject(keys.manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    return manifest;
  } catch (error) {
    const failure = new ExportRunError(context, error);
    logger.error('export failed', {
      runId: keys.runId,
      job: request.job,
      phase: 'failed',
      errorClass: failure.errorClass,
      code: failure.code,
      error: failure.message,
    });
    if (writer && !dataCompleted) await writer.abort(error).catch(() => undefined);
    if (dataCompleted) await sink.deleteObject(dataKey).catch(() => undefined);
    // Parts are removed by writeParts on its own failures; after a later failure (manifest) here.
    await Promise.all(parts.map((p) => sink.deleteObject(p.key).catch(() => undefined)));
    throw failure;
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

/** The user's privileges beyond reading, as one warning (see sources/privilege-policy.ts). */
export function warnPrivileges(logger: Logger, opened: OpenedSource, fields: Record<string, unknown>): void {
  const findings = opened.privilegeFindings ?? [];
  if (findings.length === 0) return;
  logger.warn('the database user holds more than read privileges', {
    ...fields,
    phase: 'open',
    privileges: findings,
    advice: `export as a user that may only SELECT the exported tables (${LEAST_PRIVILEGE_DOCS})`,
  });
}

/** Reports about once a second while data flows; `report()` once more when the data is complete. */
function startProgress(deps: ExportDependencies, started: Date, read: () => Omit<ExportProgress, 'elapsedMs'>) {
  const onProgress = deps.onProgress;
  if (!onProgress) return { stop() {}, report() {} };
  const report = () => onProgress({ ...read(), elapsedMs: deps.clock.now().getTime() - started.getTime() });
  const timer = setInterval(report, 1000);
  timer.unref();
  return { stop: () => clearInterval(timer), report };
}

/** Names exactly what changed between the previous committed run's columns and these. */
export function assertSameColumns(
  expected: NonNullable<ExportRequest['expectColumns']>,
  actual: readonly { readonly name: string; readonly sourceType: string }[],
): void {
  const before = new Map(expected.columns.map((c) => [c.name, c.sourceType]));
  const after = new Map(actual.map((c) => [c.name, c.sourceType]));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const added = [...after.keys()].filter((n) => !before.has(n));
  const retyped = [...before].filter(([n, t]) => after.has(n) && after.get(n) !== t).map(([n, t]) => `${n} (${t} -> ${after.get(n)})`);
  const reordered = removed.length === 0 && added.length === 0 && expected.columns.some((c, i) => actual[i]?.name !== c.name);
  if (removed.length || added.length || retyped.length || reordered) {
    const parts = [
      removed.length ? `removed ${removed.join(', ')}` : '',
      added.length ? `added ${added.join(', ')}` : '',
      retyped.length ? `retyped ${retyped.join(', ')}` : '',
      reordered ? 'reordered' : '',
    ].filter(Boolean);
    throw new ConfigError(
      'SCHEMA_CHANGED',
      `the source's columns changed since run ${expected.runId}: ${parts.join('; ')}. ` +
        'Nothing was exported; declare the new columns in the job (or run once with acceptSchemaChange) to go on.',
    );
  }
}

/**
 * Opens a source, but gives up as soon as `signal` aborts (the deadline guard): a driver that is
 * aborted mid-handshake may never settle its connect promise. The source destroys its
 * connection on abort itself; if the open still completes later, the opened source is closed.
 */
export function openAbortable(source: RowSource, request: SourceRequest, signal: AbortSignal | undefined): Promise<OpenedSource> {
  const opening = source.open(request, signal);
  if (!signal) return opening;
  return new Promise<OpenedSource>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason ?? new Error('aborted'));
      opening.then((o) => o.close(), () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    opening.then(
      (o) => {
        // After an abort the promise is already rejected and onAbort closes the source.
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
