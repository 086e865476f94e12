/**
 * `npm start`: the whole pipeline on embedded defaults, with nothing to install.
 * Starts a local S3 (s3rver) and a sample PostgreSQL (PGlite, seeded with `employees`), runs
 * the catalog's `employees` job into the local bucket, shows where the CSV is, and keeps the
 * servers up so the object can be inspected (Ctrl+C stops). `npm start -- --once` exits after
 * the export (used by the tests).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startPostgres, startS3 } from '@rds-s3-export/local-stack';
import { getJob } from '@rds-s3-export/jobs';
import { parseCliArgs } from '../cli/parse-args.js';
import { resolvePlan } from '../compose/export-plan.js';
import { runPlannedExport } from '../compose/run-planned-export.js';

/** Ports of the embedded servers; the sample job's connection.url points at the PostgreSQL one. */
export const DEMO_S3_PORT = Number(process.env.DEMO_S3_PORT ?? 4569);
const SAMPLE_ROWS = Number(process.env.DEMO_ROWS ?? 10_000);

export async function startDemo(options: { workDir: string; s3Port?: number; log?: (line: string) => void }) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const job = getJob('employees');
  const pgPort = Number(new URL(job.connection.url ?? 'postgres://x@127.0.0.1:55432/postgres').port);

  const s3Port = options.s3Port ?? DEMO_S3_PORT;
  log(`starting local S3 (s3rver) on 127.0.0.1:${s3Port}, data in ${join(options.workDir, 's3')}`);
  const s3 = await startS3({ port: s3Port, directory: join(options.workDir, 's3'), buckets: [job.destination.bucket] });
  log(`starting sample PostgreSQL (PGlite) on 127.0.0.1:${pgPort} with ${SAMPLE_ROWS.toLocaleString('en-US')} employees`);
  const pg = await startPostgres({ port: pgPort, seedEmployees: SAMPLE_ROWS });
  const stop = async () => {
    await pg.stop();
    await s3.stop();
  };

  try {
    const plan = resolvePlan(parseCliArgs(['--job', 'employees', '--s3-endpoint', s3.endpoint]), process.env, new Date());
    log(`exporting job "employees" (${job.engine} table ${job.table}) to s3://${job.destination.bucket}/${job.destination.prefix}/ …`);
    const manifest = await runPlannedExport(plan);
    const key = manifest.objects[0]?.key ?? '';
    const file = s3.bucketPath(job.destination.bucket, key);
    const preview = (await readFile(file, 'utf8')).split('\n').slice(0, 4).join('\n');
    log('');
    log(`exported ${manifest.rows.toLocaleString('en-US')} rows, ${manifest.bytes.toLocaleString('en-US')} bytes in ${manifest.durationMs} ms`);
    log(`  object:   s3://${job.destination.bucket}/${key}`);
    log(`  on disk:  ${file}`);
    log(`  manifest: s3://${job.destination.bucket}/${job.destination.manifestPrefix}/employees/${manifest.runId}.json`);
    log(`  sha256:   ${manifest.objects[0]?.sha256}`);
    log('');
    log(preview);
    log('…');
    log('');
    log('Look at it:');
    log(`  head ${file}`);
    log(`  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${s3.endpoint} s3 ls --recursive s3://${job.destination.bucket}/`);
    log(`  npm run export -- --job employees --s3-endpoint ${s3.endpoint}      (another run, while this one is up)`);
    return { manifest, file, stop };
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
      process.stdout.write('\nlocal S3 and PostgreSQL keep running; Ctrl+C stops them.\n');
      const shutdown = () => void demo.stop().then(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    }
  } catch (error) {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
