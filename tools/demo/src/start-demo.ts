/**
 * `npm start`: the whole pipeline on embedded defaults, with nothing to install.
 * Starts a local S3 (s3rver), a local DynamoDB (dynalite) for leases and cursors and a sample
 * PostgreSQL (PGlite, seeded with `employees`), runs the demo config's `employees` job through the
 * real handler, shows where the CSV is, then keeps running the job on its schedule (every
 * 5 minutes for the sample) so runs accumulate. Ctrl+C stops. `npm start -- --once` exits
 * after the first run (used by the tests and CI).
 */
// First: drops the AWS SDK's Node-version banner (only that warning; see libs/aws node-version-warning.ts).
import '@rds-s3-export/aws/ignore-node-version-warning';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureStateTable } from '@rds-s3-export/aws';
import { localDynamoClientConfig, startDynamo, startPostgres, startS3 } from '@rds-s3-export/local-stack';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { manifestKeyFor, ratePeriodMs, rateSlotAtOrBefore, type RunSummary } from '@rds-s3-export/shared-types';
import { createLocalHandler, LOCAL_PORT_VARIABLES, LOCAL_STATE_TABLE, localPorts } from '@rds-s3-export/export-runtime';
import { DEMO_CONFIG_FILE } from './demo-config.js';
import { PortInUseError, onPort } from './ports.js';

const SAMPLE_ROWS = Number(process.env.DEMO_ROWS ?? 10_000);

export interface DemoOptions {
  readonly workDir: string;
  /** @default DEMO_S3_PORT, else 4569 (0 = random) */
  readonly s3Port?: number;
  /** @default DEMO_DYNAMO_PORT, else 4570 (0 = random) */
  readonly dynamoPort?: number;
  /** @default DEMO_PG_PORT, else the port of the job's connection.url (55432) (0 = random) */
  readonly pgPort?: number;
  /** The time of the first run (its schedule slot names the run). @default now */
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** The deployment config with the `employees` job. @default the demo's own (tools/demo/rds-s3-export.demo.yaml) */
  readonly configFile?: string;
}

