/**
 * The exporter Lambda's entry point (EventBridge Scheduler -> this -> RDS -> S3). Builds the
 * AWS adapters and reads the deployment config bundled with the function once per container
 * (module scope), and hands them to the handlers of libs/export-runtime; `awsJobAdapters` there
 * builds each job's adapters (its connection's secret, TLS, the stack's bucket and state table).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger as PortLogger } from '@rds-s3-export/export-core';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { GlueTableColumns } from '@rds-s3-export/aws';
import { awsJobAdapters, createExporterHandler, createStagedHandler, type HandlerContext, type HandlerDependencies } from '@rds-s3-export/export-runtime';
import { readExporterEnv } from './exporter-env.js';

const env = readExporterEnv(process.env);
// Validated again here (the same schema as at synth), with the stack's bucket as every job's.
const config = loadDeploymentConfig({ path: env.configFile, env: {}, bucket: env.exportBucket, requireSecrets: true });
const powertools = new Logger({ serviceName: 'rds-s3-export' });
/** Powertools takes the extra fields as one object argument; the port passes them the same way. */
const logger: PortLogger = {
  debug: (message, fields) => powertools.debug(message, fields ?? {}),
  info: (message, fields) => powertools.info(message, fields ?? {}),
  warn: (message, fields) => powertools.warn(message, fields ?? {}),
  error: (message, fields) => powertools.error(message, fields ?? {}),
};
const metrics = new Metrics({ namespace: 'RdsS3Export', serviceName: 'rds-s3-export' });

const dependencies: HandlerDependencies = {
  logger,
  jobs: (name) => config.job(name),
  metrics: {
    addDimension: (name, value) => metrics.addDimension(name, value),
    addMetric: (name, unit, value) => metrics.addMetric(name, MetricUnit[unit], value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  },
  adaptersFor: awsJobAdapters({
    s3: new S3Client({}),
    secrets: new SecretsManagerClient({}),
    dynamo: new DynamoDBClient({}),
    exportBucket: env.exportBucket,
    stateTable: env.stateTable,
  }),
  ...(env.glue && {
    glue: {
      // Short timeouts and one retry: a Glue failure is only a warning (the export is committed),
      // so it must not eat the function's remaining time.
      columns: new GlueTableColumns({ client: new GlueClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } }) }),
      ...env.glue,
    },
  }),
};

const direct = createExporterHandler(dependencies);
const staged = createStagedHandler(dependencies);

/**
 * One function for both paths: the scheduler's `{job, scheduledTime}` runs a job in this
 * invocation; `{action: plan|chunk|commit|abort, …}` is a step of a parallel run on Step Functions.
 */
export async function handler(event: unknown, context?: HandlerContext): Promise<unknown> {
  const isStaged = typeof event === 'object' && event !== null && 'action' in event;
  return isStaged ? staged(event, context) : direct(event, context);
}
