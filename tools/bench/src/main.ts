/**
 * `npm run bench [-- --rows N] [--quick] [--reps N] [--only id,…] [--engines mariadb,postgres]`
 *
 * The benchmark of issues 6 and 14. Creates its data (MariaDB database `bench`, PostgreSQL
 * schema `bench`), bundles the runner scripts with esbuild (as the Lambda is bundled: no
 * TypeScript loader in the measured processes), makes sure the built CLI is up to date (the
 * exporter runs as `node_modules/.bin/rds-s3-export`, as a user runs it), then runs every
 * variant as its own child process, interleaved over several repetitions, and measures each
 * from outside (wall time, peak RSS via /proc) and from inside (CPU at exit). Prints a markdown table and writes
 * `bench-results/latest.json` (plus `bench-results/rows-<N>.json`, which a later session at
 * another row count reads for the memory-growth target).
 *
 * Servers: MariaDB at $BENCH_MYSQL_URL / $TEST_MYSQL_URL (default mariadb://root@127.0.0.1:3306),
 * PostgreSQL at $BENCH_POSTGRES_URL / $TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { ensureMariadbTable, ensurePostgresTable, ensurePostgresWideTable, DATA_VERSION } from './data.js';
import { findServerPid, machineBusySeconds, processCpuSeconds, runChild, type ChildRun } from './measure.js';
import { evaluateTargets, renderMarkdown, summarizeVariants, type EngineName, type Sample, type VariantResult } from './report.js';
import { rotation } from './stats.js';
import { DEFAULT_PRICING } from './cost.js';
import { selectVariants, type VariantSpec } from './variants.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const RESULTS = join(ROOT, 'bench-results');
const BUILD = join(RESULTS, '.build');
const WORK = join(RESULTS, '.work');
const RUN_TIME = '2026-02-22T10:12:00Z';
const S3_BUCKET = 'bench';
/** The built CLI as `npm ci` links it (apps/exporter/bin/rds-s3-export.mjs). */
const BUILT_CLI = join(ROOT, 'node_modules/.bin/rds-s3-export');
/** What the launcher prints when it builds its bundle (apps/exporter/bin/cli-bundle.mjs). */
const BUILT_CLI_REBUILT = /^rds-s3-export: building the CLI bundle/m;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      rows: { type: 'string' },
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      only: { type: 'string' },
      engines: { type: 'string', default: 'mariadb,postgres,startup' },
      'buffered-max-rows': { type: 'string', default: '2000000' },
      'gzip-levels': { type: 'string', default: '1,6' },
      'max-retries': { type: 'string', default: '2' },
      'data-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- [--rows N (default 1000000)] [--quick (100000 rows, 3 reps)] [--reps N (default 5)]\n' +
        '                 [--only id-substring,…] [--engines mariadb,postgres,startup] [--buffered-max-rows N (default 2000000)]\n' +
        '                 [--gzip-levels 1,6 (extra MariaDB gzip runs per zlib level; "" for none)] [--max-retries N (noisy samples, default 2)]\n' +
        '                 [--data-only (create the tables and stop)]\n',
    );
    return;
  }
  const rows = positiveInt('rows', values.rows ?? (values.quick ? '100000' : '1000000'));
  const reps = positiveInt('reps', values.reps ?? (values.quick ? '3' : '5'));
  const engines = (values.engines ?? '').split(',').map((e) => e.trim()) as EngineName[];
  for (const e of engines) if (e !== 'mariadb' && e !== 'postgres' && e !== 'startup') throw new Error(`--engines: unknown engine "${e}" (mariadb, postgres, startup)`);
  const only = (values.only ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const gzipLevels = (values['gzip-levels'] ?? '').split(',').filter((l) => l.trim() !== '').map((l) => {
    const level = Number(l);
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new Error(`--gzip-levels: "${l}" is not a zlib level 1..9`);
    return level;
  });
  const maxRetries = Number(values['max-retries']);
  const variants = selectVariants({ engines, only, rows, bufferedMaxRows: positiveInt('buffered-max-rows', values['buffered-max-rows'] ?? ''), gzipLevels });
  if (variants.length === 0) throw new Error('nothing to run: --only matches no variant');

  await mkdir(RESULTS, { recursive: true });
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  log('bundling the runners (esbuild)');
  await bundle();
  if (variants.some((v) => v.launch === 'bin')) await ensureBuiltCli();

  const mysqlServer = process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306';
  const postgresDb = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const mariadb = engines.includes('mariadb') ? await ensureMariadbTable(mysqlServer, rows, log) : undefined;
  const postgres = engines.includes('postgres') ? await ensurePostgresTable(postgresDb, rows, log) : undefined;
  const postgresWide = postgres && variants.some((v) => v.table === 'wide') ? await ensurePostgresWideTable(postgresDb, postgres, rows, log) : undefined;
  if (values['data-only']) return;
  const mysqlPid = findServerPid(['mariadbd', 'mysqld']);
  const postmasterPid = findServerPid(['postgres', 'postmaster']);

  const s3 = variants.some((v) => v.destination === 's3') ? await startS3Server() : undefined;
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NODE_OPTIONS'));
  let usageSeq = 0;

  const runOnce = async (v: VariantSpec): Promise<{ run: ChildRun; parsed: { rows: number; bytes: number; seconds: number }; db: number | null; s3cpu: number | null; other: number }> => {
    const table = v.engine === 'mariadb' ? mariadb! : v.table === 'wide' ? postgresWide! : v.engine === 'postgres' ? postgres! : { url: '', table: '' };
    const out = join(WORK, v.id);
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    let args: string[];
    if (v.args) {
      args = [...v.args];
    } else if (v.launch === 'psql') {
      // psql's own client-side COPY, writing the file: the whole-process yardstick for PostgreSQL.
      args = [table.url, '-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (SELECT * FROM ${table.table}) TO '${join(out, 'out.csv')}' WITH (FORMAT csv, HEADER)`];
    } else if (v.gzipLevel !== undefined) {
      args = ['--url', table.url, '--table', table.table, '--out', out, '--level', String(v.gzipLevel)];
    } else if (v.kind === 'exporter') {
      const dest = v.destination === 's3' ? `s3://${S3_BUCKET}` : `file://${out}`;
      args = ['--source', table.url, '--table', table.table, '--dest', dest, '--layout', 'flat', '--compression', v.compression ?? 'none', '--run-time', RUN_TIME, '--json'];
      if (v.destination === 's3') args.push('--s3-endpoint', s3!.endpoint);
      if (v.format) args.push('--format', v.format);
    } else {
      args = ['--url', table.url, '--table', table.table];
      if (v.kind === 'baseline') args.push('--out', join(out, 'out.csv'));
    }
    const dbPid = v.engine === 'mariadb' ? mysqlPid : postmasterPid;
    const cpu = (pid: number | null, children: boolean) => (pid === null ? null : processCpuSeconds(pid, children));
    const db0 = cpu(dbPid, v.engine === 'postgres');
    const s30 = v.destination === 's3' ? cpu(s3!.pid, false) : null;
    const busy0 = machineBusySeconds();
    const run = await runChild({
      ...launchOf(v),
      args,
      usageReporter: join(BUILD, 'usage-reporter.mjs'),
      usageFile: join(WORK, `usage-${process.pid}-${usageSeq++}.json`),
      env: childEnv,
    });
    // Let the postmaster reap the backend (its CPU lands in cutime only then).
    await sleep(200);
    const db1 = cpu(dbPid, v.engine === 'postgres');
    const s31 = v.destination === 's3' ? cpu(s3!.pid, false) : null;
    const busy = machineBusySeconds() - busy0;
    const parsed = run.code === 0 ? await parseOutput(v, run, out) : undefined;
    await rm(out, { recursive: true, force: true });
    if (s3) await s3.clear();
    if (run.code !== 0 || !parsed) throw new Error(`${v.id} failed (exit ${run.code ?? run.signal}):\n${run.stderr.slice(-4000)}`);
    const db = db0 !== null && db1 !== null ? db1 - db0 : null;
    const s3cpu = s30 !== null && s31 !== null ? s31 - s30 : null;
    const other = Math.max(0, busy - (run.usage?.cpuSeconds ?? 0) - (db ?? 0) - (s3cpu ?? 0));
    return { run, parsed, db, s3cpu, other };
  };
  /** Someone else used more than a quarter of a core (plus 0.2 s of slack: harness, kernel) during the run. */
  const noisy = (other: number, wallSeconds: number) => other > 0.2 + 0.25 * wallSeconds;

  const results = new Map<string, Sample[]>(variants.map((v) => [v.id, []]));
  try {
    log('warm-up: one untimed run of each ceiling (buffer pools, page cache)');
    for (const v of variants.filter((x) => x.kind === 'ceiling')) await runOnce(v);
    for (let rep = 0; rep < reps; rep++) {
      const order = rotation(variants, rep);
      for (let slot = 0; slot < order.length; slot++) {
        const v = order[slot] as VariantSpec;
        let attempt = await runOnce(v);
        let retries = 0;
        // A source saved during the session makes the built CLI rebuild itself inside a run: that run is not a sample.
        for (let rebuilds = 0; BUILT_CLI_REBUILT.test(attempt.run.stderr); rebuilds++) {
          if (rebuilds === 2) throw new Error(`${v.id}: the built CLI keeps rebuilding its bundle (are sources being edited?)`);
          log(`  ${v.id}: the built CLI rebuilt its bundle during the run (a source changed); repeating it`);
          attempt = await runOnce(v);
        }
        while (noisy(attempt.other, attempt.run.wallSeconds) && retries < maxRetries) {
          log(`  ${v.id}: other processes used ${attempt.other.toFixed(2)} CPU-s during the run; repeating it`);
          retries++;
          attempt = await runOnce(v);
        }
        const { run, parsed, db, s3cpu, other } = attempt;
        if (v.engine !== 'startup' && parsed.rows !== rows) throw new Error(`${v.id}: exported ${parsed.rows} rows, expected ${rows}`);
        const sample: Sample = {
          rep,
          slot,
          seconds: parsed.seconds,
          wallSeconds: run.wallSeconds,
          rows: parsed.rows,
          bytes: parsed.bytes,
          peakRssBytes: run.peakRssBytes,
          cpuSeconds: run.usage?.cpuSeconds ?? Number.NaN,
          dbCpuSeconds: db,
          s3ServerCpuSeconds: s3cpu,
          otherCpuSeconds: other,
          retries,
        };
        results.get(v.id)?.push(sample);
        log(
          `[${rep + 1}/${reps}] ${v.id.padEnd(28)} ${sample.seconds.toFixed(2)}s (wall ${sample.wallSeconds.toFixed(2)}s) ` +
            `rss ${(sample.peakRssBytes / 1048576).toFixed(0)} MiB cpu ${sample.cpuSeconds.toFixed(2)}s` +
            (db !== null ? ` db ${db.toFixed(2)}s` : '') +
            (s3cpu !== null ? ` s3rver ${s3cpu.toFixed(2)}s` : '') +
            ` other ${other.toFixed(2)}s${noisy(other, run.wallSeconds) ? ' (noisy)' : ''}`,
        );
      }
    }
  } finally {
    await s3?.stop();
  }

  const variantResults: VariantResult[] = variants.map((v) => ({ id: v.id, engine: v.engine, kind: v.kind, label: v.label, samples: results.get(v.id) ?? [] }));
  const summaries = summarizeVariants(variantResults);
  const previous = await previousSession(rows);
  const targets = evaluateTargets(summaries, rows, previous);
  const cpu = cpus();
  const machine =
    `${cpu[0]?.model.trim() ?? 'cpu'} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}` +
    (mariadb ? `, MariaDB ${mariadb.version}` : '') +
    (postgres ? `, ${postgres.version}` : '') +
    ' (servers on loopback, same machine)';
  const markdown = renderMarkdown(summaries, { rows, reps, machine }, targets);
  const json = {
    generatedAt: new Date().toISOString(),
    rows,
    reps,
    dataVersion: DATA_VERSION,
    machine,
    pricing: DEFAULT_PRICING,
    variants: summaries,
    targets,
    samples: variantResults,
    markdown,
  };
  const text = `${JSON.stringify(json, null, 2)}\n`;
  await writeFile(join(RESULTS, 'latest.json'), text);
  if (only.length === 0) await writeFile(join(RESULTS, `rows-${rows}.json`), text);
  process.stdout.write(`${markdown}\n`);
  log(`\nwritten: ${join(RESULTS, 'latest.json')}`);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer (got "${raw}")`);
  return n;
}

/** How to start a variant's child (see VariantSpec.launch). */
function launchOf(v: VariantSpec): { script?: string; command?: string; reporterViaNodeOptions?: boolean; nodeArgs?: readonly string[] } {
  switch (v.launch ?? 'bundle') {
    case 'bin':
      return { command: BUILT_CLI, reporterViaNodeOptions: true };
    case 'psql':
      return { command: 'psql' };
    case 'node-empty':
      return { nodeArgs: ['-e', '0'] };
    case 'bundle':
      return { script: join(BUILD, `${v.script}.mjs`) };
  }
}

/** Rows, bytes and the child's own time for the work; children that do not time themselves get their wall time. */
async function parseOutput(v: VariantSpec, run: ChildRun, out: string): Promise<{ rows: number; bytes: number; seconds: number }> {
  if (v.engine === 'startup') return { rows: 0, bytes: 0, seconds: run.wallSeconds };
  if (v.launch === 'psql') {
    const copied = /^COPY (\d+)$/m.exec(run.stdout);
    if (!copied) throw new Error(`${v.id}: no "COPY <rows>" line in psql's output: ${run.stdout.slice(-500)}`);
    return { rows: Number(copied[1]), bytes: (await stat(join(out, 'out.csv'))).size, seconds: run.wallSeconds };
  }
  if (v.launch === 'bin') {
    const manifest = JSON.parse(run.stdout) as { rows: number; bytes: number; durationMs: number };
    return { rows: manifest.rows, bytes: manifest.bytes, seconds: manifest.durationMs / 1000 };
  }
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as { rows: number; bytes: number; seconds: number };
}

