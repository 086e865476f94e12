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
 *
 * Each job's secret and TLS mode come from its connection in the deployment config, not from
 * the environment.
 */
export interface ExporterEnv {
  readonly exportBucket: string;
  readonly stateTable: string;
  /** The deployment config file. */
  readonly configFile: string;
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
  return { exportBucket, stateTable, configFile: get(CONFIG_ENV) || bundledConfigFile() };
}
