/**
 * Row-mode buffering is bounded by bytes, not only rows: a split export (row mode on both
 * engines) of 2,500 rows of 256 KB each (640 MB of text) to S3 (s3rver, in this test process)
 * stays under 300 MiB peak RSS, measured from outside the CLI process — the export of the
 * security review, which saw 842 MB (PostgreSQL) and 715 MB (MariaDB) with 2,000-row buffers.
 * Measured here on a loaded 2-core machine with byte-bounded buffers (row-buffer.ts, and the
 * CLI's old-generation tuning, tuning/old-generation.ts): to S3 222-226 MiB (MariaDB) and
 * 227-252 MiB (PostgreSQL) over two runs, 414 and 895 MiB with 2,000-row buffers alone (the
 * byte bound lifted); the same export to a local folder 146-200 MiB. S3 adds the multipart
 * upload's parts in flight (8 MiB parts, 4 in parallel).
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { freshMysqlDatabase, freshPostgresSchema, TEST_POSTGRES_URL } from '@rds-s3-export/export-core/testing';
import { S3RVER_CREDENTIALS, startS3, type LocalS3 } from '@rds-s3-export/aws/testing';
import { runMeasured } from '../testing/peak-rss.js';

const DB = 'sec_row_mode_memory';
const ROWS = 2_500;
const CELL = 256 * 1024;
const LIMIT_BYTES = 300 * 1024 * 1024;
const BUCKET = 'row-mode-memory';
let my: Connection;
let myUrl: string;
let pgAdmin: pg.Client;
let s3: LocalS3;

beforeAll(async () => {
  const a = await freshMysqlDatabase(DB);
  my = a.admin;
  myUrl = a.url;
  // 16-byte units, so every cell is exactly 256 KiB of distinct-per-row text.
  await my.query(`CREATE TABLE wide_rows (id INT PRIMARY KEY, body LONGTEXT NOT NULL)
    SELECT seq AS id, REPEAT(LPAD(CONCAT('r', seq, ','), 16, 'x'), ${CELL / 16}) AS body FROM seq_1_to_${ROWS}`);
  pgAdmin = (await freshPostgresSchema(DB)).admin;
  await pgAdmin.query(
    `CREATE TABLE ${DB}.wide_rows AS SELECT g AS id, repeat(lpad('r' || g || ',', 16, 'x'), ${CELL / 16}) AS body FROM generate_series(1, ${ROWS}) g; ALTER TABLE ${DB}.wide_rows ADD PRIMARY KEY (id)`,
  );
  s3 = await startS3({ buckets: [BUCKET] });
}, 300_000);

afterAll(async () => {
  await my?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await my?.end();
  await pgAdmin?.query(`DROP SCHEMA IF EXISTS ${DB} CASCADE`).catch(() => undefined);
  await pgAdmin?.end();
  await s3?.stop();
});

const cases = [
  { label: 'MariaDB', source: () => myUrl, table: 'wide_rows' },
  { label: 'PostgreSQL', source: () => TEST_POSTGRES_URL, table: `${DB}.wide_rows` },
];

describe('CLI: row-mode memory is bounded by bytes', () => {
  it.each(cases)('$label: a split export of 2,500 rows of 256 KB to S3 stays under 300 MiB peak RSS', async ({ label, source, table }) => {
    const cli = resolve(import.meta.dirname, 'run.ts');
    const run = await runMeasured(process.execPath, [
      '--import', 'tsx', cli, '--source', source(), '--table', table, '--dest', `s3://${BUCKET}/${label}`, '--s3-endpoint', s3.endpoint, '--layout', 'flat',
      '--max-bytes-per-file', String(100 * 1024 * 1024), '--run-time', '2026-02-22T10:12:00Z', '--json',
    ], { ...process.env, AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' });

    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(run.stdout) as { rows: number; bytes: number; objects: { key: string; rows: number }[] };
    expect(manifest.rows).toBe(ROWS);
    expect(manifest.objects.length).toBeGreaterThan(1);
    expect(manifest.objects.reduce((sum, o) => sum + o.rows, 0)).toBe(ROWS);
    expect(manifest.bytes).toBeGreaterThan(ROWS * CELL);
    console.info(`${label}: peak RSS of a split export of ${ROWS} rows x 256 KiB to S3: ${(run.peakRssBytes / 1048576).toFixed(1)} MiB`);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeLessThan(LIMIT_BYTES);
  }, 300_000);
});
