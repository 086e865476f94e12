/**
 * The exporter Lambda's entry point (EventBridge Scheduler -> this -> RDS -> S3). Builds the
 * AWS adapters and reads the deployment config bundled with the function once per container
 * (module scope), and hands them to the handler. Each job's credentials come from its
 * connection's secret, its TLS from the connection's `tls` (default verify-full with the RDS CA bundle).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbStateStore, S3ObjectSink, SecretsManagerCredentials } from '@rds-s3-export/aws';
import { ConfigError, systemClock, type Logger as PortLogger } from '@rds-s3-export/export-core';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { withConnectionPort } from '../compose/connection-port.js';
import { connectionTls } from '../compose/connection-tls.js';
import { readExporterEnv } from './exporter-env.js';
import { createExporterHandler, createStagedHandler, type HandlerContext, type HandlerDependencies } from './exporter-handler.js';

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
const s3 = new S3Client({});
const secrets = new SecretsManagerClient({});
const dynamo = new DynamoDBClient({});
const sink = new S3ObjectSink({ client: s3, bucket: env.exportBucket });
const state = new DynamoDbStateStore({ client: dynamo, tableName: env.stateTable });
const credentials = new Map<string, SecretsManagerCredentials>();
const dependencies: HandlerDependencies = {
  logger,
  jobs: (name) => config.job(name),
  metrics: {
    addDimension: (name, value) => metrics.addDimension(name, value),
    addMetric: (name, unit, value) => metrics.addMetric(name, MetricUnit[unit], value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  },
  adaptersFor: (job, context, runLogger) => {
    // The stack grants read on exactly the connections' secrets; IAM allows no other.
    const secretId = job.connection.secret;
    if (!secretId) throw new ConfigError('JOB_NO_SECRET', `job "${job.name}": connection "${job.connection.name}" has no secret; set connections.${job.connection.name}.secret in the deployment config`);
    let provider = credentials.get(secretId);
    if (!provider) {
      provider = new SecretsManagerCredentials({ client: secrets, secretId });
      credentials.set(secretId, provider);
    }
    return {
      credentials: withConnectionPort(provider, job),
      sink,
      state,
      logger: runLogger,
      clock: systemClock,
      owner: context.awsRequestId ?? `local-${process.pid}`,
      tls: connectionTls(job.connection.tls ?? 'verify-full'),
      remainingTimeMs: context.getRemainingTimeInMillis?.bind(context),
    };
  },
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
