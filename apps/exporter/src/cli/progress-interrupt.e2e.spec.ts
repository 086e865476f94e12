/**
 * The CLI as a person runs it: live progress on a terminal (a real pseudo-terminal through
 * `script`), JSON progress for tools, the outcome line, the CSV dialect flags, and Ctrl+C /
 * SIGTERM in the middle of an export (the real process gets the real signal) against a folder
 * and against S3 (s3rver, multipart). Database names carry this suite's own suffix.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { freshMysqlDatabase, freshPostgresSchema } from '@rds-s3-export/export-core/testing';
import { localS3ClientConfig, startS3, type LocalS3 } from '@rds-s3-export/aws/testing';
import { runCliInProcess } from '../testing/run-cli-in-process.js';

const DB = 'cli_progress_e2e';
const BUCKET = 'cli-progress';
/** Enough rows that an export runs for seconds on a busy machine (about 110 MB of CSV). */
const BIG_ROWS = 1_200_000;
const RUN = resolve(import.meta.dirname, 'run.ts');
const REPO = resolve(import.meta.dirname, '../../../..');
/** A command line for `script -c`, each argument single-quoted. */
const shellLine = (argv: readonly string[]) => argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

let my: Connection;
let myUrl: string;
let pgAdmin: pg.Client;
let pgUrl: string;
let s3: LocalS3;
let client: S3Client;
let out: string;

beforeAll(async () => {
  const db = await freshMysqlDatabase(DB);
  my = db.admin;
  myUrl = db.url;
  await my.query(`CREATE TABLE big (id BIGINT PRIMARY KEY, label VARCHAR(120))
    SELECT seq AS id, CONCAT('event "', seq, '", with a comma, and padding text to make the row longer') AS label FROM seq_1_to_${BIG_ROWS}`);
  // The Ctrl+C tests need an export still streaming when the signal arrives: the 1.2M-row table
  // exports in about a second on an idle machine. This view paces the stream (10 ms every 1,000
  // rows, about 12 s in all) without slowing its COUNT(*) (MERGE: the select list is not evaluated).
  await my.query(`CREATE ALGORITHM=MERGE VIEW big_paced AS SELECT id, label, IF(id % 1000 = 0, SLEEP(0.01), 0) AS paced FROM big`);
  await my.query(`SET time_zone = '+00:00'`);
  await my.query(`CREATE TABLE small (id INT PRIMARY KEY, name VARCHAR(20), at TIMESTAMP NULL, bin VARBINARY(4))
    SELECT seq AS id, IF(seq = 2, '=SUM(A1)', CONCAT('p', seq)) AS name, TIMESTAMP('2026-01-01 10:00:00') AS at, UNHEX('CAFE') AS bin FROM seq_1_to_12`);
  const pgdb = await freshPostgresSchema(DB);
  pgAdmin = pgdb.admin;
  pgUrl = pgdb.url;
  // A quoted line break in every row: the COPY stream's record counter must not count it.
  await pgAdmin.query(`CREATE TABLE ${DB}.notes AS SELECT g AS id, 'line one' || chr(10) || 'line "two", ' || g AS body FROM generate_series(1, 300000) g`);
  s3 = await startS3({ buckets: [BUCKET] });
  client = new S3Client(localS3ClientConfig(s3.endpoint));
  out = await mkdtemp(join(tmpdir(), 'cli-progress-'));
}, 180_000);

