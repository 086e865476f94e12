/**
 * The built CLI as a user runs it: `node_modules/.bin/rds-s3-export`, the bin that `npm ci`
 * links (apps/exporter/bin/rds-s3-export.mjs), running an esbuild bundle with no TypeScript
 * loader. Each suite builds into a folder of its own (RDS_S3_EXPORT_CLI_DIST), so the build on
 * first use, the up-to-date check and the rebuild of a stale bundle are all observed here.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { EXPORTER_VERSION } from '@rds-s3-export/export-core';
import { freshMysqlDatabase, freshPostgresSchema, TEST_POSTGRES_URL } from '@rds-s3-export/export-core/testing';
import { S3RVER_CREDENTIALS, startS3, type LocalS3 } from '@rds-s3-export/aws/testing';
import { USAGE } from './parse-args.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const BIN = join(ROOT, 'node_modules/.bin/rds-s3-export');
/** The version manifests record; the package's own number must agree (checked below). */
const exporterVersion = EXPORTER_VERSION;
const BUILDING = /^rds-s3-export: building the CLI bundle \(esbuild\)… \((.+)\)$/m;

let dist: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The bin itself (its `#!/usr/bin/env node` line), with no NODE_OPTIONS: nothing but Node runs it. */
function bin(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return spawnRun(BIN, args, env);
}

function spawnRun(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('VITEST') && !k.startsWith('AWS_')));
  const child = spawn(command, [...args], { cwd: ROOT, env: { ...inherited, RDS_S3_EXPORT_CLI_DIST: dist, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const currentBuild = () => JSON.parse(readFileSync(join(dist, 'current.json'), 'utf8')) as { folder: string; inputs: string[]; outputs: string[]; startedAt: number };

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'rds-s3-export-cli-'));
});

afterAll(async () => {
  if (dist) await rm(dist, { recursive: true, force: true });
});

