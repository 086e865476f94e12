import { fileURLToPath } from 'node:url';
import { bucketNameProblem, RdsExportError } from '@rds-s3-export/shared-types';
import { BUNDLED_CONFIG_FILE, CONFIG_ENV } from '@rds-s3-export/jobs';

/**
 * The exporter Lambda's environment, read once per container through this one helper.
 *
 *   EXPORT_BUCKET          bucket of data objects and manifests (set by the CDK stack); every job's bucket
 *   STATE_TABLE            DynamoDB table of leases and cursors (set by the CDK stack)
 *   RDS_S3_EXPORT_CONFIG   optional: another deployment config file (tests); default the
 *                          deployment-config.json the CDK app bundles next to the handler
 *   GLUE_DATABASE          optional, with GLUE_TABLES: the Glue database of the Parquet jobs' tables
 *   GLUE_TABLES            optional: JSON object, job name -> Glue table name (set by the CDK stack
 *                          for `format: parquet` jobs); their columns follow each committed run
 *
 * Each job's secret and TLS mode come from its connection in the deployment config, not from
 * the environment.
 */
export interface ExporterEnv {
  readonly exportBucket: string;
  readonly stateTable: string;
  /** The deployment config file. */
  readonly configFile: string;
  /** The Parquet jobs' Glue tables; absent when the stack set none. */
  readonly glue?: { readonly databaseName: string; readonly tables: Readonly<Record<string, string>> };
}

export class EnvError extends RdsExportError {
  override readonly name = 'EnvError';
  constructor(message: string) {
    super('config', 'ENV_INVALID', message);
  }
}

/** The config the CDK app writes next to the bundled handler (`index.mjs`). */
export const bundledConfigFile = (): string => fileURLToPath(new URL(`./${BUNDLED_CONFIG_FILE}`, import.meta.url));

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
  const glue = readGlueTables(get('GLUE_DATABASE'), get('GLUE_TABLES'));
  return { exportBucket, stateTable, configFile: get(CONFIG_ENV) || bundledConfigFile(), ...(glue && { glue }) };
}

/** GLUE_DATABASE and GLUE_TABLES: both or neither; the tables a JSON object of non-empty strings. */
function readGlueTables(databaseName: string, tablesText: string): ExporterEnv['glue'] {
  if (!databaseName && !tablesText) return undefined;
  if (!databaseName || !tablesText) throw new EnvError('environment variables GLUE_DATABASE and GLUE_TABLES go together: set both or neither');
  let tables: unknown;
  try {
    tables = JSON.parse(tablesText);
  } catch {
    throw new EnvError('environment variable GLUE_TABLES is not JSON (expected {"<job>": "<table>", ...})');
  }
  const valid =
    typeof tables === 'object' && tables !== null && !Array.isArray(tables) && Object.values(tables).every((t) => typeof t === 'string' && t.trim() !== '');
  if (!valid) throw new EnvError('environment variable GLUE_TABLES must be a JSON object of job name -> Glue table name');
  return { databaseName, tables: tables as Record<string, string> };
}
