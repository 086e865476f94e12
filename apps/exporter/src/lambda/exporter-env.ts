import { bucketNameProblem, RdsExportError } from '@rds-s3-export/shared-types';

/** The exporter Lambda's environment, read once per container through this one helper. */
export interface ExporterEnv {
  /** Bucket of data objects and manifests (set by the CDK stack). */
  readonly exportBucket: string;
  /** DynamoDB table of leases and cursors (set by the CDK stack). */
  readonly stateTable: string;
  /** TLS to the database with the RDS CA bundle. @default true */
  readonly databaseTls: boolean;
  /** The database secret the stack granted (overrides the jobs' `connection.secret`). */
  readonly databaseSecretArn?: string;
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
  const required = (key: string) => {
    const value = get(key);
    if (!value) throw new EnvError(`environment variable ${key} is not set`);
    return value;
  };
  const exportBucket = required('EXPORT_BUCKET');
  const problem = bucketNameProblem(exportBucket);
  if (problem) throw new EnvError(`environment variable EXPORT_BUCKET "${exportBucket}" ${problem}`);
  const stateTable = required('STATE_TABLE');
  const tls = get('DATABASE_TLS') || 'true';
  if (tls !== 'true' && tls !== 'false') throw new EnvError(`environment variable DATABASE_TLS must be "true" or "false" (got "${tls}")`);
  const databaseSecretArn = get('DATABASE_SECRET_ARN') || undefined;
  return { exportBucket, stateTable, databaseTls: tls === 'true', ...(databaseSecretArn ? { databaseSecretArn } : {}) };
}
