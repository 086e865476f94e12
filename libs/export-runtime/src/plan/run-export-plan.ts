import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectSink } from '@rds-s3-export/aws';
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
import { s3ClientFor } from '../clients/s3-client.js';
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
  const sink = buildSink(plan, options.s3Client);
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

function buildSink(plan: ExportPlan, client?: S3Client): ObjectSink {
  if (plan.destination.kind === 'file') return new LocalFolderSink(plan.destination.directory);
  return new S3ObjectSink({ client: client ?? s3ClientFor(plan.s3Endpoint), bucket: plan.destination.bucket });
}
