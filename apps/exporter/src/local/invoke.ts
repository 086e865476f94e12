/**
 * `npm run invoke -- [--config <file>] --job <name> [--scheduled-time <ISO>] [--mode full|incremental] [--parallel [--chunks N]]`:
 * runs the real handler once, for a job of the deployment config (`--config`, else
 * RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml), against the local stack that `npm start` keeps
 * running, and prints the run summary as JSON. Exit 0 when the run committed (or was a no-op), 1 otherwise.
 */
// First: drops the AWS SDK's Node-version banner (only that warning; see libs/aws node-version-warning.ts).
import '@rds-s3-export/aws/ignore-node-version-warning';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { createConnection } from 'node:net';
import { createLocalHandler, DEMO_SAMPLE_PG_PORT, LOCAL_STATE_TABLE, localPorts } from '@rds-s3-export/export-runtime';

async function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.destroy(), done(true)));
    socket.on('error', () => done(false));
  });
}

export async function invoke(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { config: { type: 'string' }, job: { type: 'string' }, 'scheduled-time': { type: 'string' }, mode: { type: 'string' }, parallel: { type: 'boolean', default: false }, chunks: { type: 'string' } },
    strict: true,
  });
  if (!values.job) {
    process.stderr.write('usage: npm run invoke -- [--config <file>] --job <name> [--scheduled-time <ISO>] [--mode full|incremental] [--parallel [--chunks N]]\n');
    return 2;
  }
  let ports: ReturnType<typeof localPorts>;
  try {
    ports = localPorts(process.env);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  for (const [what, port] of [['S3', ports.s3Port], ['DynamoDB', ports.dynamoPort]] as const) {
    if (!(await answers(port))) {
      process.stderr.write(`error: the local ${what} on 127.0.0.1:${port} is not running; start the local stack with \`npm start\` first\n`);
      return 4;
    }
  }
  const workDir = resolve(process.env.DEMO_DIR ?? '.local-stack');
  let runtime: ReturnType<typeof createLocalHandler>;
  try {
    runtime = createLocalHandler({
      ...(values.config !== undefined && { configFile: values.config }),
      s3Endpoint: `http://127.0.0.1:${ports.s3Port}`,
      dynamoEndpoint: `http://127.0.0.1:${ports.dynamoPort}`,
      stateTable: LOCAL_STATE_TABLE,
      // DEMO_PG_PORT moves the demo's sample database only, never a connection of the user's own config.
      ...(ports.pgPort !== undefined && { databasePort: { to: ports.pgPort, from: DEMO_SAMPLE_PG_PORT } }),
      logFile: join(workDir, 'logs', 'exporter.jsonl'),
      echo: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  try {
    const event = {
      job: values.job,
      ...(values['scheduled-time'] ? { scheduledTime: values['scheduled-time'] } : { runTime: new Date().toISOString() }),
      ...(values.mode ? { mode: values.mode } : {}),
      // --parallel: the same plan -> chunks -> commit flow as Step Functions, with a local concurrency limit.
      ...(values.parallel || values.chunks ? { chunks: Number(values.chunks ?? 4) } : {}),
    };
    const summary = await runtime.handler(event);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    runtime.close();
  }
}

process.exitCode = await invoke(process.argv.slice(2));