describe('Built CLI: node_modules/.bin/rds-s3-export', () => {
  it('is linked by npm ci to the committed launcher', () => {
    expect(existsSync(BIN)).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'apps/exporter/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ 'rds-s3-export': './bin/rds-s3-export.mjs' });
    expect(readFileSync(BIN, 'utf8')).toBe(readFileSync(join(ROOT, 'apps/exporter/bin/rds-s3-export.mjs'), 'utf8'));
    expect((JSON.parse(readFileSync(join(ROOT, 'apps/exporter/package.json'), 'utf8')) as { version: string }).version).toBe(EXPORTER_VERSION);
  });

  it('builds its bundle on first use, then answers --version and --help from it without building again', async () => {
    const first = await bin(['--version']);
    expect(first.stderr).toMatch(BUILDING);
    expect(BUILDING.exec(first.stderr)?.[1]).toBe('no build yet');
    expect(first.stdout).toBe(`rds-s3-export ${exporterVersion}\n`);
    expect(first.code).toBe(0);
    const build = currentBuild();
    expect(build.inputs).toContain('apps/exporter/src/cli/run.ts');
    expect(build.inputs).toContain('libs/export-core/src/index.ts');
    expect(build.inputs.some((input) => input.includes('node_modules'))).toBe(false);

    const version = await bin(['--version']);
    expect(version).toEqual({ code: 0, stdout: `rds-s3-export ${exporterVersion}\n`, stderr: '' });
    const help = await bin(['--help']);
    expect(help).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    expect(help.stdout).toContain('--version       the exporter\'s version');
    expect(currentBuild().folder).toBe(build.folder);
    // --help alone is answered from the small bundle: a few KB, not the 4 MB of the export
    expect(readFileSync(join(dist, build.folder, 'answer.mjs')).length).toBeLessThan(16 * 1024);
  }, 120_000);

  it('rebuilds when a source it was built from changed or is gone', async () => {
    await bin(['--version']);
    const before = currentBuild();
    // A source saved after the build started: here the build is dated back instead of touching
    // a source, which would make the worktree's own bundle stale too.
    writeFileSync(join(dist, 'current.json'), JSON.stringify({ ...before, startedAt: statSync(join(ROOT, 'apps/exporter/src/cli/run.ts')).mtimeMs - 1 }));
    const touched = await bin(['--version']);
    // Any source saved after run.ts names itself (in a fresh checkout several share its time).
    expect(BUILDING.exec(touched.stderr)?.[1]).toMatch(/^(apps|libs)\/[^ ]+\/src\/.+\.ts changed$/);
    expect(touched.stdout).toBe(`rds-s3-export ${exporterVersion}\n`);
    const after = currentBuild();
    expect(after.folder).not.toBe(before.folder);
    expect(after.startedAt).toBeGreaterThan(before.startedAt);

    // A source moved away (another module now imports its new path): the recorded input is gone.
    writeFileSync(join(dist, 'current.json'), JSON.stringify({ ...after, inputs: [...after.inputs, 'apps/exporter/src/cli/moved-away.ts'] }));
    const moved = await bin(['--help']);
    expect(BUILDING.exec(moved.stderr)?.[1]).toBe('apps/exporter/src/cli/moved-away.ts is gone');
    expect(moved.stdout).toBe(`${USAGE}\n`);
    expect(currentBuild().inputs).not.toContain('apps/exporter/src/cli/moved-away.ts');
    // the previous build is kept for a process that may still be loading it
    expect(existsSync(join(dist, after.folder))).toBe(true);

    expect(await bin(['--version'])).toEqual({ code: 0, stdout: `rds-s3-export ${exporterVersion}\n`, stderr: '' });
  }, 180_000);

  it('rebuilds when one of its chunks is gone', async () => {
    await bin(['--version']);
    const before = currentBuild();
    const chunks = before.outputs.filter((output) => output.startsWith('chunk-'));
    expect(chunks.length).toBeGreaterThan(1);
    unlinkSync(join(dist, before.folder, chunks[chunks.length - 1] ?? ''));
    const run = await bin(['--version']);
    expect(BUILDING.exec(run.stderr)?.[1]).toBe('the bundle is gone');
    expect(run.stdout).toBe(`rds-s3-export ${exporterVersion}\n`);
    expect(currentBuild().folder).not.toBe(before.folder);
  }, 180_000);

  it('npm run export runs the same command', async () => {
    await bin(['--version']);
    const run = await spawnRun('npm', ['run', '-s', 'export', '--', '--version'], {});
    expect(run).toEqual({ code: 0, stdout: `rds-s3-export ${exporterVersion}\n`, stderr: '' });
  }, 120_000);

  it('reports a usage error with its exit code, from the full bundle, which does not load fetch (undici)', async () => {
    // Node compiles its fetch implementation only when something asks for it; pg's Cloudflare
    // probe did at load time on Node 20 (cut out of the bundle: cli-bundle.mjs no-cloudflare-probe).
    const probe = join(dist, 'loaded-undici.cjs');
    writeFileSync(probe, "process.once('exit', () => process.stderr.write(`undici loaded: ${process.moduleLoadList.some((m) => m.includes('undici'))}\\n`));\n");
    const run = await bin(['--version', '--no-such-option'], { NODE_OPTIONS: `--require ${probe}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[config\/CLI_USAGE\]: Unknown option '--no-such-option'/m);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('undici loaded: false');
  }, 120_000);
});

describe('Built CLI: a quiet toolchain', () => {
  let s3: LocalS3;
  let my: Connection;
  let url: string;
  let out: string;
  const BUCKET = 'built-cli';

  beforeAll(async () => {
    s3 = await startS3({ buckets: [BUCKET] });
    const db = await freshMysqlDatabase('built_cli_bin_bench');
    my = db.admin;
    url = db.url;
    await my.query('CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(20)) SELECT seq AS id, CONCAT(\'p\', seq) AS name FROM seq_1_to_10');
    out = await mkdtemp(join(tmpdir(), 'built-cli-out-'));
  }, 120_000);

  afterAll(async () => {
    await my?.query('DROP DATABASE IF EXISTS built_cli_bin_bench');
    await my?.end();
    await s3?.stop();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('an export to S3 prints no AWS SDK Node-version banner, and other warnings still show', async () => {
    // Emitted at exit, long after the filter is in place: it must get through it.
    const laterWarning = join(out, 'later-warning.mjs');
    writeFileSync(laterWarning, "process.once('beforeExit', () => process.emitWarning('a warning of another kind', 'CustomWarning'));\n");
    const run = await bin(
      ['--source', url, '--table', 'people', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint, '--run-time', '2026-02-22T10:12:00Z', '--json'],
      { NODE_OPTIONS: `--import ${laterWarning}`, AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
    );
    expect(run.stderr).toMatch(/^exported 10 rows \(\d+ bytes\) in [\d.]+s to s3:\/\/built-cli\//m);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 10, exporterVersion: EXPORTER_VERSION });
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
    expect(run.stderr).not.toContain('require node >=');
    expect(run.stderr).toContain('CustomWarning: a warning of another kind');
  }, 180_000);

  it('an export to a local folder prints only its summary lines', async () => {
    const run = await bin(['--source', url, '--table', 'people', '--dest', `file://${out}`, '--layout', 'flat', '--run-time', '2026-02-22T10:12:00Z']);
    expect(run.code).toBe(0);
    const lines = run.stderr.replace(BUILDING, '').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^exported 10 rows/);
    expect(lines[1]).toMatch(/^manifest: /);
    const written = / to (\S+)$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect(written).toMatch(/people_20260222_101200\.csv$/);
    expect(await readFile(written, 'utf8')).toContain('10,p10');
  }, 180_000);

  it('--format parquet writes a .parquet file that DuckDB reads, with the wasm loaded by the bundle', async () => {
    const run = await bin(['--source', url, '--table', 'people', '--dest', `file://${out}/parquet`, '--layout', 'flat', '--format', 'parquet', '--run-time', '2026-02-22T10:12:00Z', '--json']);
    expect(run.stderr).toMatch(/^exported 10 rows/m);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout) as { format: string; objects: { key: string; rows: number }[]; parquet?: { columns: { name: string }[] } };
    expect(manifest.format).toBe('parquet');
    // Row groups from the file's footer (hyparquet's parser, bundled): 10 rows are one group.
    expect(manifest.objects).toEqual([expect.objectContaining({ key: 'rds_exports/people_20260222_101200.parquet', rows: 10, rowGroups: 1 })]);
    expect(manifest.parquet?.columns.map((c) => c.name)).toEqual(['id', 'name']);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const file = join(out, 'parquet', 'rds_exports/people_20260222_101200.parquet');
      const read = await duck.runAndReadAll(`SELECT count(*)::VARCHAR, max(id)::VARCHAR, string_agg(name, ',' ORDER BY id) FROM read_parquet('${file}')`);
      expect(read.getRows()).toEqual([['10', '10', 'p1,p2,p3,p4,p5,p6,p7,p8,p9,p10']]);
    } finally {
      duck.closeSync();
    }
  }, 180_000);
});

