/**
 * One scheduled run of a job in its own process, for "process killed with SIGKILL mid-export"
 * (faults suite, soak). The parent starts it with `node --import tsx child-run.ts '<json>'`, waits
 * for the line `STREAMING` (the first data bytes reached the sink) and kills it with -9, then
 * checks that nothing was committed and that the next run redoes the window.
 *
 * Input (one JSON argument): job config, the scheduled time, the local stack's endpoints, the
 * database login, the lease TTL, and a per-chunk delay that keeps the export in flight.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbStateStore, S3ObjectSink } from '@rds-s3-export/aws';
import { systemClock, type Logger, type ObjectSink } from '@rds-s3-export/export-core';
import { FaultInjectingSink } from '@rds-s3-export/export-core/testing';
import { JobConfigSchema } from '@rds-s3-export/shared-types';
import { localDynamoClientConfig, localS3ClientConfig } from '@rds-s3-export/aws/testing';
import { createExporterHandler } from '@rds-s3-export/export-runtime';

export interface ChildRunInput {
  readonly job: unknown;
  readonly scheduledTime: string;
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  readonly stateTable: string;
  readonly login: { user: string; password: string; host: string; port: number; database: string };
  readonly leaseTtlMs: number;
  readonly delayPerChunkMs: number;
  readonly owner: string;
  /** Never finish the manifest write (print MANIFEST instead): the parent kills the process there. */
  readonly hangOnManifest?: boolean;
}

async function runJobInChildProcess(input: ChildRunInput): Promise<void> {
  const job = JobConfigSchema.parse(input.job);
  const s3 = new S3Client(localS3ClientConfig(input.s3Endpoint));
  const dynamo = new DynamoDBClient(localDynamoClientConfig(input.dynamoEndpoint));
  const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const handler = createExporterHandler({
    logger: quiet,
    jobs: () => job,
    adaptersFor: (_job, _context, logger) => ({
      credentials: { get: async () => ({ ...input.login, username: input.login.user }) },
      sink: hangingManifest(
        new FaultInjectingSink(new S3ObjectSink({ client: s3, bucket: job.destination.bucket, partSizeBytes: 5 * 1024 * 1024 }), {
          onFirstChunk: () => {
            if (!input.hangOnManifest) process.stdout.write('STREAMING\n');
          },
          delayPerChunkMs: input.delayPerChunkMs,
        }),
        input.hangOnManifest === true,
      ),
      state: new DynamoDbStateStore({ client: dynamo, tableName: input.stateTable }),
      logger,
      clock: systemClock,
      owner: input.owner,
      leaseTtlMs: input.leaseTtlMs,
    }),
  });
  const summary = await handler({ job: job.name, scheduledTime: input.scheduledTime });
  process.stdout.write(`SUMMARY ${JSON.stringify(summary)}\n`);
  s3.destroy();
  dynamo.destroy();
}

/** With `hang`, the manifest write announces itself and never completes (the data object is complete by then). */
function hangingManifest(sink: FaultInjectingSink, hang: boolean): ObjectSink {
  if (!hang) return sink;
  return {
    describe: (key) => sink.describe(key),
    openWriter: (key, options) => sink.openWriter(key, options),
    putObject: () => {
      process.stdout.write('STREAMING\n');
      return new Promise<void>(() => undefined);
    },
    getObject: (key) => sink.getObject(key),
    deleteObject: (key) => sink.deleteObject(key),
    listKeys: (prefix) => sink.listKeys(prefix),
  };
}

runJobInChildProcess(JSON.parse(process.argv[2] ?? '{}') as ChildRunInput).catch((error: unknown) => {
  process.stdout.write(`FAILED ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
