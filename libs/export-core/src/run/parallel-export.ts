/**
 * A parallel export: plan -> chunks -> commit, the same three steps that Step Functions runs
 * in AWS (plan Lambda -> Distributed Map of chunk Lambdas -> commit Lambda) and that
 * `npm run invoke -- --parallel` / `--chunks` run locally with a concurrency limit.
 *
 * - plan: one snapshot resolves the incremental window's end and splits the rows into chunks
 *   of (nearly) equal row count by key quantiles (NTILE), so skewed keys still give even chunks;
 * - chunk: each chunk is exported in its own snapshot, bounded by the shared window end, as
 *   `_partNNNN`, counted and hashed, without a manifest;
 * - commit: only when every chunk succeeded, one manifest lists all parts (the commit marker).
 *   Any chunk failure removes every part already written, and no manifest exists.
 *
 * Consistency: chunks read separate snapshots taken moments apart. A row updated between two
 * chunks' snapshots can move; with an incremental window every chunk shares one upper bound
 * (the window end from the plan), so no row falls between chunks and a moved row is picked up
 * by the next run. A full export of a table under concurrent writes is per-chunk consistent.
 */
import type { Manifest, ManifestObject } from '@rds-s3-export/shared-types';
import type { Clock, Cursor, KeyRange, Logger, ObjectSink, ResolvedWindow, RowSource, WindowRequest } from '../ports.js';
import { planKeys } from '../naming/object-keys.js';
import { ConfigError, ExportRunError } from '../errors.js';
import { assertSameColumns, openAbortable, runExport, warnPrivileges, type ChunkProgress, type ExportProgress, type ExportRequest } from './run-export.js';

export interface ChunkPlan {
  readonly runId: string;
  readonly keyColumn: string;
  readonly ranges: readonly KeyRange[];
  readonly window?: ResolvedWindow;
  /** Rows the plan's snapshot counted (the chunks' sum is checked against their own counts). */
  readonly rows: number;
  /** Columns as the plan saw them (for the commit step's manifest). */
  readonly columns: readonly { readonly name: string; readonly sourceType: string }[];
}

export interface ParallelDependencies {
  /** A new source per chunk: each chunk needs its own connection. */
  readonly source: () => RowSource;
  readonly sink: ObjectSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly beforeData?: (window: ResolvedWindow | undefined, runId: string, sourceRows: number) => Promise<void>;
  /** Progress of the whole run with every chunk's own, about once a second and at each chunk's end. */
  readonly onProgress?: (progress: ExportProgress) => void;
}

export interface ParallelOptions {
  readonly chunks: number;
  /** Chunks exported at the same time (so the database is not overwhelmed). @default 4 */
  readonly concurrency?: number;
  readonly keyColumn: string;
}

/** Step 1: one snapshot, the window end and the chunk boundaries. */
export async function planChunks(
  request: ExportRequest,
  options: ParallelOptions,
  deps: Pick<ParallelDependencies, 'source' | 'signal'> & { readonly logger?: Logger },
): Promise<ChunkPlan> {
  if (!Number.isInteger(options.chunks) || options.chunks < 1 || options.chunks > 10_000) {
    throw new ConfigError('CHUNKS_INVALID', `chunks must be a whole number from 1 to 10000 (got ${options.chunks})`);
  }
  const opened = await openAbortable(
    deps.source(),
    { table: request.table, query: request.query, columns: request.columns, dialect: request.dialect, window: request.window, allowPrivilegedQuery: request.allowPrivilegedQuery },
    deps.signal,
  );
  try {
    if (deps.logger) warnPrivileges(deps.logger, opened, { runId: planKeys(request).runId, job: request.job });
    if (request.expectColumns) assertSameColumns(request.expectColumns, opened.columns);
    const bounds = options.chunks > 1 && opened.sourceRows > 0 ? await opened.chunkBoundaries(options.keyColumn, options.chunks) : [];
    const edges = [null, ...bounds, null];
    const ranges: KeyRange[] = edges.slice(0, -1).map((lower, i) => ({ column: options.keyColumn, lower, upper: edges[i + 1] ?? null }));
    return {
      runId: planKeys(request).runId,
      keyColumn: options.keyColumn,
      ranges,
      window: opened.window,
      rows: opened.sourceRows,
      columns: opened.columns.map((c) => ({ name: c.name, sourceType: c.sourceType })),
    };
  } finally {
    await opened.close();
  }
}

/** Step 2 for one chunk: its key range, in its own snapshot, bounded by the plan's window end; no manifest. */
export async function exportChunk(request: ExportRequest, plan: ChunkPlan, index: number, deps: ParallelDependencies): Promise<Manifest> {
  const range = plan.ranges[index];
  if (!range) throw new ConfigError('CHUNK_INDEX_INVALID', `chunk ${index + 1} is not in the plan of run ${plan.runId} (${plan.ranges.length} chunks)`);
  const result = await runExport(
    { ...request, window: chunkWindow(request, plan), keyRange: range, part: index + 1, writeManifest: false, limits: undefined },
    { source: deps.source(), sink: deps.sink, clock: deps.clock, logger: deps.logger, signal: deps.signal, onProgress: deps.onProgress },
  );
  deps.logger.info('chunk exported', { runId: plan.runId, job: request.job, phase: 'chunk', chunk: index + 1, of: plan.ranges.length, rows: result.rows });
  return result;
}

/** Removes every part a failed parallel run may have written (the catch path). */
export async function abortChunks(request: ExportRequest, plan: ChunkPlan, sink: ObjectSink): Promise<void> {
  const keys = planKeys(request);
  await Promise.all(plan.ranges.map((_, i) => sink.deleteObject(keys.dataKey(i + 1)).catch(() => undefined)));
}

