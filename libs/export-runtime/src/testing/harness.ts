/**
 * Shared plumbing of the reliability suites (tools/reliability: faults, soak; the CLI's hostile inputs): the local stack
 * (s3rver + dynalite), a handler wired to it, log capture, and the assertions every fault
 * case makes ("nothing partial visible", "cursor unchanged").
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDbStateStore, ensureStateTable, S3ObjectSink } from '@rds-s3-export/aws';
import { systemClock, type Logger, type LogFields } from '@rds-s3-export/export-core';
import type { JobConfig, RunSummary } from '@rds-s3-export/shared-types';
import { localDynamoClientConfig, localS3ClientConfig, startDynamo, startS3, type LocalDynamo, type LocalS3 } from '@rds-s3-export/aws/testing';
import { createExporterHandler, type HandlerContext } from '../handler/exporter-handler.js';
import type { CredentialSource, JobAdapters } from '../job/run-job-with-credentials.js';

export const STATE_TABLE = 'rel-state';

export interface Stack {
  readonly s3: LocalS3;
  readonly dynamo: LocalDynamo;
  readonly s3Client: S3Client;
  readonly dynamoClient: DynamoDBClient;
  stateStore(now?: () => number): DynamoDbStateStore;
  stop(): Promise<void>;
}

export async function startStack(buckets: readonly string[]): Promise<Stack> {
  const s3 = await startS3({ buckets });
  const dynamo = await startDynamo();
  const s3Client = new S3Client(localS3ClientConfig(s3.endpoint));
  const dynamoClient = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
  await ensureStateTable(dynamoClient, STATE_TABLE);
  return {
    s3,
    dynamo,
    s3Client,
    dynamoClient,
    stateStore: (now) => new DynamoDbStateStore({ client: dynamoClient, tableName: STATE_TABLE, ...(now ? { now } : {}) }),
    stop: async () => {
      s3Client.destroy();
      dynamoClient.destroy();
      await dynamo.stop();
      await s3.stop();
    },
  };
}

/** A logger that keeps every line as JSON text (what CloudWatch would hold). */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const emit = (level: string) => (message: string, fields?: LogFields) => lines.push(JSON.stringify({ level, message, ...fields }));
  return { lines, logger: { debug: emit('DEBUG'), info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') } };
}

export interface DbLogin {
  readonly user: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export function credentialsOf(login: DbLogin | (() => DbLogin)): CredentialSource {
  return {
    get: async () => {
      const l = typeof login === 'function' ? login() : login;
      return { username: l.user, password: l.password, host: l.host, port: l.port, database: l.database };
    },
  };
}

export interface HandlerOptions {
  readonly stack: Stack;
  readonly job: () => JobConfig;
  readonly logger: Logger;
  /** Per-run adapter overrides (sink, credentials, state, …), evaluated for every invocation. */
  readonly adapters: (job: JobConfig) => Partial<JobAdapters> & { credentials: CredentialSource };
  readonly s3Client?: S3Client;
}

export function handlerFor(options: HandlerOptions) {
  return createExporterHandler({
    logger: options.logger,
    jobs: (name) => {
      const job = options.job();
      if (name !== job.name) throw new Error(`unexpected job ${name}`);
      return job;
    },
    adaptersFor: (job, context: HandlerContext, runLogger) => ({
      sink: new S3ObjectSink({ client: options.s3Client ?? options.stack.s3Client, bucket: job.destination.bucket, partSizeBytes: 5 * 1024 * 1024 }),
      state: options.stack.stateStore(),
      logger: runLogger,
      clock: systemClock,
      owner: context.awsRequestId ?? `rel-${Math.random().toString(36).slice(2)}`,
      leaseTtlMs: 60_000,
      ...options.adapters(job),
    }),
  });
}

/** Distinct scheduled times, one minute apart: every run is its own slot unless a test reuses one. */
export function slotClock(start = Date.UTC(2026, 4, 1)): () => string {
  let n = 0;
  return () => new Date(start + ++n * 60_000).toISOString();
}

export async function keysUnder(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(listed.Contents ?? []).map((o) => o.Key ?? ''));
    token = listed.IsTruncated ? listed.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function objectText(client: S3Client, bucket: string, key: string): Promise<string> {
  return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

/** Everything a consumer could see of a job: data objects and manifests. */
export async function visibleObjects(client: S3Client, job: JobConfig): Promise<{ data: string[]; manifests: string[] }> {
  return {
    data: await keysUnder(client, job.destination.bucket, `${job.destination.prefix}/${job.name}/`),
    manifests: await keysUnder(client, job.destination.bucket, `${job.destination.manifestPrefix}/${job.name}/`),
  };
}

/** The run summary lines of a job in a captured log. */
export function summaries(lines: readonly string[]): RunSummary[] {
  return lines.filter((l) => l.includes('"message":"run summary"')).map((l) => JSON.parse(l) as RunSummary);
}

/**
 * An S3 client whose HTTP layer answers some requests with a real S3 `500 InternalError`
 * response (the SDK deserializes it and its retry strategy decides), for "5xx on some parts".
 * `fail(request)` sees method, path and query of every request on the wire.
 */
export function s3ClientFailing(
  config: S3ClientConfig,
  fail: (request: { method: string; path: string; query: Record<string, unknown> }) => boolean,
): S3Client {
  const client = new S3Client(config);
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = (args as { request: { method: string; path: string; query?: Record<string, unknown> } }).request;
      if (fail({ method: request.method, path: request.path, query: request.query ?? {} })) {
        const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>';
        return {
          response: { statusCode: 500, reason: 'Internal Server Error', headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(body)]) },
          output: undefined as never,
        } as never;
      }
      return next(args);
    },
    // Inside the deserializer and the retry middleware: this stands in for the HTTP exchange.
    { step: 'deserialize', priority: 'low', name: 'injectServerErrors' },
  );
  return client;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