export async function startDemo(options: DemoOptions) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const configFile = options.configFile ?? DEMO_CONFIG_FILE;
  const job = loadDeploymentConfig({ path: configFile }).job('employees');
  const env = localPorts(process.env);
  const pgPort = options.pgPort ?? env.pgPort ?? Number(new URL(job.connection.url ?? 'postgres://x@127.0.0.1:55432/postgres').port);
  const logFile = join(options.workDir, 'logs', 'exporter.jsonl');

  // Every server started so far is stopped if a later one cannot start (a taken port): the
  // process must end with the one line that names the variable, not hang on an open socket.
  const started: { stop(): Promise<void> }[] = [];
  const stopStarted = async () => {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
  };
  let s3, dynamo, pg;
  try {
    s3 = await onPort(LOCAL_PORT_VARIABLES.s3Port, options.s3Port ?? env.s3Port, (port) => startS3({ port, directory: join(options.workDir, 's3'), buckets: [job.destination.bucket] }));
    started.push(s3);
    log(`started local S3 (s3rver) on ${s3.endpoint}, data in ${join(options.workDir, 's3')}`);
    dynamo = await onPort(LOCAL_PORT_VARIABLES.dynamoPort, options.dynamoPort ?? env.dynamoPort, (port) => startDynamo({ port }));
    started.push(dynamo);
    log(`started local DynamoDB (dynalite) on ${dynamo.endpoint} for leases and cursors`);
    const dynamoClient = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
    await ensureStateTable(dynamoClient, LOCAL_STATE_TABLE);
    dynamoClient.destroy();
    log(`starting sample PostgreSQL (PGlite) with ${SAMPLE_ROWS.toLocaleString('en-US')} employees …`);
    pg = await onPort(LOCAL_PORT_VARIABLES.pgPort, pgPort, (port) => startPostgres({ port, seedEmployees: SAMPLE_ROWS }));
    started.push(pg);
    log(`started sample PostgreSQL (PGlite) on 127.0.0.1:${pg.port}`);
  } catch (error) {
    await stopStarted();
    throw error;
  }
  const runtime = createLocalHandler({ configFile, s3Endpoint: s3.endpoint, dynamoEndpoint: dynamo.endpoint, stateTable: LOCAL_STATE_TABLE, logFile, echo: () => undefined, databasePort: { to: pg.port } });
  let timer: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (timer) clearTimeout(timer);
    runtime.close();
    await stopStarted();
  };

  const period = ratePeriodMs(job.schedule?.expression ?? 'rate(5 minutes)') ?? 5 * 60_000;
  /** Runs the slot at or before `at`, as EventBridge Scheduler would, and reports it. */
  const runSlot = async (at: Date): Promise<RunSummary | undefined> => {
    const scheduledTime = rateSlotAtOrBefore(period, at).toISOString();
    try {
      const summary = await runtime.handler({ job: job.name, scheduledTime });
      log(`[${new Date().toISOString()}] run ${summary.runId}: ${summary.status}, ${summary.rows} rows${summary.keys[0] ? ` -> ${summary.keys[0]}` : ''}`);
      return summary;
    } catch (error) {
      log(`[${new Date().toISOString()}] run failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  try {
    log(`exporting job "employees" (${job.engine} table ${job.table}) to s3://${job.destination.bucket}/${job.destination.prefix}/ …`);
    const summary = await runSlot(now());
    if (!summary) throw new Error(`the first run failed; see ${logFile}`);
    const key = summary.keys[0];
    const file = key ? s3.bucketPath(job.destination.bucket, key) : undefined;
    const manifestKey = manifestKeyFor(job.destination.manifestPrefix, job.name, summary.runId);
    log('');
    log(outcomeLine(summary));
    if (summary.status === 'committed' || summary.status === 'already-committed') {
      const manifest = JSON.parse(await readFile(s3.bucketPath(job.destination.bucket, manifestKey), 'utf8')) as { objects: { sha256: string }[] };
      if (key && file) {
        log(`  object:   s3://${job.destination.bucket}/${key}`);
        log(`  on disk:  ${file}`);
      }
      log(`  manifest: s3://${job.destination.bucket}/${manifestKey}`);
      if (key) log(`  sha256:   ${manifest.objects[0]?.sha256 ?? '-'}`);
    }
    log(`  run log:  ${logFile}`);
    if (file) {
      log('');
      log((await readFile(file, 'utf8')).split('\n').slice(0, 4).join('\n'));
      log('…');
    }
    log('');
    log('Look at it:');
    if (file) log(`  head ${file}`);
    log(`  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${s3.endpoint} s3 ls --recursive s3://${job.destination.bucket}/`);
    log(`  npm run -s invoke -- --config ${relative(process.cwd(), configFile) || configFile} --job employees --mode full      (a manual run against this stack)`);
    const schedule = () => {
      const next = rateSlotAtOrBefore(period, new Date()).getTime() + period;
      timer = setTimeout(() => void runSlot(new Date()).then(schedule), next - Date.now());
      timer.unref?.();
    };
    return { summary, file, stop, startSchedule: schedule, periodMs: period };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * What the first run did, in words: a restarted demo whose slot is already committed (the
 * objects survive in the S3 folder) or whose window has no new rows must not claim an export.
 */
export function outcomeLine(summary: RunSummary): string {
  const rows = summary.rows.toLocaleString('en-US');
  switch (summary.status) {
    case 'committed':
      return summary.rows === 0
        ? `nothing new to export: no row changed since the last committed run (run ${summary.runId} committed 0 rows)`
        : `exported ${rows} rows, ${summary.bytes.toLocaleString('en-US')} bytes in ${summary.durationMs} ms`;
    case 'already-committed':
      return `nothing exported: run ${summary.runId} (this schedule slot) was already committed earlier with ${rows} rows; the next slot exports what changed since`;
    case 'skipped':
      return `nothing exported: run ${summary.runId} was skipped (${summary.reason})`;
    case 'failed':
      return `run ${summary.runId} failed: ${summary.error}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const once = process.argv.includes('--once');
  const workDir = resolve(process.env.DEMO_DIR ?? '.local-stack');
  try {
    const demo = await startDemo({ workDir });
    if (once) {
      await demo.stop();
    } else {
      // DEMO_SCHEDULE=off keeps the stack up without scheduled runs (tests that need a fixed history).
      if (process.env.DEMO_SCHEDULE !== 'off') {
        demo.startSchedule();
        process.stdout.write(`\nthe employees job now runs every ${demo.periodMs / 60_000} minutes; local S3, DynamoDB and PostgreSQL keep running. Ctrl+C stops.\n`);
      } else {
        process.stdout.write('\nscheduled runs are off (DEMO_SCHEDULE=off); local S3, DynamoDB and PostgreSQL keep running. Ctrl+C stops.\n');
      }
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const shutdown = () => {
        clearInterval(keepAlive);
        void demo.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    }
  } catch (error) {
    // A taken port is one line naming the variable to set; anything else one line too.
    process.stderr.write(error instanceof PortInUseError ? `npm start: ${error.message}\n` : `demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