describe('Built CLI: a run loads only the chunks it needs', () => {
  const SCHEMA = 'built_cli_chunks_cli_startup';
  let pgAdmin: pg.Client;
  let my: Connection;
  let myUrl: string;
  let s3: LocalS3;
  let out: string;
  const BUCKET = 'built-cli-chunks';

  beforeAll(async () => {
    const pgdb = await freshPostgresSchema(SCHEMA);
    pgAdmin = pgdb.admin;
    await pgAdmin.query(`CREATE TABLE "${SCHEMA}".people AS SELECT g AS id, 'p' || g AS name FROM generate_series(1, 10) g`);
    const db = await freshMysqlDatabase('built_cli_chunks_cli_startup');
    my = db.admin;
    myUrl = db.url;
    await my.query("CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(20)) SELECT seq AS id, CONCAT('p', seq) AS name FROM seq_1_to_10");
    s3 = await startS3({ buckets: [BUCKET] });
    out = await mkdtemp(join(tmpdir(), 'built-cli-chunks-'));
  }, 120_000);

  afterAll(async () => {
    await pgAdmin?.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await pgAdmin?.end();
    await my?.query('DROP DATABASE IF EXISTS built_cli_chunks_cli_startup');
    await my?.end();
    await s3?.stop();
    if (out) await rm(out, { recursive: true, force: true });
  });

  /**
   * Runs the bin with a module loader hook that lists every ES module file Node loads, and
   * returns the npm packages whose code those files hold (esbuild marks each bundled file
   * with a `// node_modules/<package>/…` line).
   */
  async function packagesLoaded(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ run: Run; packages: Set<string> }> {
    const log = join(out, `loaded-${Date.now()}.txt`);
    const hooks = `import { appendFileSync } from 'node:fs'; export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }`;
    const probe = join(out, `load-probe-${Date.now()}.mjs`);
    writeFileSync(probe, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
    const run = await bin(args, { NODE_OPTIONS: `--import ${probe}`, ...env });
    const build = currentBuild();
    const files = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:') && url.includes(build.folder));
    expect(files.some((url) => url.endsWith('/rds-s3-export.mjs'))).toBe(true);
    const packages = new Set<string>();
    for (const url of files) {
      for (const match of readFileSync(new URL(url), 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) packages.add(match[1] ?? '');
    }
    return { run, packages };
  }

  it('a PostgreSQL export to a local folder loads pg, and neither the AWS SDK, mysql2 nor the Parquet writer', async () => {
    const { run, packages } = await packagesLoaded(['--source', TEST_POSTGRES_URL, '--table', `${SCHEMA}.people`, '--dest', `file://${out}`, '--layout', 'flat', '--run-time', '2026-02-22T10:12:00Z']);
    expect(run.stderr).toMatch(/^exported 10 rows/m);
    expect(run.code).toBe(0);
    expect(packages).toContain('pg');
    // Nor the Parquet writer (apache-arrow, parquet-wasm, hyparquet's footer parser): a CSV run does not pay for it.
    expect([...packages].filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/') || name === 'mysql2' || name === 'apache-arrow' || name === 'parquet-wasm' || name === 'hyparquet')).toEqual([]);
  }, 180_000);

  it('a MariaDB export to S3 loads mysql2 and the AWS SDK, and not pg', async () => {
    const { run, packages } = await packagesLoaded(
      ['--source', myUrl, '--table', 'people', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint, '--run-time', '2026-02-22T10:12:00Z'],
      { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
    );
    expect(run.stderr).toMatch(/^exported 10 rows \(\d+ bytes\) in [\d.]+s to s3:\/\/built-cli-chunks\//m);
    expect(run.code).toBe(0);
    expect(packages).toContain('mysql2');
    expect(packages).toContain('@aws-sdk/client-s3');
    expect(packages).not.toContain('pg');
  }, 180_000);
});
