/**
 * A parallel export's data, in the three steps that Step Functions runs in AWS (plan Lambda ->
 * Distributed Map of chunk Lambdas -> commit Lambda) and that the CLI's `--chunks` and a manual
 * `chunks` event run in one process with a concurrency limit:
 *
 * - plan: one snapshot resolves the incremental window's end and splits the rows into chunks
 *   of (nearly) equal row count by key quantiles (NTILE), so skewed keys still give even chunks;
 * - chunk: each chunk is exported in its own snapshot, bounded by the shared window end, as
 *   `_partNNNN`, counted and hashed: a `ChunkResult`, never a manifest;
 * - the caller commits (manifest.ts) only when every chunk succeeded. Any chunk failure removes
 *   every part already written.
 *
 * Consistency: chunks read separate snapshots taken moments apart. A row updated between two
 * chunks' snapshots can move; with an incremental window every chunk shares one upper bound
 * (the window end from the plan), so no row falls between chunks and a moved row is picked up
 * by the next run. A full export of a table under concurrent writes is per-chunk consistent.
 */
import { MAX_STAGED_CHUNKS, planKeys, type ChunkResultPayload, type Engine, type ManifestObject } from '@rds-s3-export/shared-types';
import type { Cursor, KeyRange, Logger, ObjectSink, RowSource, WindowRequest } from '../ports.js';
import { ConfigError } from '../errors.js';
import { EXPORTER_VERSION } from '../version.js';
import { assertSameColumns, manifestColumns, openAbortable, warnPrivileges } from './snapshot.js';
import { exportSnapshot, removeObjects, type ChunkProgress, type ExportProgress, type SnapshotDependencies, type SnapshotView } from './snapshot-export.js';
import { snapshotRequestFor, type ExportRequest } from './export-request.js';

/** The plan's snapshot: its columns (every chunk must see the same) and window, and the chunks' key ranges. */
export interface ChunkPlan extends Pick<SnapshotView, 'columns' | 'window'> {
  readonly runId: string;
  readonly keyColumn: string;
  readonly ranges: readonly KeyRange[];
  /** Rows the plan's snapshot counted (the chunks' sum is checked against their own counts). */
  readonly rows: number;
}

/** What one chunk wrote (the shared-types `ChunkResultSchema`: it crosses Lambda invocations). */
export type ChunkResult = ChunkResultPayload;

export interface ChunkOptions {
  readonly chunks: number;
  /** Chunks exported at the same time (so the database is not overwhelmed). @default 4 */
  readonly concurrency?: number;
  readonly keyColumn: string;
}

/** `onProgress`: of one chunk for `exportChunk`; of the whole run, with every chunk's own, for `exportPlanned`. */
export type ChunkDependencies = Omit<SnapshotDependencies, 'beforeData'>;

/** The data of a planned run, ready for its manifest. */
export interface PlannedData extends SnapshotView {
  readonly engine: Engine;
  readonly objects: readonly ManifestObject[];
  readonly exporterVersion: string;
}

/** Step 1: one snapshot, the window end and the chunk boundaries. */
export async function planChunks(
  request: ExportRequest,
  options: Pick<ChunkOptions, 'chunks' | 'keyColumn'>,
  deps: { readonly source: RowSource; readonly signal?: AbortSignal; readonly logger?: Logger },
): Promise<ChunkPlan> {
  if (!Number.isInteger(options.chunks) || options.chunks < 1 || options.chunks > MAX_STAGED_CHUNKS) {
    throw new ConfigError('CHUNKS_INVALID', `chunks must be a whole number from 1 to ${MAX_STAGED_CHUNKS} (got ${options.chunks})`);
  }
  const runId = planKeys(request).runId;
  const opened = await openAbortable(
    deps.source,
    { table: request.table, query: request.query, columns: request.columns, dialect: request.dialect, window: request.window, allowPrivilegedQuery: request.allowPrivilegedQuery },
    deps.signal,
  );
  try {
    if (deps.logger) warnPrivileges(deps.logger, opened, { runId, job: request.job });
    const columns = manifestColumns(opened);
    if (request.expectColumns) assertSameColumns(request.expectColumns, columns);
    const bounds = options.chunks > 1 && opened.sourceRows > 0 ? await opened.chunkBoundaries(options.keyColumn, options.chunks) : [];
    const edges = [null, ...bounds, null];
    const ranges: KeyRange[] = edges.slice(0, -1).map((lower, i) => ({ column: options.keyColumn, lower, upper: edges[i + 1] ?? null }));
    return { runId, keyColumn: options.keyColumn, ranges, window: opened.window, rows: opened.sourceRows, columns };
  } finally {
    await opened.close();
  }
}

/** Step 2 for one chunk: its key range, in its own snapshot, bounded by the plan's window end. */
export async function exportChunk(request: ExportRequest, plan: ChunkPlan, index: number, deps: ChunkDependencies): Promise<ChunkResult> {
  const range = plan.ranges[index];
  if (!range) throw new ConfigError('CHUNK_INDEX_INVALID', `chunk ${index + 1} is not in the plan of run ${plan.runId} (${plan.ranges.length} chunks)`);
  const whole = snapshotRequestFor({ ...request, window: chunkWindow(request, plan) });
  const data = await exportSnapshot(
    {
      ...whole,
      read: { ...whole.read, keyRange: range },
      part: index + 1,
      limits: undefined,
      // Every chunk must see the plan's columns: the one manifest lists them for every part.
      expectColumns: { runId: plan.runId, columns: plan.columns },
      warnPrivileges: false,
    },
    deps,
  );
  deps.logger.info('chunk exported', { runId: plan.runId, job: request.job, phase: 'chunk', chunk: index + 1, of: plan.ranges.length, rows: data.rows });
  return { runId: plan.runId, index, objects: [...data.objects], rows: data.rows, sourceRows: data.sourceRows, exporterVersion: EXPORTER_VERSION };
}

