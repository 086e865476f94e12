/**
 * Parquet writer comparison for issue #16 (docs/parquet-writer-choice.md):
 *
 *   npx tsx tools/bench/src/parquet-writers.ts [--rows 1000000] [--reps 3] [--skip-speed]
 *
 * 1. speed and peak RSS: each variant writes the same benchmark table (id bigint,
 *    amount decimal(12,2), note text with NULLs, created timestamp(6)) built in-process as
 *    server text, in a fresh child process per repetition (ru_maxrss is per process); the
 *    variants run interleaved so machine load hits them alike; medians are reported, and
 *    ratios to the project's CSV encoder on the same rows in the same run;
 * 2. type coverage: a matrix of every typed column at its edges, written by each writer with
 *    snappy and zstd and read back by DuckDB (values as DuckDB's text, parquet_schema()
 *    logical types, parquet_metadata() codec);
 * 3. Lambda bundle size: esbuild bundle of each writer's import plus its wasm/native files.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { encodeRow, encoderOptions } from '@rds-s3-export/export-core';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { WRITERS, type Cell, type Codec, type TableSpec, type WriterName } from './parquet/writers.js';
import { coverage } from './parquet/matrix.js';
import { median } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const ROW_GROUP = 100_000;

// ---------------------------------------------------------------------------------------
// Benchmark table
// ---------------------------------------------------------------------------------------

const BENCH_SPEC: TableSpec = {
  names: ['id', 'amount', 'note', 'created'],
  columns: [{ type: 'int', bits: 64 }, { type: 'decimal', precision: 12, scale: 2 }, { type: 'string' }, { type: 'timestamp', utc: false }],
};

const BASE_MS = Date.UTC(2024, 0, 1);

/** Row groups of server-text rows, built on demand (never the whole table at once). */
function* benchRows(total: number): Generator<Cell[][]> {
  for (let start = 0; start < total; start += ROW_GROUP) {
    const rows: Cell[][] = [];
    for (let i = start; i < Math.min(total, start + ROW_GROUP); i += 1) {
      const cents = (i * 7919) % 100_000_000;
      const micros = i * 1_234_567;
      const ms = BASE_MS + Math.floor(micros / 1000);
      const created = new Date(ms).toISOString().slice(0, 23).replace('T', ' ') + String(micros % 1000).padStart(3, '0');
      rows.push([
        String(9_000_000_000_000 + i),
        `${i % 10 === 0 ? '-' : ''}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
        i % 50 === 0 ? null : `order ${i} for customer ${i % 9973}, status shipped`,
        created,
      ]);
    }
    yield rows;
  }
}

const VARIANTS = ['generate', 'csv', 'hyparquet-snappy', 'parquet-wasm-snappy', 'parquet-wasm-zstd', 'duckdb-snappy', 'duckdb-zstd'] as const;
type Variant = (typeof VARIANTS)[number];

async function runVariant(variant: Variant, rows: number, out: string): Promise<void> {
  if (variant === 'generate') {
    let n = 0;
    for (const batch of benchRows(rows)) n += batch.length;
    if (n !== rows) throw new Error('row count');
    return;
  }
  if (variant === 'csv') {
    const options = encoderOptions(CsvDialectSchema.parse({}), ['number', 'number', 'text', 'temporal']);
    const file = createWriteStream(out);
    for (const batch of benchRows(rows)) {
      let chunk = '';
      for (const row of batch) chunk += encodeRow(row, options) + '\n';
      if (!file.write(chunk)) await once(file, 'drain');
    }
    file.end();
    await once(file, 'close');
    return;
  }
  const [writer, codec] = variant.split(/-(?=snappy|zstd)/) as [WriterName, Codec];
  await WRITERS[writer](out, BENCH_SPEC, benchRows(rows), codec);
}

interface Measurement {
  readonly seconds: number;
  /** User + system CPU of the child (all threads): steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly bytes: number;
}

async function child(variant: Variant, rows: number, out: string): Promise<void> {
  const started = process.hrtime.bigint();
  await runVariant(variant, rows, out);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = variant === 'generate' ? 0 : statSync(out).size;
  const cpu = process.cpuUsage();
  const result: Measurement = { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssBytes: process.resourceUsage().maxRSS * 1024, bytes };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function spawnVariant(variant: Variant, rows: number, dir: string): Measurement {
  const out = join(dir, `${variant}.out`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', variant, String(rows), out], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`${variant} failed: ${run.stderr}`);
  rmSync(out, { force: true });
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Measurement;
}

function speed(rows: number, reps: number, dir: string): string {
  const results = new Map<Variant, Measurement[]>(VARIANTS.map((v) => [v, []]));
  for (let rep = 0; rep < reps; rep += 1) {
    // Rotate the order each repetition so slow phases of the shared machine spread evenly.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length] as Variant);
    for (const variant of order) {
      const m = spawnVariant(variant, rows, dir);
      (results.get(variant) as Measurement[]).push(m);
      process.stderr.write(`rep ${rep + 1} ${variant}: ${m.seconds.toFixed(2)} s, ${m.cpuSeconds.toFixed(2)} CPU s, ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB RSS\n`);
    }
  }
  const csvSeconds = median((results.get('csv') as Measurement[]).map((m) => m.seconds));
  const csvCpu = median((results.get('csv') as Measurement[]).map((m) => m.cpuSeconds));
  const lines = [
    `| variant | median wall s | rows/s (wall) | wall / CSV | median CPU s | CPU / CSV | peak RSS MiB (median) | file MiB |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const variant of VARIANTS) {
    const ms = results.get(variant) as Measurement[];
    const s = median(ms.map((m) => m.seconds));
    const cpu = median(ms.map((m) => m.cpuSeconds));
    lines.push(
      `| ${variant} | ${s.toFixed(2)} | ${Math.round(rows / s).toLocaleString('en-US')} | ${(s / csvSeconds).toFixed(2)} | ${cpu.toFixed(2)} | ${(cpu / csvCpu).toFixed(2)} | ${(median(ms.map((m) => m.maxRssBytes)) / 2 ** 20).toFixed(0)} | ${(median(ms.map((m) => m.bytes)) / 2 ** 20).toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Lambda bundle size
// ---------------------------------------------------------------------------------------

const BUNDLE_ENTRIES: Record<WriterName, string> = {
  hyparquet: `import { ParquetWriter } from 'hyparquet-writer'; console.log(ParquetWriter);`,
  'parquet-wasm': `import * as arrow from 'apache-arrow'; import * as w from 'parquet-wasm/node'; console.log(arrow.tableToIPC, w.transformParquetStream);`,
  duckdb: `import { DuckDBInstance } from '@duckdb/node-api'; console.log(DuckDBInstance);`,
};

function folderBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + folderBytes(join(path, name)), 0);
}

async function bundles(): Promise<string> {
  const require = createRequire(join(ROOT, 'tools/bench/package.json'));
  const sideFiles: Record<WriterName, string[]> = {
    hyparquet: [],
    'parquet-wasm': [join(dirname(require.resolve('parquet-wasm/node')), 'parquet_wasm_bg.wasm')],
    duckdb: [dirname(require.resolve('@duckdb/node-bindings-linux-x64/package.json'))],
  };
  const lines = ['| writer | esbuild bundle KiB (minified, esm, node) | wasm/native files MiB (linux-x64) |', '|---|---:|---:|'];
  for (const writer of Object.keys(BUNDLE_ENTRIES) as WriterName[]) {
    let js = 'n/a';
    try {
      const result = await build({
        stdin: { contents: BUNDLE_ENTRIES[writer], resolveDir: join(ROOT, 'tools/bench'), loader: 'js' },
        bundle: true, platform: 'node', format: 'esm', minify: true, write: false, logLevel: 'silent',
        external: ['*.node'],
      });
      js = ((result.outputFiles[0]?.contents.length ?? 0) / 1024).toFixed(0);
    } catch (e) {
      js = `fails: ${(e as Error).message.split('\n')[0]}`;
    }
    const side = sideFiles[writer].reduce((sum, path) => sum + folderBytes(path), 0);
    lines.push(`| ${writer} | ${js} | ${(side / 2 ** 20).toFixed(1)} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    await child(argv[1] as Variant, Number(argv[2]), argv[3] as string);
    return;
  }
  const option = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const rows = option('--rows', 1_000_000);
  const reps = option('--reps', 3);
  const dir = mkdtempSync(join(tmpdir(), 'parquet-writers-'));
  try {
    console.log(`## Parquet writers — ${new Date().toISOString()}, Node ${process.version}, ${process.arch}\n`);
    console.log('### Type coverage (read back by DuckDB)\n');
    console.log(await coverage(dir));
    console.log('\n### Bundle size\n');
    console.log(await bundles());
    if (!argv.includes('--skip-speed')) {
      console.log(`\n### Speed: ${rows.toLocaleString('en-US')} rows, ${reps} reps, medians\n`);
      console.log(speed(rows, reps, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
