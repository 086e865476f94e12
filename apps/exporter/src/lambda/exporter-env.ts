import { bucketNameProblem, RdsExportError } from '@rds-s3-export/shared-types';

/** The exporter Lambda's environment, read once per container through this one helper. */
export interface ExporterEnv {
  /** Bucket of data objects and manifests (set by the CDK stack). */
  readonly exportBucket: string;
  /** TLS to the database with the RDS CA bundle. @default true */
  readonly databaseTls: boolean;
}

export class EnvError extends RdsExportError {
  override readonly name = 'EnvError';
  constructor(message: string) {
    super('config', 'ENV_INVALID', message);
  }
}

/** Trims every value; names the variable that is missing or wrong. */
export function readExporterEnv(env: NodeJS.ProcessEnv): ExporterEnv {
  const get = (key: string) => env[key]?.trim() ?? '';
  const exportBucket = get('EXPORT_BUCKET');
  if (!exportBucket) throw new EnvError('environment variable EXPORT_BUCKET is not set');
  const problem = bucketNameProblem(exportBucket);
  if (problem) throw new EnvError(`environment variable EXPORT_BUCKET "${exportBucket}" ${problem}`);
  const tls = get('DATABASE_TLS') || 'true';
  if (tls !== 'true' && tls !== 'false') throw new EnvError(`environment variable DATABASE_TLS must be "true" or "false" (got "${tls}")`);
  return { exportBucket, databaseTls: tls === 'true' };
}
