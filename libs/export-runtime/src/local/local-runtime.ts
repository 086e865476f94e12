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
import { ConfigError, parseConnectionUrl, systemClock, type Logger, type LogFields } from '@rds-s3-export/export-core';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { createExporterHandler } from '../handler/exporter-handler.js';
import { urlOrConfiguredTls } from '../connection/connection-tls.js';
import { urlCredentials } from '../connection/url-credentials.js';
import { s3ClientFor } from '../clients/s3-client.js';

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
  /**
   * Reaches a connection on another port (a demo database that moved): every connection when
   * `from` is unset (the demo runs its own config), else only a url that names port `from`
   * (`npm run invoke` with DEMO_PG_PORT moves the sample database, not the user's own).
   * @default each url's own port
   */
  readonly databasePort?: { readonly to: number; readonly from?: number };
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
      const url = withPort(job.connection.url, options.databasePort);
      // The URL's sslmode/ssl-mode and connect timeout apply as they do for the CLI.
      const parsed = parseConnectionUrl(url);
      return {
        credentials: urlCredentials(url),
        sink: new S3ObjectSink({ client: s3, bucket: job.destination.bucket }),
        state,
        logger: runLogger,
        clock: systemClock,
        owner: context.awsRequestId ?? `local-${process.pid}`,
        tls: urlOrConfiguredTls(parsed, job.connection.tls),
        ...connectTimeout(parsed.connectTimeoutMs ?? (job.connection.connectTimeoutSeconds ?? 0) * 1000),
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

/** The URL's connect timeout, else the connection's; none (the sources' default) when neither sets one. */
function connectTimeout(ms: number): { connectTimeoutMs?: number } {
  return ms > 0 ? { connectTimeoutMs: ms } : {};
}

function withPort(url: string, move: LocalRuntimeOptions['databasePort']): string {
  if (move === undefined) return url;
  const parsed = new URL(url);
  if (move.from !== undefined && parsed.port !== String(move.from)) return url;
  parsed.port = String(move.to);
  return parsed.toString();
}
