import { ConfigError } from '@rds-s3-export/export-core';

/**
 * The ports of the local stack `npm start` runs and `npm run invoke` talks to, each set by one
 * environment variable (0 = any free port, where the server allows it). The dashboard's
 * DASHBOARD_PORT is read by its own server (apps/dashboard-api) and checked by the launcher.
 */
export const LOCAL_PORT_VARIABLES = {
  s3Port: { variable: 'DEMO_S3_PORT', what: 'local S3 (s3rver)', default: 4569 },
  dynamoPort: { variable: 'DEMO_DYNAMO_PORT', what: 'local DynamoDB (dynalite)', default: 4570 },
  /** The sample database's port; default the port of the job's connection.url (55432 in the demo config). */
  pgPort: { variable: 'DEMO_PG_PORT', what: 'sample PostgreSQL (PGlite)', default: undefined },
} as const;

/** The sample database's port in the demo's config (tools/demo/rds-s3-export.demo.yaml): the one DEMO_PG_PORT moves. */
export const DEMO_SAMPLE_PG_PORT = 55432;

/** The table of leases and cursors in the local DynamoDB. */
export const LOCAL_STATE_TABLE = 'rds-s3-export-state';

export interface LocalPorts {
  readonly s3Port: number;
  readonly dynamoPort: number;
  readonly pgPort?: number;
}

/** Reads the ports from `env` (an entry point passes process.env); a value that is not a port is refused, naming its variable. */
export function localPorts(env: NodeJS.ProcessEnv): LocalPorts {
  const read = (key: keyof typeof LOCAL_PORT_VARIABLES): number | undefined => {
    const { variable, default: fallback } = LOCAL_PORT_VARIABLES[key];
    const text = env[variable]?.trim();
    if (!text) return fallback;
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65_535) throw new ConfigError('PORT_INVALID', `${variable}="${text}" is not a TCP port (0-65535)`);
    return port;
  };
  const pgPort = read('pgPort');
  return { s3Port: read('s3Port') as number, dynamoPort: read('dynamoPort') as number, ...(pgPort !== undefined && { pgPort }) };
}