/**
 * Step 2 for a whole plan in this process: every chunk (bounded concurrency). When the plan
 * found no rows there is nothing to split: one ordinary snapshot up to the plan's window end
 * writes the run (an empty window: no object; an empty table: one header-only object).
 */
export async function exportPlanned(request: ExportRequest, plan: ChunkPlan, options: Pick<ChunkOptions, 'concurrency'>, deps: ChunkDependencies): Promise<PlannedData> {
  if (plan.rows === 0) {
    const data = await exportSnapshot({ ...snapshotRequestFor({ ...request, window: chunkWindow(request, plan) }), limits: undefined, warnPrivileges: false }, deps);
    return { ...data, exporterVersion: EXPORTER_VERSION };
  }
  const results: ChunkResult[] = new Array(plan.ranges.length);
  const failures: unknown[] = [];
  const progress = chunkProgress(plan, deps);
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
    await removeChunkParts(request, plan, deps.sink);
    throw failures[0];
  }
  return plannedData(request, plan, deps.source.engine, results);
}

/**
 * Sums the chunks' own progress into one report of the run. Each running chunk reports about
 * once a second; the sum goes out at most once a second, and at every chunk's end.
 */
function chunkProgress(plan: ChunkPlan, deps: ChunkDependencies) {
  const onProgress = deps.onProgress;
  const started = deps.clock.now().getTime();
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
      elapsedMs: now - started,
      chunks: latest.map((c, i) => ({ chunk: i + 1, rows: c.rows ?? 0, ...(c.totalRows !== undefined ? { totalRows: c.totalRows } : {}), state: c.state })),
    });
  };
  return {
    chunk: (index: number) => (p: ExportProgress) => {
      latest[index] = { ...p, state: 'running' };
      report(false);
    },
    done: (index: number, result: ChunkResult) => {
      latest[index] = { ...latest[index], rows: result.rows, totalRows: result.sourceRows, bytes: result.objects.reduce((sum, o) => sum + o.bytes, 0), state: 'done' };
      report(true);
    },
  };
}

/** The run's data from its chunks' results, after checking they are exactly the plan's parts. */
export function plannedData(request: ExportRequest, plan: ChunkPlan, engine: Engine, results: readonly ChunkResult[]): PlannedData {
  assertChunkResults(request, plan, results);
  const ordered = [...results].sort((a, b) => a.index - b.index);
  return {
    engine,
    columns: plan.columns,
    window: plan.window,
    objects: ordered.flatMap((r) => r.objects),
    sourceRows: ordered.reduce((sum, r) => sum + r.sourceRows, 0),
    exporterVersion: ordered[0]?.exporterVersion ?? EXPORTER_VERSION,
  };
}

/** Removes every part a failed parallel run may have written (the catch path). */
export async function removeChunkParts(request: ExportRequest, plan: ChunkPlan, sink: ObjectSink): Promise<void> {
  const keys = planKeys(request);
  await removeObjects(sink, plan.ranges.map((_, i) => ({ key: keys.dataKey(i + 1) })));
}

/** Every chunk reads up to the window end the plan resolved, whatever has arrived since. */
function chunkWindow(request: ExportRequest, plan: ChunkPlan): WindowRequest | undefined {
  if (!request.window || !plan.window) return request.window;
  return { ...request.window, bound: plan.window.to ? { kind: 'until', cursor: plan.window.to as Cursor } : request.window.bound };
}

/** Each chunk of the plan exactly once, of this run, listing only that chunk's own part key. */
function assertChunkResults(request: ExportRequest, plan: ChunkPlan, results: readonly ChunkResult[]): void {
  const keys = planKeys(request);
  const seen = new Set<number>();
  for (const [i, result] of results.entries()) {
    if (result === undefined) continue;
    if (result.runId !== plan.runId) throw new ConfigError('CHUNK_RESULTS_INVALID', `results[${i}].runId: "${result.runId}" is not the plan's run "${plan.runId}"`);
    if (!Number.isInteger(result.index) || result.index < 0 || result.index >= plan.ranges.length || seen.has(result.index)) {
      throw new ConfigError('CHUNK_RESULTS_INVALID', `results[${i}].index: ${result.index} is not a chunk of run ${plan.runId} (0..${plan.ranges.length - 1}, each once)`);
    }
    seen.add(result.index);
    const own = keys.dataKey(result.index + 1);
    const foreign = result.objects.find((object) => object.key !== own);
    if (foreign) throw new ConfigError('CHUNK_RESULTS_INVALID', `results[${i}].objects: "${foreign.key}" is not the part of chunk ${result.index + 1} of run ${plan.runId} ("${own}")`);
  }
  if (seen.size !== plan.ranges.length) throw new ConfigError('CHUNK_RESULTS_INCOMPLETE', `commit of run ${plan.runId} needs ${plan.ranges.length} chunk results (got ${seen.size})`);
}
