/**
 * `npm start`: the whole pipeline on embedded defaults, with nothing to install.
 * Starts a local S3 (s3rver), a local DynamoDB (dynalite) for leases and cursors and a sample
 * PostgreSQL (PGlite, seeded with `employees`), runs the demo config's `employees` job through the
 * real handler, shows where the CSV is, then keeps running the job on its schedule (every
 * 5 minutes for the sample) so runs accumulate. Ctrl+C stops. `npm start -- --once` exits
 * after the first run (used by the tests and CI).
 */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureStateTable } from '@rds-s3-export/aws';
import { localDynamoClientConfig, startDynamo, startPostgres, startS3 } from '@rds-s3-export/local-stack';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { DEMO_CONFIG_FILE } from '@rds-s3-export/demo';
import { manifestKeyFor, ratePeriodMs, rateSlotAtOrBefore, type RunSummary } from '@rds-s3-export/shared-types';
import { createLocalHandler, LOCAL_ENDPOINTS } from '../local/local-runtime.js';

const SAMPLE_ROWS = Number(process.env.DEMO_ROWS ?? 10_000);

export interface DemoOptions {
  readonly workDir: string;
  /** @default LOCAL_ENDPOINTS.s3Port (0 = random) */
  readonly s3Port?: number;
  /** @default LOCAL_ENDPOINTS.dynamoPort (0 = random) */
  readonly dynamoPort?: number;
  /** @default LOCAL_ENDPOINTS.pgPort, else the port of the job's connection.url (55432) */
  readonly pgPort?: number;
  readonly log?: (line: string) => void;
  /** The deployment config with the `employees` job. @default the demo's own (tools/demo/rds-s3-export.demo.yaml) */
  readonly configFile?: string;
}

export async function startDemo(options: DemoOptions) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const configFile = options.configFile ?? DEMO_CONFIG_FILE;
  const job = loadDeploymentConfig({ path: configFile }).job('employees');
  const pgPort = options.pgPort ?? LOCAL_ENDPOINTS.pgPort ?? Number(new URL(job.connection.url ?? 'postgres://x@127.0.0.1:55432/postgres').port);
  const s3Port = options.s3Port ?? LOCAL_ENDPOINTS.s3Port;
  const logFile = join(options.workDir, 'logs', 'exporter.jsonl');

  log(`starting local S3 (s3rver) on 127.0.0.1:${s3Port}, data in ${join(options.workDir, 's3')}`);
  const s3 = await startS3({ port: s3Port, directory: join(options.workDir, 's3'), buckets: [job.destination.bucket] });
  const dynamo = await startDynamo({ port: options.dynamoPort ?? LOCAL_ENDPOINTS.dynamoPort });
  log(`starting local DynamoDB (dynalite) on ${dynamo.endpoint} for leases and cursors`);
  const dynamoClient = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
  await ensureStateTable(dynamoClient, LOCAL_ENDPOINTS.stateTable);
  dynamoClient.destroy();
  log(`starting sample PostgreSQL (PGlite) on 127.0.0.1:${pgPort} with ${SAMPLE_ROWS.toLocaleString('en-US')} employees`);
  const pg = await startPostgres({ port: pgPort, seedEmployees: SAMPLE_ROWS });
  const runtime = createLocalHandler({ configFile, s3Endpoint: s3.endpoint, dynamoEndpoint: dynamo.endpoint, stateTable: LOCAL_ENDPOINTS.stateTable, logFile, echo: () => undefined, databasePort: pgPort });
  let timer: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (timer) clearTimeout(timer);
    runtime.close();
    await pg.stop();
    await dynamo.stop();
    await s3.stop();
  };

  const period = ratePeriodMs(job.schedule?.expression ?? 'rate(5 minutes)') ?? 5 * 60_000;
  /** Runs the slot at or before now, as EventBridge Scheduler would, and reports it. */
  const runSlot = async (): Promise<RunSummary | undefined> => {
    const scheduledTime = rateSlotAtOrBefore(period, new Date()).toISOString();
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
    const summary = await runSlot();
    if (!summary) throw new Error(`the first run failed; see ${logFile}`);
    const key = summary.keys[0] ?? '';
    const file = s3.bucketPath(job.destination.bucket, key);
    const manifestKey = manifestKeyFor(job.destination.manifestPrefix, job.name, summary.runId);
    const manifest = JSON.parse(await readFile(s3.bucketPath(job.destination.bucket, manifestKey), 'utf8')) as { objects: { sha256: string }[] };
    const preview = key ? (await readFile(file, 'utf8')).split('\n').slice(0, 4).join('\n') : '(no rows in this window)';
    log('');
    log(`exported ${summary.rows.toLocaleString('en-US')} rows, ${summary.bytes.toLocaleString('en-US')} bytes in ${summary.durationMs} ms`);
    log(`  object:   s3://${job.destination.bucket}/${key}`);
    log(`  on disk:  ${file}`);
    log(`  manifest: s3://${job.destination.bucket}/${manifestKey}`);
    log(`  sha256:   ${manifest.objects[0]?.sha256 ?? '-'}`);
    log(`  run log:  ${logFile}`);
    log('');
    log(preview);
    log('…');
    log('');
    log('Look at it:');
    log(`  head ${file}`);
    log(`  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${s3.endpoint} s3 ls --recursive s3://${job.destination.bucket}/`);
    log(`  npm run -s invoke -- --config ${relative(process.cwd(), configFile) || configFile} --job employees --mode full      (a manual run against this stack)`);
    const schedule = () => {
      const next = rateSlotAtOrBefore(period, new Date()).getTime() + period;
      timer = setTimeout(() => void runSlot().then(schedule), next - Date.now());
      timer.unref?.();
    };
    return { summary, file, stop, startSchedule: schedule, periodMs: period };
  } catch (error) {
    await stop();
    throw error;
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
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
