/**
 * Memory stays flat in the size of the table: the CLI exports 1,000,000 rows of an
 * employees-like table from MariaDB and its peak RSS, sampled from outside the process,
 * stays under 200 MB. (Speed is the benchmark's business, not a test's.)
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { freshMysqlDatabase } from '@rds-s3-export/export-core/testing';
import { runMeasured } from '../testing/peak-rss.js';

const ROWS = 1_000_000;
const LIMIT_BYTES = 200 * 1024 * 1024;
let admin: Connection;
let url: string;
let out: string;

beforeAll(async () => {
  const db = await freshMysqlDatabase('exporter_memory');
  admin = db.admin;
  url = db.url;
  await admin.query(`CREATE TABLE employees (
      id BIGINT PRIMARY KEY, first_name VARCHAR(40), last_name VARCHAR(40), email VARCHAR(100), department VARCHAR(40),
      salary DECIMAL(12,2), hired_on DATE, updated_at TIMESTAMP(6), active TINYINT(1), notes TEXT)
    SELECT seq AS id, ELT(1 + seq % 5, 'Ada', 'Grace', 'Alan', 'Edsger', 'Barbara') AS first_name,
      ELT(1 + seq % 3, 'Lovelace', 'Hopper', 'Turing') AS last_name, CONCAT('user', seq, '@example.com') AS email,
      ELT(1 + seq % 4, 'Engineering', 'Finance', 'Sales', 'Ops') AS department, 30000 + (seq % 9000) * 7.31 AS salary,
      DATE('2000-01-01') + INTERVAL (seq % 9000) DAY AS hired_on, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS updated_at,
      seq % 2 AS active, IF(seq % 7 = 0, NULL, IF(seq % 11 = 0, '', CONCAT('note "', seq, '", with, commas\nand a newline'))) AS notes
    FROM seq_1_to_${ROWS}`);
  out = await mkdtemp(join(tmpdir(), 'exporter-memory-'));
}, 120_000);

afterAll(async () => {
  await admin?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

describe('CLI: memory', () => {
  it(`exports ${ROWS.toLocaleString('en-US')} rows with peak RSS under 200 MB`, async () => {
    const cli = resolve(import.meta.dirname, 'run.ts');
    const run = await runMeasured(process.execPath, ['--import', 'tsx', cli, '--source', url, '--table', 'employees', '--dest', `file://${out}`, '--layout', 'flat', '--run-time', '2026-02-22T10:12:00Z', '--json']);

    expect(run.stderr).toContain(`exported ${ROWS.toLocaleString('en-US')} rows`);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout) as { rows: number; bytes: number; objects: { key: string }[] };
    expect(manifest.rows).toBe(ROWS);
    expect((await stat(join(out, manifest.objects[0]!.key))).size).toBe(manifest.bytes);
    console.info(`peak RSS exporting ${ROWS} rows (${(manifest.bytes / 1048576).toFixed(0)} MiB of CSV): ${(run.peakRssBytes / 1048576).toFixed(1)} MiB`);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeLessThan(LIMIT_BYTES);
  }, 180_000);
});
