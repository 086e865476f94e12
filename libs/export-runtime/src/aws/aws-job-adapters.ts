/**
 * A job's adapters in AWS, for the exporter Lambda: credentials from the job's connection's
 * secret in Secrets Manager (one provider per secret, cached per container), held to the
 * connection's port; data and manifests in the stack's bucket; leases and cursors in its state
 * table; TLS from the connection's `tls` (default verify-full with the RDS CA bundle); the deadline
 * from the invocation's remaining time. The SDK clients come from the entry point (built once per
 * container); nothing here reads the environment.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbStateStore, S3ObjectSink, SecretsManagerCredentials } from '@rds-s3-export/aws';
import { ConfigError, systemClock } from '@rds-s3-export/export-core';
import { withConnectionPort } from '../connection/connection-port.js';
import { connectionTls } from '../connection/connection-tls.js';
import type { HandlerDependencies } from '../handler/exporter-handler.js';

export interface AwsJobAdaptersOptions {
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  readonly dynamo: DynamoDBClient;
  /** The stack's bucket (EXPORT_BUCKET): every job's. */
  readonly exportBucket: string;
  /** The stack's state table (STATE_TABLE). */
  readonly stateTable: string;
}

export function awsJobAdapters(options: AwsJobAdaptersOptions): HandlerDependencies['adaptersFor'] {
  const sink = new S3ObjectSink({ client: options.s3, bucket: options.exportBucket });
  const state = new DynamoDbStateStore({ client: options.dynamo, tableName: options.stateTable });
  const credentials = new Map<string, SecretsManagerCredentials>();
  return (job, context, runLogger) => {
    // The stack grants read on exactly the connections' secrets; IAM allows no other.
    const secretId = job.connection.secret;
    if (!secretId) throw new ConfigError('JOB_NO_SECRET', `job "${job.name}": connection "${job.connection.name}" has no secret; set connections.${job.connection.name}.secret in the deployment config`);
    let provider = credentials.get(secretId);
    if (!provider) {
      provider = new SecretsManagerCredentials({ client: options.secrets, secretId });
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
      ...(job.connection.connectTimeoutSeconds !== undefined ? { connectTimeoutMs: job.connection.connectTimeoutSeconds * 1000 } : {}),
      remainingTimeMs: context.getRemainingTimeInMillis?.bind(context),
    };
  };
}