/** Steps 2 and 3 for a plan, locally: every chunk (bounded concurrency), then one manifest. */
export async function exportChunksAndCommit(request: ExportRequest, plan: ChunkPlan, options: ParallelOptions, deps: ParallelDependencies): Promise<Manifest> {
  const started = deps.clock.now();
  await deps.beforeData?.(plan.window, plan.runId, plan.rows);
  if (plan.rows === 0) {
    // Nothing to split: one ordinary run writes the (empty-window or header-only) export.
    return runExport({ ...request, window: chunkWindow(request, plan), limits: undefined }, { source: deps.source(), sink: deps.sink, clock: deps.clock, logger: deps.logger, signal: deps.signal });
  }
  const results: Manifest[] = new Array(plan.ranges.length);
  const failures: unknown[] = [];
  const progress = chunkProgress(plan, deps, started);
  let next = 0;
  const worker = async () => {
    while (failures.length === 0 && next < plan.ranges.length) {
      const index = next++;
      try {
        results[index] = await exportChunk(request, plan, index, { ...deps, onProgress: progress.chunk(index) });
        progress.done(index, results[index]);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, plan.ranges.length) }, worker));
  if (failures.length > 0) {
    // No manifest: remove every part that did complete, so nothing of the run is visible.
    await abortChunks(request, plan, deps.sink);
    throw failures[0];
  }
  return commitChunks(request, plan, results, deps, started);
}

/**
 * Sums the chunks' own progress into one report of the run. Each running chunk reports about
 * once a second; the sum goes out at most once a second, and at every chunk's end.
 */
function chunkProgress(plan: ChunkPlan, deps: ParallelDependencies, started: Date) {
  const onProgress = deps.onProgress;
  const latest: (Omit<ExportProgress, 'elapsedMs'> & { state: ChunkProgress['state'] })[] = plan.ranges.map(() => ({ rows: 0, bytes: 0, csvBytes: 0, state: 'waiting' }));
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = deps.clock.now().getTime();
    if (!onProgress || (!force && now - lastReport < 1000)) return;
    lastReport = now;
    const sum = (f: (c: (typeof latest)[number]) => number) => latest.reduce((total, c) => total + f(c), 0);
    onProgress({
      rows: sum((c) => c.rows ?? 0),
      totalRows: plan.rows,
      bytes: sum((c) => c.bytes),
      csvBytes: sum((c) => c.csvBytes ?? c.bytes),
      elapsedMs: now - started.getTime(),
      chunks: latest.map((c, i) => ({ chunk: i + 1, rows: c.rows ?? 0, ...(c.totalRows !== undefined ? { totalRows: c.totalRows } : {}), state: c.state })),
    });
  };
  return {
    chunk: (index: number) => (p: ExportProgress) => {
      latest[index] = { ...p, state: 'running' };
      report(false);
    },
    done: (index: number, result: Manifest) => {
      latest[index] = { ...latest[index], rows: result.rows, totalRows: result.reconciliation.sourceRows, bytes: result.bytes, state: 'done' };
      report(true);
    },
  };
}

/** Every chunk reads up to the window end the plan resolved, whatever has arrived since. */
function chunkWindow(request: ExportRequest, plan: ChunkPlan): WindowRequest | undefined {
  if (!request.window || !plan.window) return request.window;
  return { ...request.window, bound: plan.window.to ? { kind: 'until', cursor: plan.window.to as Cursor } : request.window.bound };
}

/** Step 3: the single manifest, written only after every chunk succeeded. */
export async function commitChunks(request: ExportRequest, plan: ChunkPlan, chunks: readonly Manifest[], deps: Pick<ParallelDependencies, 'sink' | 'clock' | 'logger' | 'signal'>, started: Date): Promise<Manifest> {
  if (chunks.length !== plan.ranges.length || chunks.some((c) => c === undefined || c.runId !== plan.runId)) {
    throw new ConfigError('CHUNK_RESULTS_INCOMPLETE', `commit of run ${plan.runId} needs ${plan.ranges.length} chunk results of that run (got ${chunks.length})`);
  }
  const manifestKey = planKeys(request).manifestKey;
  const objects: ManifestObject[] = chunks.flatMap((c) => c.objects);
  const rows = objects.reduce((sum, o) => sum + o.rows, 0);
  const sourceRows = chunks.reduce((sum, c) => sum + c.reconciliation.sourceRows, 0);
  const first = chunks[0] as Manifest;
  const finished = deps.clock.now();
  const manifest: Manifest = {
    ...first,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: Math.max(0, finished.getTime() - started.getTime()),
    rows,
    bytes: objects.reduce((sum, o) => sum + o.bytes, 0),
    objects,
    cursor: plan.window ? { from: plan.window.from, to: plan.window.to } : null,
    reconciliation: { sourceRows, exportedRows: rows },
  };
  try {
    // An interrupt while the last chunk completed still commits nothing (the catch removes the parts).
    deps.signal?.throwIfAborted();
    deps.logger.info('writing manifest', { runId: plan.runId, job: request.job, phase: 'commit', key: manifestKey, rows, parts: objects.length });
    await deps.sink.putObject(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
  } catch (error) {
    await Promise.all(objects.map((o) => deps.sink.deleteObject(o.key).catch(() => undefined)));
    throw new ExportRunError(`commit of job "${request.job}" run ${plan.runId}`, error);
  }
  return manifest;
}
