import { parseConnectionUrl } from '@rds-s3-export/export-core';
import type { CredentialSource } from '../job/run-job-with-credentials.js';

/**
 * Credentials for local runs: the job's `connection.url` (no password in config) plus the
 * password from RDS_S3_EXPORT_DB_PASSWORD. Stands in for Secrets Manager, which has no local server.
 */
export function urlCredentials(url: string, password = process.env.RDS_S3_EXPORT_DB_PASSWORD ?? ''): CredentialSource {
  const settings = parseConnectionUrl(url);
  const value = { username: settings.user, password: settings.password || password, host: settings.host, port: settings.port, database: settings.database };
  return { get: async () => value };
}
