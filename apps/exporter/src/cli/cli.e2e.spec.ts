/**
 * The CLI end to end: MariaDB and PostgreSQL -> s3rver, as a user runs it (in-process `main`
 * with captured stdout/stderr, so exit codes and the exact lines are asserted). The S3
 * endpoint is reached through a fault proxy that can cut the upload at a chosen byte.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { freshMysqlDatabase, freshPostgresSchema, parseCsv, startFaultProxy, type FaultProxy } from '@rds-s3-export/export-core/testing';
import { localS3ClientConfig, startS3, type LocalS3 } from '@rds-s3-export/aws/testing';
import { runCliInProcess } from '../testing/run-cli-in-process.js';

const BUCKET = 'cli-e2e';
const PASSWORD = 'cli-Pa55word!';
/** The --password-stdin user: SELECT on one table only, dropped after the suite. */
const STDIN_USER = 'cli_pw_test';
const STDIN_PASSWORD = 'stdin-Pa55 word#%';
const WARNING = /^warning: the password in --source is visible to other users of this machine \(process list\) and may stay in shell history; use RDS_S3_EXPORT_DB_PASSWORD or --password-stdin instead\n/;
let s3: LocalS3;
let proxy: FaultProxy;
let client: S3Client;
let my: Connection;
/** cli_user without its password: the suite passes it the recommended way, RDS_S3_EXPORT_DB_PASSWORD. */
let myUrl: string;
/** cli_user with its password in the URL (the way that is visible in the process list). */
let myUrlWithPassword: string;
let stdinUrl: string;
let out: string;
let pgAdmin: pg.Client;
let pgUrl: string;

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  proxy = await startFaultProxy({ port: s3.port });
  client = new S3Client(localS3ClientConfig(s3.endpoint));
  const db = await freshMysqlDatabase('cli_e2e');
  my = db.admin;
  // ~14 MB of CSV: enough for a multipart upload with 8 MiB parts.
  await my.query(`CREATE TABLE events (id BIGINT PRIMARY KEY, happened_at DATETIME(6), amount DECIMAL(20,6), label VARCHAR(80))
    SELECT seq AS id, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS happened_at, seq / 7 AS amount,
      CONCAT('event "', seq, '", with a comma and some padding text') AS label FROM seq_1_to_200000`);
  await my.query(`DROP USER IF EXISTS 'cli_user'@'%'`);
  await my.query(`CREATE USER 'cli_user'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await my.query(`GRANT SELECT ON cli_e2e.* TO 'cli_user'@'%'`);
  await my.query(`CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(20)) SELECT seq AS id, CONCAT('p', seq) AS name FROM seq_1_to_25`);
  await my.query(`DROP USER IF EXISTS '${STDIN_USER}'@'%'`);
  await my.query(`CREATE USER '${STDIN_USER}'@'%' IDENTIFIED BY '${STDIN_PASSWORD}'`);
  await my.query(`GRANT SELECT ON cli_e2e.people TO '${STDIN_USER}'@'%'`);
  const u = new URL(db.url);
  u.username = 'cli_user';
  u.password = '';
  myUrl = u.toString();
  u.password = encodeURIComponent(PASSWORD);
  myUrlWithPassword = u.toString();
  u.username = STDIN_USER;
  u.password = '';
  stdinUrl = u.toString();
  out = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
  const pgdb = await freshPostgresSchema('cli_e2e');
  pgAdmin = pgdb.admin;
  pgUrl = pgdb.url;
  await pgAdmin.query(`CREATE TABLE cli_e2e.small AS SELECT g AS id, 'x' || g AS name, now() AS at FROM generate_series(1, 100) g`);
}, 120_000);

afterAll(async () => {
  await my?.query(`DROP USER IF EXISTS '${STDIN_USER}'@'%'`);
  await my?.end();
  if (out) await rm(out, { recursive: true, force: true });
  await pgAdmin?.end();
  await proxy?.stop();
  await s3?.stop();
});

async function cli(...argv: string[]) {
  return cliWith({ env: { RDS_S3_EXPORT_DB_PASSWORD: PASSWORD } }, ...argv);
}

async function cliWith(io: { env?: NodeJS.ProcessEnv; stdin?: Readable & { isTTY?: boolean } }, ...argv: string[]) {
  return runCliInProcess(argv, { env: { ...process.env, ...io.env }, ...(io.stdin ? { stdin: io.stdin } : {}) });
}

/** The real CLI in its own process (`npm run export` is `tsx run.ts`), stdin piped. */
function spawnCli(stdin: string, ...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'run.ts'), ...argv], {
    env: { ...process.env, RDS_S3_EXPORT_DB_PASSWORD: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  child.stdin.end(stdin);
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function keys(): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function bytesOf(key: string): Promise<Buffer> {
  const body = await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
  return Buffer.from(body);
}

describe('CLI: npm run export', () => {
  it('exports a MariaDB table to S3: object, content type, bytes, manifest last', async () => {
    const run = await cli('--source', myUrl, '--table', 'events', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint, '--run-time', '2026-02-22T10:12:00Z', '--json');

    expect(run.stderr).toMatch(/^exported 200,000 rows \([\d,]+ bytes\) in [\d.]+s to s3:\/\/cli-e2e\/rds_exports\/events\/dt=2026-02-22\/events_20260222_101200\.csv\n/);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout) as { rows: number; bytes: number; objects: { key: string; sha256: string; bytes: number }[] };
    const key = 'rds_exports/events/dt=2026-02-22/events_20260222_101200.csv';
    expect(manifest.rows).toBe(200_000);
    expect(manifest.objects).toHaveLength(1);
    expect(manifest.objects[0]!.key).toBe(key);
    const data = await bytesOf(key);
    expect(data.length).toBeGreaterThan(8 * 1024 * 1024); // really was multipart
    expect(data.length).toBe(manifest.bytes);
    expect(createHash('sha256').update(data).digest('hex')).toBe(manifest.objects[0]!.sha256);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentType).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(data.toString('utf8')).rows;
    expect(rows[41]).toEqual(['42', '2026-01-01 00:00:42.000000', '6.000000', 'event "42", with a comma and some padding text']);
    const stored = JSON.parse((await bytesOf('_manifests/events/events_20260222_101200.json')).toString('utf8')) as { rows: number };
    expect(stored.rows).toBe(200_000);
    // The manifest (commit marker) was written after the data object.
    const dataHead = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const manifestHead = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: '_manifests/events/events_20260222_101200.json' }));
    expect(manifestHead.LastModified!.getTime()).toBeGreaterThanOrEqual(dataHead.LastModified!.getTime());
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  }, 120_000);

  it('writes gzip with Content-Encoding and the flat seed layout from PostgreSQL', async () => {
    const run = await cli('--source', pgUrl, '--table', 'cli_e2e.small', '--job-name', 'employees', '--dest', `s3://${BUCKET}/`, '--s3-endpoint', s3.endpoint, '--layout', 'flat', '--compression', 'gzip', '--run-time', '2026-02-22T10:12:00Z');

    expect(run.code).toBe(0);
    const key = 'rds_exports/employees_20260222_101200.csv.gz';
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentEncoding).toBe('gzip');
    const { header, rows } = parseCsv(gunzipSync(await bytesOf(key)).toString('utf8'));
    expect(header).toEqual(['id', 'name', 'at']);
    expect(rows).toHaveLength(100);
    expect(rows[0]![2]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/); // UTC, no offset
  });

  it('fails with one clear line and leaves nothing when S3 dies mid-upload', async () => {
    const before = await keys();
    proxy.cutAfter(6 * 1024 * 1024);
    const run = await cli('--source', myUrl, '--table', 'events', '--job-name', 'cut', '--dest', `s3://${BUCKET}`, '--s3-endpoint', proxy.endpoint, '--run-time', '2026-02-22T11:00:00Z');

    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error \[(network|storage)\/S3_[A-Z_]+\]: export of job "cut" \(mariadb table events\): .*cli-e2e/);
    expect(run.stderr).not.toContain(PASSWORD);
    expect(await keys()).toEqual(before); // no data object, no manifest
  }, 120_000);

  it('names the problem and never prints the password on a database failure', async () => {
    const wrong = new URL(myUrl);
    wrong.pathname = '/cli_e2e';
    const run = await cli('--source', wrong.toString(), '--table', 'no_such_table', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[config\/SOURCE_OBJECT_NOT_FOUND\]: export of job "no_such_table" \(mariadb table no_such_table\): .*no_such_table/);
    expect(run.stderr).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain(encodeURIComponent(PASSWORD));

    const auth = await cliWith({ env: { RDS_S3_EXPORT_DB_PASSWORD: 'not-the-password' } }, '--source', myUrl, '--table', 'events', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint);
    expect(auth.code).toBe(3);
    expect(auth.stderr).toMatch(/^error \[auth\/SOURCE_AUTH_FAILED\]: .*Access denied for user 'cli_user'/);
    expect(auth.stderr).not.toContain('not-the-password');
  });

  it('refuses bad arguments before connecting, naming the option', async () => {
    // Port 9 (discard) is closed: any connection attempt would be a network error, not these.
    const source = 'mariadb://root:topsecret@127.0.0.1:9/db';
    const cases: [string[], RegExp][] = [
      [['--dest', 's3://Bad_Bucket'], /--dest: bucket name "Bad_Bucket" may contain only lowercase letters/],
      [['--dest', 's3://ok-bucket/a/../b'], /--dest: prefix "a\/..\/b" must not contain empty, "." or ".." segments/],
      [['--dest', 'ftp://x'], /--dest: "ftp:\/\/x" must start with s3:\/\/ or file:\/\//],
      [['--dest', 's3://ok-bucket', '--layout', 'tree'], /--layout must be one of hive, flat \(got "tree"\)/],
      [['--dest', 's3://ok-bucket', '--run-time', 'yesterday'], /--run-time "yesterday" is not an ISO-8601 time/],
      [['--dest', 's3://ok-bucket', '--table', 'db.hr.t'], /--table "db.hr.t" must be "table" or "schema.table"/],
      [['--dest', 's3://ok-bucket', '--table', '"My Schema'], /--table ""My Schema" has an unterminated " quote/],
    ];
    for (const [args, message] of cases) {
      const run = await cli('--source', source, ...(args.includes('--table') ? [] : ['--table', 't']), ...args);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).not.toContain('topsecret');
    }
    const trimmed = await cli('--source', source, '--table', 't', '--dest', 's3://ok-bucket ');
    // The bucket was accepted after trimming; the URL's password earned the warning first.
    expect(trimmed.stderr).toMatch(new RegExp(`${WARNING.source}error \\[network/SOURCE_UNREACHABLE\\]`));
    expect(trimmed.stderr).not.toContain('topsecret');
  });

  it('splits into parts with --max-rows-per-file and exports in parallel with --chunks', async () => {
    const split = await cli('--source', myUrl, '--table', 'events', '--job-name', 'split', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint, '--layout', 'flat', '--run-time', '2026-02-22T12:00:00Z', '--max-rows-per-file', '60000', '--json');
    expect(split.code).toBe(0);
    const splitManifest = JSON.parse(split.stdout) as { objects: { key: string; rows: number }[]; rows: number };
    expect(splitManifest.objects.map((o) => [o.key, o.rows])).toEqual([
      ['rds_exports/split_20260222_120000_part0001.csv', 60_000],
      ['rds_exports/split_20260222_120000_part0002.csv', 60_000],
      ['rds_exports/split_20260222_120000_part0003.csv', 60_000],
      ['rds_exports/split_20260222_120000_part0004.csv', 20_000],
    ]);

    const chunked = await cli('--source', myUrl, '--table', 'events', '--job-name', 'chunked', '--dest', `s3://${BUCKET}`, '--s3-endpoint', s3.endpoint, '--layout', 'flat', '--run-time', '2026-02-22T12:00:00Z', '--chunks', '4', '--concurrency', '2', '--json');
    expect(chunked.code).toBe(0);
    const chunkedManifest = JSON.parse(chunked.stdout) as { objects: { key: string; rows: number }[]; rows: number; reconciliation: unknown };
    expect(chunkedManifest.objects.map((o) => o.rows)).toEqual([50_000, 50_000, 50_000, 50_000]);
    expect(chunkedManifest.reconciliation).toEqual({ sourceRows: 200_000, exportedRows: 200_000 });
    expect(await keys()).toEqual(expect.arrayContaining(['_manifests/chunked/chunked_20260222_120000.json', 'rds_exports/chunked_20260222_120000_part0004.csv']));

    const bad = await cli('--source', myUrl, '--table', 'events', '--dest', `s3://${BUCKET}`, '--chunks', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--chunks must be a whole number from 1 to 10000 \(got "0"\)/);
  }, 120_000);

  it('runs a job of a deployment config file (--config, --job) against MariaDB and PostgreSQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
    try {
      const file = join(dir, 'deploy.yaml');
      const myNoPassword = new URL(myUrl);
      myNoPassword.password = '';
      writeFileSync(
        file,
        [
          'connections:',
          '  shop:',
          '    engine: mariadb',
          `    url: ${myNoPassword.toString()}`,
          '  analytics:',
          '    engine: postgres',
          `    url: ${pgUrl}`,
          'defaults:',
          `  destination: { bucket: ${BUCKET}, prefix: from_config, layout: flat }`,
          'jobs:',
          '  - name: shop-events',
          '    connection: shop',
          '    table: events',
          '    columns: [id, amount]',
          '    limits: { maxRowsPerFile: 150000 }',
          '  - name: analytics-small',
          '    connection: analytics',
          '    query: SELECT id, name FROM cli_e2e.small WHERE id <= 10 ORDER BY id',
          '    allowPrivilegedQuery: true   # the test connects as the superuser postgres',
          '    destination: { compression: gzip }',
          '',
        ].join('\n'),
      );
      // The password of a local run comes from the environment, never from the file.
      const shop = await cliWith({ env: { RDS_S3_EXPORT_DB_PASSWORD: PASSWORD } }, '--config', file, '--job', 'shop-events', '--s3-endpoint', s3.endpoint, '--run-time', '2026-02-23T08:00:00Z', '--json');
      expect(shop.stderr).toContain(
        `to 2 objects:\n  s3://${BUCKET}/from_config/shop-events_20260223_080000_part0001.csv\n  s3://${BUCKET}/from_config/shop-events_20260223_080000_part0002.csv\n`,
      );
      expect(shop.code).toBe(0);
      const shopManifest = JSON.parse(shop.stdout) as { rows: number; objects: { key: string; rows: number }[] };
      expect(shopManifest.objects.map((o) => [o.key, o.rows])).toEqual([
        ['from_config/shop-events_20260223_080000_part0001.csv', 150_000],
        ['from_config/shop-events_20260223_080000_part0002.csv', 50_000],
      ]);
      const first = parseCsv((await bytesOf('from_config/shop-events_20260223_080000_part0001.csv')).toString('utf8'));
      expect(first.header).toEqual(['id', 'amount']);
      expect(first.rows[41]).toEqual(['42', '6.000000']);
      expect(shop.stdout + shop.stderr).not.toContain(PASSWORD);

      // RDS_S3_EXPORT_CONFIG names the file when --config does not; --dest wins over the file's bucket.
      const analytics = await cliWith({ env: { RDS_S3_EXPORT_CONFIG: file } }, '--job', 'analytics-small', '--dest', `file://${dir}`, '--run-time', '2026-02-23T08:00:00Z', '--json');
      expect(analytics.code).toBe(0);
      const manifest = JSON.parse(analytics.stdout) as { rows: number; objects: { key: string }[] };
      expect(manifest.rows).toBe(10);
      expect(manifest.objects[0]!.key).toBe('rds_exports/analytics-small_20260223_080000.csv.gz');
      const { header, rows } = parseCsv(gunzipSync(readFileSync(join(dir, manifest.objects[0]!.key))).toString('utf8'));
      expect(header).toEqual(['id', 'name']);
      expect(rows.map((r) => r[1])).toEqual(['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10']);

      const unknown = await cli('--config', file, '--job', 'nope');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe(`error [config/JOB_UNKNOWN]: unknown job "nope"; known jobs: shop-events, analytics-small (in ${file})\n`);
      writeFileSync(join(dir, 'broken.yaml'), '\nconnections:\n  shop: { engine: mariadb, url: "mariadb://u@h/db" }\njobs:\n  - { name: a, connection: shopp, table: t }\n');
      const broken = await cli('--config', join(dir, 'broken.yaml'), '--job', 'a');
      expect(broken.code).toBe(2);
      expect(broken.stderr).toContain(`error [config/DEPLOYMENT_CONFIG_INVALID]: ${join(dir, 'broken.yaml')}:5: job "a": connection: no connection "shopp" (known: shop)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('CLI: the database password', () => {
  const people = (dest: string) => ['--table', 'people', '--dest', dest, '--layout', 'flat', '--run-time', '2026-02-22T13:00:00Z', '--json'];

  it('warns once on stderr, without the password, when --source carries one; not otherwise', async () => {
    const inUrl = await cliWith({}, '--source', myUrlWithPassword, ...people(`file://${out}`));
    expect(inUrl.code).toBe(0);
    expect(inUrl.stderr).toMatch(WARNING);
    expect(inUrl.stderr.match(/^warning:/gm)).toHaveLength(1);
    expect(inUrl.stderr).toMatch(/\nexported 25 rows /);
    expect(inUrl.stdout + inUrl.stderr).not.toContain(PASSWORD);
    expect(inUrl.stdout + inUrl.stderr).not.toContain(encodeURIComponent(PASSWORD));

    const fromEnv = await cli('--source', myUrl, ...people(`file://${out}`));
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).toMatch(/^exported 25 rows /);
    expect(fromEnv.stderr).not.toContain('warning');

    const refused = await cliWith({}, '--source', myUrlWithPassword, '--table', 'people', '--dest', 's3://Bad_Bucket');
    expect(refused.code).toBe(2); // a bad argument is refused before the warning
    expect(refused.stderr).toMatch(/^error \[config\/CLI_USAGE\]: --dest/);
  });

  it('--password-stdin: the real CLI authenticates with the password piped in and prints it nowhere', async () => {
    const run = await spawnCli(`${STDIN_PASSWORD}\n`, '--source', stdinUrl, '--password-stdin', ...people(`file://${out}/stdin`));

    expect(run.stderr).toMatch(/^exported 25 rows \([\d,]+ bytes\) in [\d.]+s to /);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout) as { rows: number; objects: { key: string }[] };
    expect(manifest.rows).toBe(25);
    const csv = await readFile(join(out, 'stdin', manifest.objects[0]!.key), 'utf8');
    expect(parseCsv(csv).rows[24]).toEqual(['25', 'p25']);
    expect(run.stdout + run.stderr).not.toContain(STDIN_PASSWORD);
    expect(run.stderr).not.toContain('warning');
  }, 120_000);

  it('--password-stdin: a wrong password is exit 3 and is never printed; a password that is not piped is refused', async () => {
    const wrong = 'wrong-Stdin-Pa55';
    const denied = await cliWith({ stdin: Readable.from([`${wrong}\r\n`]) }, '--source', stdinUrl, '--password-stdin', ...people(`file://${out}`));
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/^error \[auth\/SOURCE_AUTH_FAILED\]: .*Access denied for user 'cli_pw_test'/);
    expect(denied.stdout + denied.stderr).not.toContain(wrong);

    // Only one trailing newline is stripped: a second one is part of the (now wrong) password.
    const extraNewline = await cliWith({ stdin: Readable.from([`${STDIN_PASSWORD}\n\n`]) }, '--source', stdinUrl, '--password-stdin', ...people(`file://${out}`));
    expect(extraNewline.code).toBe(3);

    const terminal = Object.assign(Readable.from([STDIN_PASSWORD]), { isTTY: true });
    const tty = await cliWith({ stdin: terminal }, '--source', stdinUrl, '--password-stdin', ...people(`file://${out}`));
    expect(tty.code).toBe(2);
    expect(tty.stderr).toMatch(/^error \[config\/CLI_USAGE\]: --password-stdin reads the password from a pipe or a file, but stdin is a terminal/);

    const empty = await cliWith({ stdin: Readable.from(['\n']) }, '--source', stdinUrl, '--password-stdin', ...people(`file://${out}`));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error \[config\/CLI_USAGE\]: --password-stdin read an empty password from stdin/);

    const both = await cliWith({ stdin: Readable.from([STDIN_PASSWORD]) }, '--source', myUrlWithPassword, '--password-stdin', ...people(`file://${out}`));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error \[config\/CLI_USAGE\]: --password-stdin conflicts with the password in --source/);
    expect(both.stderr).not.toContain(PASSWORD);
  });
});
