/**
 * The exporter handler wired to the local stack: s3rver for S3, dynalite for the state table,
 * the jobs of a deployment config file, each job's `connection.url` for credentials (Secrets
 * Manager has no local server) and its connection's `tls` (default: none, as the URL says), and
 * JSON log lines on stdout plus a log file the dashboard reads (CloudWatch Logs stands in locally).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore, S3ObjectSink } from '@rds-s3-export/aws';
import { ConfigError, systemClock, type Logger, type LogFields } from '@rds-s3-export/export-core';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { createExporterHandler } from '../lambda/exporter-handler.js';
import { connectionTls } from '../compose/connection-tls.js';
import { s3ClientFor } from '../compose/run-planned-export.js';
import { urlCredentials } from './url-credentials.js';

/** Where the local stack listens; `npm start` uses these, `npm run invoke` connects to them. */
export const LOCAL_ENDPOINTS = {
  s3Port: Number(process.env.DEMO_S3_PORT ?? 4569),
  dynamoPort: Number(process.env.DEMO_DYNAMO_PORT ?? 4570),
  /** The sample database's port when not the one in the job's connection.url (55432). */
  pgPort: process.env.DEMO_PG_PORT ? Number(process.env.DEMO_PG_PORT) : undefined,
  stateTable: 'rds-s3-export-state',
} as const;

export interface LocalRuntimeOptions {
  /** The deployment config (`--config`). @default RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml in the working directory or the workspace root */
  readonly configFile?: string;
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  readonly stateTable: string;
  /** JSON lines of every run, for the dashboard. */
  readonly logFile?: string;
  /** Where log lines go besides the file. @default stdout */
  readonly echo?: (line: string) => void;
  /** Overrides the port of the job's connection.url (a demo database on another port). @default LOCAL_ENDPOINTS.pgPort */
  readonly databasePort?: number;
}

export function createLocalHandler(options: LocalRuntimeOptions) {
  const s3 = s3ClientFor(options.s3Endpoint);
  const dynamo = new DynamoDBClient({
    endpoint: options.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const state = new DynamoDbStateStore({ client: dynamo, tableName: options.stateTable });
  const logger = jsonLinesLogger(options.logFile, options.echo ?? ((line) => process.stdout.write(`${line}\n`)));
  const config = loadDeploymentConfig({ ...(options.configFile !== undefined && { path: options.configFile }) });
  const handler = createExporterHandler({
    logger,
    jobs: (name) => config.job(name),
    adaptersFor: (job, context, runLogger) => {
      if (!job.connection.url) throw new ConfigError('JOB_NO_URL', `job "${job.name}" has no connection.url for local runs`);
      return {
        credentials: urlCredentials(withPort(job.connection.url, options.databasePort ?? LOCAL_ENDPOINTS.pgPort)),
        sink: new S3ObjectSink({ client: s3, bucket: job.destination.bucket }),
        state,
        logger: runLogger,
        clock: systemClock,
        owner: context.awsRequestId ?? `local-${process.pid}`,
        tls: connectionTls(job.connection.tls ?? 'disable'),
      };
    },
  });
  return { handler, close: () => { s3.destroy(); dynamo.destroy(); } };
}


function jsonLinesLogger(file: string | undefined, echo: (line: string) => void): Logger {
  if (file) mkdirSync(dirname(file), { recursive: true });
  const emit = (level: string) => (message: string, fields: LogFields = {}) => {
    const line = JSON.stringify({ level, timestamp: new Date().toISOString(), service: 'rds-s3-export', message, ...fields });
    echo(line);
    if (file) appendFileSync(file, `${line}\n`);
  };
  return { debug: () => undefined, info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

function withPort(url: string, port: number | undefined): string {
  if (port === undefined) return url;
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}
