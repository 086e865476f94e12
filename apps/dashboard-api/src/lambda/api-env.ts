import { fileURLToPath } from 'node:url';
import { BUNDLED_CONFIG_FILE, CONFIG_ENV } from '@rds-s3-export/jobs';

/** The one place the API's Lambda environment is read: trimmed, with the missing key named. */
export interface ApiEnv {
  readonly exportBucket: string | undefined;
  readonly exporterLogGroup: string;
  /** The deployment config: RDS_S3_EXPORT_CONFIG, else the deployment-config.json bundled next to the handler. */
  readonly configFile: string;
}

export function readApiEnv(source: Readonly<Record<string, string | undefined>>): ApiEnv {
  const optional = (name: string) => {
    const value = source[name]?.trim();
    return value ? value : undefined;
  };
  const required = (name: string) => {
    const value = optional(name);
    if (!value) throw new Error(`environment variable ${name} is not set; the dashboard API needs it`);
    return value;
  };
  return {
    exportBucket: optional('EXPORT_BUCKET'),
    exporterLogGroup: required('EXPORTER_LOG_GROUP'),
    configFile: optional(CONFIG_ENV) ?? fileURLToPath(new URL(`./${BUNDLED_CONFIG_FILE}`, import.meta.url)),
  };
}
