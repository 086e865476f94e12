/**
 * Starts the requested local servers together, for the one-command demo and for tests.
 *
 * @example
 * const stack = await startLocalStack({ s3: { buckets: ['exports'] }, postgres: { seedEmployees: 10_000 }, dynamo: false });
 * try { ... } finally { await stack.stop(); }
 */
import { startPostgres, type LocalPostgres, type StartPostgresOptions } from './postgres.js';
import { startDynamo, startS3, type LocalDynamo, type LocalS3, type StartDynamoOptions, type StartS3Options } from '@rds-s3-export/aws/testing';

export interface LocalStackOptions {
  /** @default {} (started, no buckets) */
  readonly s3?: StartS3Options | false;
  /** @default {} (started, no seed) */
  readonly postgres?: StartPostgresOptions | false;
  /** @default {} (started) */
  readonly dynamo?: StartDynamoOptions | false;
}

export interface LocalStack {
  readonly s3?: LocalS3;
  readonly postgres?: LocalPostgres;
  readonly dynamo?: LocalDynamo;
  /** Stops every started server (all of them, even if one fails). Idempotent. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // Started in parallel: PGlite's WASM start-up dominates, the others take milliseconds.
  const results = await Promise.allSettled([
    options.s3 === false ? undefined : startS3(options.s3),
    options.postgres === false ? undefined : startPostgres(options.postgres),
    options.dynamo === false ? undefined : startDynamo(options.dynamo),
  ]);
  const [s3, postgres, dynamo] = results.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as [
    LocalS3 | undefined,
    LocalPostgres | undefined,
    LocalDynamo | undefined,
  ];
  const servers = [s3, postgres, dynamo].filter((server) => server !== undefined);
  const stopAll = async (): Promise<void> => {
    const stopped = await Promise.allSettled(servers.map((server) => server.stop()));
    const failures = stopped.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'local stack: some servers failed to stop');
  };

  const failed = results.find((result) => result.status === 'rejected');
  if (failed) {
    await stopAll().catch(() => undefined);
    throw failed.reason;
  }

  let stopping: Promise<void> | undefined;
  return {
    ...(s3 && { s3 }),
    ...(postgres && { postgres }),
    ...(dynamo && { dynamo }),
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