/**
 * The exporter runs as a user runs it: the launcher npm ci links into node_modules/.bin. Its
 * bundle is built on first use when missing or stale; one untimed `--version` does that here,
 * so no measured run pays for a build.
 */
async function ensureBuiltCli(): Promise<void> {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm ci (it links the exporter's bin)`);
  log('checking the built CLI (node_modules/.bin/rds-s3-export --version; builds it when stale)');
  const child = spawn(BUILT_CLI, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let version = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (version += d));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`${BUILT_CLI} --version failed (exit ${code})`);
  log(`  ${version.trim()}`);
}

/** The exporter's peak RSS from the last full session at 1,000,000 rows (or at `rows`' counterpart). */
async function previousSession(rows: number): Promise<{ rows: number; exporterPeakRssMb: number } | undefined> {
  const other = rows === 1_000_000 ? undefined : 1_000_000;
  if (other === undefined) return undefined;
  try {
    const data = JSON.parse(await readFile(join(RESULTS, `rows-${other}.json`), 'utf8')) as {
      variants: { id: string; kind: string; peakRssMegabytes: { max: number } }[];
    };
    // The CSV paths only: Parquet holds a row group, with a bound of its own (report.ts).
    const peaks = data.variants.filter((v) => v.kind === 'exporter' && !v.id.endsWith('.parquet')).map((v) => v.peakRssMegabytes.max);
    return peaks.length > 0 ? { rows: other, exporterPeakRssMb: Math.max(...peaks) } : undefined;
  } catch {
    return undefined;
  }
}

