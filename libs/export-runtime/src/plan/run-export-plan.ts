import type { S3Client } from '@aws-sdk/client-s3';
import type { Manifest } from '@rds-s3-export/shared-types';
import {
  createRowSource,
  LocalFolderSink,
  runChunkedExport,
  runExport,
  systemClock,
  type ExportProgress,
  type Logger,
  type ObjectSink,
  silentLogger,
} from '@rds-s3-export/export-core';
import type { ExportPlan } from './export-plan.js';

export interface RunOptions {
  readonly logger?: Logger;
  readonly onProgress?: (progress: ExportProgress) => void;
  readonly signal?: AbortSignal;
  /** Injected for tests; built from the plan otherwise. */
  readonly s3Client?: S3Client;
}

/**
 * `runExportPlan`: builds the adapters of a resolved plan (the CLI's) and runs it: export-core's
 * `runExport`, or with `parallel` its chunks and one commit. No state store, no lease, no cursor.
 */
export async function runExportPlan(plan: ExportPlan, options: RunOptions = {}): Promise<Manifest> {
  const sink = await buildSink(plan, options.s3Client);
  const sourceOptions = { statementTimeoutSeconds: plan.statementTimeoutSeconds };
  if (plan.parallel) {
    const source = createRowSource(plan.connection, sourceOptions);
    return runChunkedExport(plan.request, plan.parallel, { source, sink, clock: systemClock, logger: options.logger ?? silentLogger, signal: options.signal, onProgress: options.onProgress });
  }
  return runExport(plan.request, {
    source: createRowSource(plan.connection, sourceOptions),
    sink,
    clock: systemClock,
    logger: options.logger ?? silentLogger,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** The S3 side (the AWS SDK) is imported only for a bucket: see s3-sink.ts. */
async function buildSink(plan: ExportPlan, client?: S3Client): Promise<ObjectSink> {
  if (plan.destination.kind === 'file') return new LocalFolderSink(plan.destination.directory);
  const { s3SinkFor } = await import('./s3-sink.js');
  return s3SinkFor(plan.destination.bucket, plan.s3Endpoint, client);
}
