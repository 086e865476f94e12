import {
  CsvDialectSchema,
  type CsvDialect,
  type CsvDialectInput,
  type Destination,
  type JobConfig,
} from '@rds-s3-export/shared-types';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { ConfigError, parseConnectionUrl, type ConnectionSettings, type ExportRequest } from '@rds-s3-export/export-core';
import { urlOrConfiguredTls } from '../connection/connection-tls.js';

/** The CLI's connect timeout when neither --connect-timeout nor the URL sets one: a wrong host or port fails in seconds. */
export const DEFAULT_CLI_CONNECT_TIMEOUT_SECONDS = 5;

/** Environment variable that supplies the database password for local runs (never config). */
export const PASSWORD_ENV = 'RDS_S3_EXPORT_DB_PASSWORD';

/**
 * A file destination has no bucket, but a resolved job does: this stands in for it and is never
 * used (the objects go to the folder).
 */
const NO_BUCKET_FOR_FILE_DESTINATION = 'file-destination';

/** Everything needed to run one export, resolved from the CLI and the deployment config. */
export interface ExportPlan {
  readonly connection: ConnectionSettings;
  readonly destination: Destination;
  readonly request: ExportRequest;
  readonly s3Endpoint?: string;
  /** Parallel export in key-range chunks. */
  readonly parallel?: { readonly chunks: number; readonly concurrency: number; readonly keyColumn: string };
  /** Values that must never be printed (the password). */
  readonly secrets: readonly string[];
  /** The --job job's own `statementTimeoutSeconds`; local runs have no default (no Lambda deadline). */
  readonly statementTimeoutSeconds?: number;
}

/**
 * What a caller asks for: the CLI's parsed options (its `CliCommand` is one). Every field but
 * `jobName` is optional; a `configJob` fills the rest from the deployment config, and the
 * fields given here win over the job's.
 */
export interface ExportPlanInput {
  readonly jobName: string;
  /** A job of the deployment config (--job). */
  readonly configJob?: string;
  /** The deployment config file (--config). @default RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml */
  readonly configFile?: string;
  readonly sourceUrl?: string;
  readonly table?: string;
  readonly query?: string;
  readonly allowPrivilegedQuery?: boolean;
  readonly destination?: Destination;
  readonly layout?: 'hive' | 'flat';
  readonly compression?: 'none' | 'gzip';
  /** Output format (--format). @default the job's format, else 'csv' */
  readonly format?: 'csv' | 'parquet';
  readonly runTime?: Date;
  readonly s3Endpoint?: string;
  readonly maxRowsPerFile?: number;
  readonly maxBytesPerFile?: number;
  readonly chunks?: number;
  readonly chunkKey?: string;
  readonly concurrency?: number;
  /** Seconds. @default the URL's, else the --job connection's connectTimeoutSeconds, else DEFAULT_CLI_CONNECT_TIMEOUT_SECONDS */
  readonly connectTimeoutSeconds?: number;
  /** CSV dialect fields that win over the job's csv, field by field. */
  readonly csv?: Partial<CsvDialectInput>;
}

export function resolvePlan(command: ExportPlanInput, env: NodeJS.ProcessEnv, now: Date, cwd: string = process.cwd()): ExportPlan {
  // --dest wins over the file's bucket, as the stack's bucket does in AWS.
  const bucket = command.destination?.kind === 's3' ? command.destination.bucket : command.destination ? NO_BUCKET_FOR_FILE_DESTINATION : undefined;
  const job: JobConfig | undefined = command.configJob
    ? loadDeploymentConfig({ ...(command.configFile !== undefined && { path: command.configFile }), cwd, env, ...(bucket !== undefined && { bucket }) }).job(command.configJob)
    : undefined;
  const sourceUrl = command.sourceUrl ?? job?.connection.url;
  if (!sourceUrl) {
    throw new ConfigError('SOURCE_MISSING', `job "${command.jobName}" has no connection.url for local runs; pass --source`);
  }
  const parsed = parseConnectionUrl(sourceUrl);
  const password = parsed.password || env[PASSWORD_ENV] || '';
  // The URL's sslmode/ssl-mode when it states one, else the connection's `tls` of the file, else none.
  const tls = urlOrConfiguredTls(parsed, job?.connection.tls);
  // --connect-timeout, else the URL's connect_timeout/connect-timeout, else the connection's connectTimeoutSeconds, else 5 s.
  const seconds = command.connectTimeoutSeconds ?? job?.connection.connectTimeoutSeconds ?? DEFAULT_CLI_CONNECT_TIMEOUT_SECONDS;
  const connectTimeoutMs = command.connectTimeoutSeconds !== undefined ? seconds * 1000 : (parsed.connectTimeoutMs ?? seconds * 1000);
  const connection: ConnectionSettings = {
    engine: parsed.engine,
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    database: parsed.database,
    password,
    connectTimeoutMs,
    ...(tls ? { tls } : {}),
  };
  const family = (engine: string) => (engine === 'postgres' ? 'postgres' : 'mysql');
  if (job && family(connection.engine) !== family(job.engine)) {
    throw new ConfigError('SOURCE_ENGINE_MISMATCH', `job "${job.name}" is a ${job.engine} job but --source is ${connection.engine}`);
  }

  const destination: Destination =
    command.destination ?? (job ? { kind: 's3', bucket: job.destination.bucket, prefix: job.destination.prefix } : undefined)!;
  // Dialect flags win over the job's csv, field by field (parse-args checked them with the same schema).
  const dialect: CsvDialect = CsvDialectSchema.parse({ ...job?.csv, ...command.csv });
  const request: ExportRequest = {
    job: command.jobName,
    table: job?.table ?? command.table,
    query: job?.query ?? command.query,
    allowPrivilegedQuery: command.allowPrivilegedQuery || job?.allowPrivilegedQuery,
    columns: job?.columns,
    dialect,
    prefix: destination.prefix || (destination.kind === 's3' ? (job?.destination.prefix ?? 'rds_exports') : 'rds_exports'),
    manifestPrefix: job?.destination.manifestPrefix ?? '_manifests',
    layout: command.layout ?? job?.destination.layout ?? 'hive',
    compression: command.compression ?? job?.destination.compression ?? 'none',
    format: command.format ?? job?.format ?? 'csv',
    runTime: command.runTime ?? now,
    limits: {
      maxRows: command.maxRowsPerFile ?? job?.limits.maxRowsPerFile,
      maxBytes: command.maxBytesPerFile ?? job?.limits.maxBytesPerFile,
    },
  };
  const parallel = command.chunks
    ? { chunks: command.chunks, concurrency: command.concurrency ?? 4, keyColumn: command.chunkKey ?? job?.primaryKey?.[0] ?? 'id' }
    : undefined;
  return {
    connection,
    destination,
    request,
    s3Endpoint: command.s3Endpoint,
    ...(parallel ? { parallel } : {}),
    secrets: password ? [password] : [],
    ...(job?.statementTimeoutSeconds !== undefined ? { statementTimeoutSeconds: job.statementTimeoutSeconds } : {}),
  };
}