async function bundle(): Promise<void> {
  const runners = join(ROOT, 'tools/bench/src/runners');
  await build({
    entryPoints: {
      'mysql-ceiling': join(runners, 'mysql-ceiling.ts'),
      'postgres-ceiling': join(runners, 'postgres-ceiling.ts'),
      'csv-stringify-stream': join(runners, 'csv-stringify-stream.ts'),
      'csv-stringify-sync': join(runners, 'csv-stringify-sync.ts'),
      'export-core': join(runners, 'export-core.ts'),
      'usage-reporter': join(runners, 'usage-reporter.ts'),
    },
    outdir: BUILD,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  });
}

interface S3Server {
  readonly endpoint: string;
  readonly pid: number;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** s3rver in its own process (run through tsx: start-up time does not matter for a server). */
async function startS3Server(): Promise<S3Server> {
  const directory = join(WORK, 's3');
  await mkdir(directory, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'tools/bench/src/runners/s3-server.ts'), '--directory', directory, '--bucket', S3_BUCKET],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const first = await new Promise<string>((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`s3rver exited early (${code})`)));
  });
  const { endpoint, pid } = JSON.parse(first) as { endpoint: string; pid: number };
  log(`s3rver at ${endpoint} (pid ${pid})`);
  return {
    endpoint,
    pid,
    clear: async () => {
      for (const prefix of ['rds_exports', '_manifests']) await rm(join(directory, S3_BUCKET, prefix), { recursive: true, force: true });
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