afterAll(async () => {
  await my?.query(`DROP DATABASE IF EXISTS \`${DB}\``);
  await my?.end();
  await pgAdmin?.query(`DROP SCHEMA IF EXISTS "${DB}" CASCADE`);
  await pgAdmin?.end();
  await s3?.stop();
  if (out) await rm(out, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  return runCliInProcess(argv, { env: { ...process.env, RDS_S3_EXPORT_DB_PASSWORD: '' } });
}

interface Spawned {
  readonly stderr: () => string;
  /** stdout and stderr so far (under script, the terminal's screen is stdout). */
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  /** Types into the process's stdin (the terminal, under script). */
  type(text: string): void;
}

/** The real CLI in its own process (as `npm run export` runs it). */
function spawnCli(argv: string[], command: string[] = [process.execPath, '--import', 'tsx', RUN, ...argv]): Spawned {
  const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, RDS_S3_EXPORT_DB_PASSWORD: '' }, stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return {
    stderr: () => stderr,
    output: () => stdout + stderr,
    exited: new Promise((done, fail) => {
      child.on('error', fail);
      child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    }),
    kill: (signal) => child.kill(signal),
    type: (text) => child.stdin.write(text),
  };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const events = (stderr: string) => stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('CLI: progress and the outcome line', () => {
  it('on a terminal (a real pty through script): rows of the total, %, rate, MiB, elapsed, ETA, then the outcome line', async () => {
    const dest = join(out, 'tty');
    const args = ['--source', myUrl, '--table', 'big', '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', '2026-02-22T10:00:00Z'];
    // A known width: the live line is cut to the terminal's columns.
    const line = `stty cols 250 rows 50; ${shellLine([process.execPath, '--import', 'tsx', RUN, ...args])}`;
    // script gives the CLI a terminal as stdin/stdout/stderr and copies what it shows to our pipe.
    const run = await spawnCli([], ['script', '-qfec', line, '/dev/null']).exited;

    expect(run.code).toBe(0);
    const screen = run.stdout.replace(/\r\n/g, '\n');
    const updates = screen.split('\r\x1b[K').filter((s) => /rows/.test(s) && !s.startsWith('exported'));
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) {
      expect(update).toMatch(/^[\d,]+ \/ 1,200,000 rows \(\d+\.\d%\), [\d,]+ rows\/s, \d+\.\d MiB written, \d+s(, ETA \d+s)?$/);
    }
    expect(updates.at(-1)).toMatch(/^1,200,000 \/ 1,200,000 rows \(100\.0%\), /);
    expect(screen).toMatch(new RegExp(`\\r\\x1b\\[Kexported 1,200,000 rows \\([\\d,]+ bytes\\) in [\\d.]+s to ${dest}/rds_exports/big_20260222_100000\\.csv\\nmanifest: ${dest}/_manifests/big/big_20260222_100000\\.json\\n$`));
  }, 180_000);

  it('not on a terminal: no progress, only the outcome; --progress tty forces it; --quiet says nothing', async () => {
    const dest = `file://${join(out, 'plain')}`;
    const plain = await cli('--source', myUrl, '--table', 'small', '--dest', dest, '--run-time', '2026-02-22T10:00:00Z');
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/^exported 12 rows \(\d+ bytes\) in [\d.]+s to .*small_20260222_100000\.csv\nmanifest: .*\.json\n$/);

    const quiet = await cli('--source', myUrl, '--table', 'small', '--dest', dest, '--run-time', '2026-02-22T10:01:00Z', '--quiet');
    expect(quiet).toMatchObject({ code: 0, stderr: '' });

    const forced = await cli('--source', myUrl, '--table', 'big', '--dest', dest, '--run-time', '2026-02-22T10:02:00Z', '--compression', 'gzip', '--progress', 'tty');
    expect(forced.code).toBe(0);
    const updates = forced.stderr.split('\r\x1b[K').filter((s) => / rows \(/.test(s) && !s.startsWith('exported'));
    // gzip: the CSV read and the compressed bytes written, named apart.
    expect(updates.at(-1)).toMatch(/^1,200,000 \/ 1,200,000 rows \(100\.0%\), [\d,]+ rows\/s, read (\d+\.\d) MiB, wrote (\d+\.\d) MiB gzip, \d+s, ETA 0s$/);
    const [, read, wrote] = /read (\d+\.\d) MiB, wrote (\d+\.\d) MiB/.exec(updates.at(-1)!)!;
    expect(Number(wrote)).toBeLessThan(Number(read) / 3);
    expect(forced.stderr).toMatch(/\r\x1b\[Kexported 1,200,000 rows \([\d,]+ bytes gzip\) in /);
  }, 180_000);

  it('JSON progress: one object per line, PostgreSQL COPY rows counted as they stream, then a done event', async () => {
    const run = await cli('--source', pgUrl, '--table', `${DB}.notes`, '--job-name', 'notes', '--dest', `file://${join(out, 'json')}`, '--run-time', '2026-02-22T10:00:00Z', '--progress', 'json');
    expect(run.code).toBe(0);
    const lines = events(run.stderr);
    const progress = lines.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const e of progress) expect(e).toMatchObject({ totalRows: 300_000, rows: expect.any(Number), bytes: expect.any(Number), elapsedMs: expect.any(Number) });
    // The last report is the complete stream: a quoted line break was not counted as a record.
    expect(progress.at(-1)).toMatchObject({ rows: 300_000, percent: 100, etaMs: 0 });
    expect(lines.at(-1)).toEqual({
      event: 'done',
      rows: 300_000,
      bytes: expect.any(Number),
      durationMs: expect.any(Number),
      objects: [`${join(out, 'json')}/rds_exports/notes/dt=2026-02-22/notes_20260222_100000.csv`],
      manifest: `${join(out, 'json')}/_manifests/notes/notes_20260222_100000.json`,
    });
  }, 120_000);

  it('split export: progress over every part (never stepping back between parts), and every part named', async () => {
    const dest = join(out, 'split');
    const run = await cli('--source', myUrl, '--table', 'big', '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', '2026-02-22T10:00:00Z', '--max-rows-per-file', '300000', '--progress', 'json');
    expect(run.code).toBe(0);
    const lines = events(run.stderr);
    const progress = lines.filter((e) => e.event === 'progress') as { rows: number; csvBytes: number; bytes: number }[];
    for (const [i, e] of progress.entries()) {
      if (i === 0) continue;
      expect(e.rows).toBeGreaterThanOrEqual(progress[i - 1]!.rows);
      expect(e.bytes).toBeGreaterThanOrEqual(progress[i - 1]!.bytes);
    }
    expect(progress.at(-1)).toMatchObject({ rows: BIG_ROWS, totalRows: BIG_ROWS, percent: 100 });
    expect(lines.at(-1)).toMatchObject({ event: 'done', rows: BIG_ROWS, objects: [1, 2, 3, 4].map((n) => `${dest}/rds_exports/big_20260222_100000_part000${n}.csv`) });
  }, 120_000);

  it('parallel export: per-chunk completion in the progress, every object named in the outcome', async () => {
    const dest = join(out, 'chunks');
    const run = await cli('--source', myUrl, '--table', 'big', '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', '2026-02-22T10:00:00Z', '--chunks', '3', '--concurrency', '2', '--progress', 'json');
    expect(run.code).toBe(0);
    const progress = events(run.stderr).filter((e) => e.event === 'progress') as { rows: number; totalRows: number; chunks: { chunk: number; state: string; rows: number }[] }[];
    expect(progress.every((e) => e.totalRows === BIG_ROWS && e.chunks.length === 3)).toBe(true);
    // Chunks finish one by one: some report shows a chunk done while another is not.
    expect(progress.some((e) => e.chunks.some((c) => c.state === 'done') && e.chunks.some((c) => c.state !== 'done'))).toBe(true);
    expect(progress.at(-1)!.chunks.map((c) => c.state)).toEqual(['done', 'done', 'done']);
    expect(progress.at(-1)!.rows).toBe(BIG_ROWS);

    const human = await cli('--source', myUrl, '--table', 'small', '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', '2026-02-22T10:00:00Z', '--chunks', '3');
    expect(human.stderr).toBe(
      `exported 12 rows (${human.stderr.match(/\(([\d,]+) bytes/)![1]} bytes) in ${human.stderr.match(/in ([\d.]+)s/)![1]}s to 3 objects:\n` +
        [1, 2, 3].map((n) => `  ${dest}/rds_exports/small_20260222_100000_part000${n}.csv\n`).join('') +
        `manifest: ${dest}/_manifests/small/small_20260222_100000.json\n`,
    );
  }, 180_000);
});

describe('CLI: CSV dialect flags', () => {
  it('writes the dialect the flags ask for', async () => {
    const dest = join(out, 'dialect');
    const run = await cli('--source', myUrl, '--table', 'small', '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', '2026-02-22T10:00:00Z',
      '--delimiter', ';', '--crlf', '--bom', '--formula-guard', '--binary-encoding', 'hex', '--timestamp-format', 'iso8601', '--json');
    expect(run.code).toBe(0);
    const csv = await readFile(join(dest, 'rds_exports/small_20260222_100000.csv'), 'utf8');
    expect(csv.split('\r\n').slice(0, 3)).toEqual(['\uFEFFid;name;at;bin', '1;p1;2026-01-01T10:00:00Z;cafe', "2;'=SUM(A1);2026-01-01T10:00:00Z;cafe"]);
    expect(JSON.parse(run.stdout).csv).toEqual({ delimiter: ';', recordDelimiter: 'crlf', header: true, bom: true, formulaGuard: true, binaryEncoding: 'hex', timestampFormat: 'iso8601', zeroDates: 'keep' });

    const noHeader = await cli('--source', myUrl, '--table', 'small', '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', '2026-02-22T10:01:00Z', '--no-header', '--delimiter', 'tab', '--compression', 'gzip');
    expect(noHeader.code).toBe(0);
    const gz = gunzipSync(await readFile(join(dest, 'rds_exports/small_20260222_100100.csv.gz'))).toString('utf8');
    expect(gz.split('\n')[0]).toBe('1\tp1\t2026-01-01 10:00:00\tyv4=');
  });

  it('refuses a bad value before connecting, naming the flag (exit 2)', async () => {
    const run = await cli('--source', 'mariadb://u@127.0.0.1:9/db', '--table', 't', '--dest', `file://${out}`, '--delimiter', '||');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error [config/CLI_USAGE]: --delimiter: delimiter must be exactly one character (got "||")\nrun with --help for usage\n');
  });
});

describe('CLI: interrupts', () => {
  it('Ctrl+C mid-export to a folder: one line, exit 130, no data, no .partial, no manifest', async () => {
    const dest = join(out, 'sigint');
    const child = spawnCli(['--source', myUrl, '--table', 'big_paced', '--dest', `file://${dest}`, '--progress', 'json']);
    await until('the first progress event', () => child.stderr().includes('"event":"progress"'));
    await until('a partial file', async () => (await filesUnder(dest)).some((f) => f.endsWith('.partial')));
    child.kill('SIGINT');
    const run = await child.exited;

    expect(run.code).toBe(130);
    const lines = events(run.stderr);
    expect(lines.filter((e) => e.event !== 'progress' && e.event !== 'warning')).toEqual([{ event: 'interrupted', signal: 'SIGINT' }]);
    expect(await filesUnder(dest)).toEqual([]);
  }, 180_000);

  it('Ctrl+C typed on a terminal under `npm run export`: exactly one line after the progress, exit 130, nothing left', async () => {
    const dest = join(out, 'sigint-text');
    // The terminal sends SIGINT to npm, tsx and the CLI at once (and npm and tsx forward it):
    // one keypress, several signals, still one clean abort.
    const npm = shellLine(['npm', 'run', '-s', 'export', '--', '--source', myUrl, '--table', 'big_paced', '--dest', `file://${dest}`]);
    const child = spawnCli([], ['script', '-qfec', npm, '/dev/null']);
    await until('the first progress line', () => child.output().includes(' rows ('));
    child.type('\x03');
    const run = await child.exited;

    expect(run.code).toBe(130);
    const shown = run.stdout.split('\r\x1b[K').at(-1);
    expect(shown).toBe('interrupted by SIGINT: export stopped, nothing committed (partial data removed, no manifest written)\r\n');
    expect(await filesUnder(dest)).toEqual([]);
  }, 180_000);

  it('SIGTERM mid-export to S3 (parallel, multipart): uploads aborted, no object, no manifest, exit 143', async () => {
    const child = spawnCli(['--source', myUrl, '--table', 'big_paced', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint, '--chunks', '2', '--chunk-key', 'id', '--progress', 'json']);
    await until('the first progress event', () => child.stderr().includes('"event":"progress"'));
    await until('a multipart upload in flight', async () => (await s3.pendingMultipartUploads(BUCKET)).length > 0);
    child.kill('SIGTERM');
    const run = await child.exited;

    expect(run.code).toBe(143);
    expect(events(run.stderr).filter((e) => e.event !== 'progress' && e.event !== 'warning')).toEqual([{ event: 'interrupted', signal: 'SIGTERM' }]);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents ?? []).toEqual([]);
    expect(await s3.pendingMultipartUploads(BUCKET)).toEqual([]);
  }, 180_000);
});
