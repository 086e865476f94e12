/**
 * What the Lambda assets ship: each function's bundle is built here with the exact `build`
 * command of its project.json (only the output folder moved to a temp dir, plus a metafile),
 * then checked:
 * - the source map keeps file/line mappings for `--enable-source-maps` stack traces but no
 *   `sourcesContent`: the repository's source text is not uploaded to AWS;
 * - the bundle holds no AWS SDK client the function never uses (each one brings its service's
 *   code and credentials chain into the cold start, and a client that is there gets used);
 * - the bundled handler reads the deployment config from the file the CDK app writes next to it;
 * - the exporter's folder holds parquet-wasm's wasm (Parquet output), which esbuild does not inline,
 *   and the Parquet writer's thread (its own bundle), which writes a file from there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CONFIG_FILE, loadDeploymentConfig } from '@rds-s3-export/jobs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const temp = mkdtempSync(path.join(tmpdir(), 'lambda-assets-'));

afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface Metafile {
  outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Runs the project's build command into a temp folder; returns the bundle, its map and the AWS SDK packages in the output. */
function build(project: 'exporter' | 'dashboard-api') {
  const config = JSON.parse(readFileSync(path.join(root, 'apps', project, 'project.json'), 'utf8')) as { targets: { build: { options: { command: string } } } };
  const command = config.targets.build.options.command;
  const outfile = `dist/apps/${project}/lambda/index.mjs`;
  expect(command).toContain(`--outfile=${outfile}`);
  const outDir = path.join(temp, project);
  const metafile = path.join(temp, `${project}.meta.json`);
  // The esbuild step, then any step after it (the exporter copies parquet-wasm's wasm next to the handler), all into outDir.
  const [bundleStep = '', ...after] = command.split(' && ');
  const moved = [
    `${bundleStep.replace(`--outfile=${outfile}`, `--outfile=${path.join(outDir, 'index.mjs')}`)} --metafile=${metafile} --log-level=error`,
    ...after.map((step) => step.replaceAll(`dist/apps/${project}/lambda`, outDir)),
  ].join(' && ');
  execFileSync('/bin/sh', ['-c', moved], { cwd: root, env: { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` }, stdio: 'pipe' });
  const meta = JSON.parse(readFileSync(metafile, 'utf8')) as Metafile;
  const output = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error(`no entry point output in ${metafile}`);
  const sdkPackages = new Set<string>();
  for (const [file, input] of Object.entries(output.inputs)) {
    const match = /node_modules\/(@aws-sdk\/[^/]+)\//.exec(file);
    if (match && input.bytesInOutput > 0) sdkPackages.add(match[1] as string);
  }
  const map = JSON.parse(readFileSync(path.join(outDir, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
  return { map, sdkPackages, dir: outDir };
}

const clientsOf = (packages: Set<string>) => [...packages].filter((name) => /^@aws-sdk\/(client-|lib-|s3-request-presigner)/.test(name)).sort();

const embedded = (map: { sourcesContent?: (string | null)[] }) => (map.sourcesContent ?? []).filter((content) => content !== null).length;

describe('Lambda assets', () => {
  let exporter: ReturnType<typeof build>;
  let dashboardApi: ReturnType<typeof build>;
  beforeAll(() => {
    exporter = build('exporter');
    dashboardApi = build('dashboard-api');
  });

  it('ship source maps with mappings but no embedded sources', () => {
    expect(exporter.map.sources.some((source) => source.includes('apps/exporter/src/lambda/handler.ts'))).toBe(true);
    expect(dashboardApi.map.sources.some((source) => source.includes('apps/dashboard-api/src/lambda/handler.ts'))).toBe(true);
    expect(embedded(exporter.map), 'files whose source text the exporter map embeds').toBe(0);
    expect(embedded(dashboardApi.map), 'files whose source text the dashboard API map embeds').toBe(0);
  });

  it('the exporter holds only the clients it uses: S3 (+ multipart uploads), DynamoDB, Secrets Manager, Glue (Parquet tables\' columns)', () => {
    expect(clientsOf(exporter.sdkPackages)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-glue',
      '@aws-sdk/client-s3',
      '@aws-sdk/client-secrets-manager',
      '@aws-sdk/lib-dynamodb',
      '@aws-sdk/lib-storage',
    ]);
  });

  it('the dashboard API holds only the clients it uses: S3 (+ presigner) and CloudWatch Logs', () => {
    expect(clientsOf(dashboardApi.sdkPackages)).toEqual(['@aws-sdk/client-cloudwatch-logs', '@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner']);
  });

  it('the exporter ships parquet-wasm\'s WebAssembly next to the handler, where the Parquet writer loads it from', () => {
    // libs/export-core/src/parquet/parquet-wasm.ts: `parquet_wasm_bg.wasm` beside the module's own file.
    const wasm = readFileSync(path.join(exporter.dir, 'parquet_wasm_bg.wasm'));
    expect(wasm.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
    expect(wasm.equals(readFileSync(path.join(root, 'node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm')))).toBe(true);
    expect(readFileSync(path.join(exporter.dir, 'index.mjs'), 'utf8')).toContain('parquet_wasm_bg.wasm');
  });

  it('the exporter ships the Parquet writer\'s thread next to the handler, and it writes a Parquet file from there', async () => {
    // libs/export-core/src/parquet/parquet-encoder.ts starts `parquet-encoder-worker.mjs` from beside its own file.
    expect(readFileSync(path.join(exporter.dir, 'index.mjs'), 'utf8')).toContain('parquet-encoder-worker.mjs');
    const worker = new Worker(path.join(exporter.dir, 'parquet-encoder-worker.mjs'));
    const chunks: Buffer[] = [];
    const ipc = tableToIPC(tableFromArrays({ id: Int32Array.from([1, 2, 3]) }), 'stream');
    let sent = false;
    const done = new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (message: { type: string; bytes?: Uint8Array; message?: string }) => {
        if (message.type === 'ready') worker.postMessage(sent ? { type: 'end' } : { type: 'batch', ipc });
        if (message.type === 'ready') sent = true;
        if (message.type === 'chunk' && message.bytes) chunks.push(Buffer.from(message.bytes));
        if (message.type === 'done') resolve();
        if (message.type === 'error') reject(new Error(message.message));
      });
    });
    worker.postMessage({
      type: 'open',
      wasmPath: path.join(exporter.dir, 'parquet_wasm_bg.wasm'),
      settings: { codec: 'zstd', maxRows: 100, maxBytes: 1 << 20, createdBy: 'lambda-assets.spec', deltaColumns: ['id'] },
    });
    try {
      await done;
    } finally {
      await worker.terminate();
    }
    const file = Buffer.concat(chunks);
    expect([file.subarray(0, 4).toString(), file.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);
    expect(file.includes('lambda-assets.spec')).toBe(true);
  });

  it('the exporter handler reads the deployment config bundled next to it', () => {
    // What exporterCodeFromBuild writes: the parsed file, here the demo's.
    const demo = loadDeploymentConfig({ path: path.join(root, 'tools/demo/rds-s3-export.demo.yaml'), env: {} });
    writeFileSync(path.join(exporter.dir, BUNDLED_CONFIG_FILE), JSON.stringify(demo.config));
    const script = `const { handler } = await import(${JSON.stringify(path.join(exporter.dir, 'index.mjs'))});
      try { await handler({ job: 'nope' }); } catch (error) { process.stderr.write('REFUSED ' + error.code + ': ' + error.message); }`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: exporter.dir,
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', EXPORT_BUCKET: 'bucket-of-the-stack', STATE_TABLE: 'state', ...env },
        encoding: 'utf8',
      }).stderr;
    // Logged as a failed run and rethrown, with the jobs of the bundled file.
    expect(run({})).toContain(`REFUSED JOB_UNKNOWN: unknown job "nope"; known jobs: employees (in ${BUNDLED_CONFIG_FILE})`);
    // A bundled config the handler does not accept stops the container at start, naming the problem.
    writeFileSync(path.join(exporter.dir, BUNDLED_CONFIG_FILE), JSON.stringify({ ...demo.config, connections: { sample: { engine: 'postgres', url: 'postgres://u@h/db' } } }));
    expect(run({})).toContain('connections.sample.secret: is not set, and job "employees" uses this connection');
  });
});
