import { ConfigError } from '@rds-s3-export/export-core';
import type { JobConfig } from '@rds-s3-export/shared-types';
import type { CredentialSource } from '../job/run-job-with-credentials.js';

/**
 * Credentials whose port is the connection's: in AWS the stack opens the exporter's security group
 * (and the database's) only on `connections.<name>.port`, so connecting anywhere else would time out
 * with no hint. A secret without a port (0) gets the connection's; a secret whose port differs is
 * refused before any connection opens, with both ports named. Only the secret's port is compared:
 * host, user and database stay the secret's.
 */
export function withConnectionPort(credentials: CredentialSource, job: Pick<JobConfig, 'name' | 'connection'>): CredentialSource {
  const configured = job.connection.port;
  if (configured === undefined) return credentials;
  return {
    get: async (options) => {
      const c = await credentials.get(options);
      if (c.port && c.port !== configured) {
        throw new ConfigError(
          'CONNECTION_PORT_MISMATCH',
          `job "${job.name}": the secret of connection "${job.connection.name}" says port ${c.port}, the deployment config says ${configured} ` +
            `(the security groups allow only ${configured}); set connections.${job.connection.name}.port to ${c.port}, or fix the secret`,
        );
      }
      return { ...c, port: configured };
    },
  };
}
