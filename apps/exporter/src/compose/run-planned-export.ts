import { S3Client } from '@aws-sdk/client-s3';
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
import type { ExportPlan } from './export-plan.js';

export interface RunOptions {
  readonly logger?: Logger;
  readonly onProgress?: (progress: ExportProgress) => void;
  readonly signal?: AbortSignal;
  /** Injected for tests; built from the plan otherwise. */
  readonly s3Client?: S3Client;
}

/** Builds the adapters for a plan and runs the export. */
export async function runPlannedExport(plan: ExportPlan, options: RunOptions = {}): Promise<Manifest> {
  const sink = buildSink(plan, options.s3Client);
  const sourceOptions = { statementTimeoutSeconds: plan.statementTimeoutSeconds };
  if (plan.parallel) {
    const source = createRowSource(plan.connection, sourceOptions);
    return runChunkedExport(plan.request, plan.parallel, { source, sink, clock: systemClock, logger: options.logger ?? silentLogger, signal: options.signal });
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

/**
 * An S3 client for the CLI. With a custom endpoint (a local S3 server): path-style, checksums
 * only when required (local servers do not speak aws-chunked), and the local server's
 * well-known test key when the environment has no credentials.
 */
export function s3ClientFor(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): S3Client {
  if (!endpoint) return new S3Client({});
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
  });
}
