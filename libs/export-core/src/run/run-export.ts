/**
 * One export in one process, without a state store (the CLI, the benchmark): a single stream
 * (`runExport`) or a parallel plan (`runChunkedExport`), each committed by its manifest. Jobs
 * with a lease and a cursor run through run-job.ts / staged-run.ts instead, over the same steps.
 */
import { planKeys, type Manifest } from '@rds-s3-export/shared-types';
import { buildManifest, publishManifest } from './manifest.js';
import { exportPlanned, planChunks, type ChunkDependencies, type ChunkOptions } from './chunks.js';
import { snapshotRequestFor, type ExportDependencies, type ExportRequest } from './export-request.js';
import { exportSnapshot, runContext } from './snapshot-export.js';

/**
 * A single-stream export: open the source in a read-only snapshot, stream rows -> CSV -> (gzip)
 * -> object sink, then write the manifest last as the commit marker. On any failure nothing of
 * the run stays visible (the data object is aborted, or removed if the manifest failed).
 */
export async function runExport(request: ExportRequest, deps: ExportDependencies): Promise<Manifest> {
  const data = await exportSnapshot(snapshotRequestFor(request), deps);
  const manifest = buildManifest(request, { ...data, runId: planKeys(request).runId, finishedAt: deps.clock.now() });
  return publishManifest(manifest, request, { sink: deps.sink, logger: deps.logger, signal: deps.signal, context: runContext(request, data.engine) });
}

/** A parallel export in this process: plan -> every chunk (bounded concurrency) -> one manifest. */
export async function runChunkedExport(request: ExportRequest, options: ChunkOptions, deps: ChunkDependencies): Promise<Manifest> {
  const plan = await planChunks(request, options, deps);
  const started = deps.clock.now();
  const data = await exportPlanned(request, plan, options, deps);
  const manifest = buildManifest(request, { ...data, runId: plan.runId, startedAt: started, finishedAt: deps.clock.now() });
  return publishManifest(manifest, request, { sink: deps.sink, logger: deps.logger, signal: deps.signal, context: runContext(request, data.engine) });
}
