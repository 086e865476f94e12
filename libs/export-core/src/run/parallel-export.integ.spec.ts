/**
 * Parallel export (plan -> 8 chunks -> commit) of a 5,000,000-row table on MariaDB and on
 * PostgreSQL: the parts, concatenated without their headers, equal a single-stream export of
 * the same table in key order, byte for byte; a failing chunk leaves nothing and a retry
 * succeeds; skewed keys still give chunks within 2x of each other.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { FaultInjectingSink, freshMysqlDatabase, freshPostgresSchema } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type ObjectSink, type RowSource } from '../ports.js';
import { parseConnectionUrl } from '../sources/connection-settings.js';
import { MysqlRowSource } from '../sources/mysql/mysql-row-source.js';
import { PostgresRowSource } from '../sources/postgres/postgres-row-source.js';
import { runChunkedExport } from './run-export.js';
import type { ExportRequest } from './export-request.js';
import { planChunks } from './chunks.js';

const ROWS = 5_000_000;
const SCHEMA = 'parallel_export';
let my: Connection;
let pgAdmin: pg.Client;
let myUrl: string;
let pgUrl: string;
let out: string;

beforeAll(async () => {
  const a = await freshMysqlDatabase(SCHEMA);
  my = a.admin;
  myUrl = a.url;
  await my.query(`CREATE TABLE big (id BIGINT PRIMARY KEY, amount DECIMAL(12,2), label VARCHAR(30)) SELECT seq AS id, seq % 1000 / 7 AS amount, CONCAT('r', seq, IF(seq % 9 = 0, ',"x"', '')) AS label FROM seq_1_to_${ROWS}`);
  await my.query(`CREATE TABLE skewed (id BIGINT PRIMARY KEY, v INT) SELECT seq AS id, 1 AS v FROM seq_1_to_90000 UNION ALL SELECT 1000000 + seq * 100000 AS id, 2 AS v FROM seq_1_to_10000`);
  const b = await freshPostgresSchema(SCHEMA);
  pgAdmin = b.admin;
  pgUrl = b.url;
  await pgAdmin.query(`CREATE TABLE ${SCHEMA}.big AS SELECT g::bigint AS id, round((g % 1000) / 7.0, 2)::numeric(12,2) AS amount, 'r' || g || CASE WHEN g % 9 = 0 THEN ',"x"' ELSE '' END AS label FROM generate_series(1, ${ROWS}) g; ALTER TABLE ${SCHEMA}.big ADD PRIMARY KEY (id)`);
  out = await mkdtemp(join(tmpdir(), 'parallel-'));
}, 300_000);

afterAll(async () => {
  await my?.end();
  await pgAdmin?.end();
  await rm(out, { recursive: true, force: true });
});

let minute = 0;
function requestFor(table: string): ExportRequest {
  return { job: 'big', table, dialect: CsvDialectSchema.parse({}), prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'flat', compression: 'none', runTime: new Date(Date.UTC(2026, 1, 22, 11, minute++)) };
}

/** SHA-256 of the files' bytes after their first line (the header), concatenated in order. */
async function bodyHash(files: string[]): Promise<{ sha256: string; header: string }> {
  const hash = createHash('sha256');
  let header = '';
  for (const file of files) {
    let skipping = true;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      let data = chunk;
      if (skipping) {
        const newline = data.indexOf(10);
        if (newline === -1) continue;
        header = data.subarray(0, newline).toString('utf8');
        data = data.subarray(newline + 1);
        skipping = false;
      }
      hash.update(data);
    }
  }
  return { sha256: hash.digest('hex'), header };
}

const engines: { label: string; table: string; source: () => RowSource }[] = [
  { label: 'MariaDB', table: 'big', source: () => new MysqlRowSource(parseConnectionUrl(myUrl)) },
  { label: 'PostgreSQL', table: `${SCHEMA}.big`, source: () => new PostgresRowSource(parseConnectionUrl(pgUrl)) },
];

describe.each(engines)('Parallel export: $label, 5,000,000 rows in 8 chunks', ({ table, source }) => {
  it('the parts equal a single-stream export of the table, row for row', async () => {
    const sink = new LocalFolderSink(out);
    // One chunk: the whole table in one snapshot, ordered by the key.
    const single = await runChunkedExport(requestFor(table), { chunks: 1, keyColumn: 'id' }, { source: source(), sink, clock: systemClock, logger: silentLogger });
    const request = requestFor(table);
    const options = { chunks: 8, concurrency: 4, keyColumn: 'id' };
    const plan = await planChunks(request, options, { source: source() });
    const parallel = await runChunkedExport(request, options, { source: source(), sink, clock: systemClock, logger: silentLogger });

    expect(plan.ranges).toHaveLength(8);
    expect(parallel.objects).toHaveLength(8);
    expect(parallel.objects.map((o) => o.key)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `rds_exports/${parallel.runId}_part000${n}.csv`));
    expect(parallel.rows).toBe(ROWS);
    expect(parallel.reconciliation).toEqual({ sourceRows: ROWS, exportedRows: ROWS });
    for (const part of parallel.objects) expect(part.rows).toBe(ROWS / 8);
    const a = await bodyHash([join(out, single.objects[0]!.key)]);
    const b = await bodyHash(parallel.objects.map((o) => join(out, o.key)));
    expect(b.header).toBe('id,amount,label');
    expect(b.sha256).toBe(a.sha256);
    expect(await sink.getObject(`_manifests/big/${parallel.runId}.json`)).toContain('"exportedRows": 5000000');
  }, 300_000);
});

describe('Parallel export: failures and skew', () => {
  it('a failing chunk leaves no part and no manifest; the retry succeeds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parallel-fail-'));
    const request = requestFor('skewed');
    const options = { chunks: 8, concurrency: 2, keyColumn: 'id' };
    const source = new MysqlRowSource(parseConnectionUrl(myUrl));
    const plan = await planChunks(request, options, { source });
    expect(plan.ranges).toHaveLength(8);
    const good = new LocalFolderSink(dir);
    const bad = new FaultInjectingSink(good, { failAfterBytes: 0 });
    let opened = 0;
    const failing: ObjectSink = {
      describe: (k) => good.describe(k),
      getObject: (k) => good.getObject(k),
      putObject: (k, b, o) => good.putObject(k, b, o),
      deleteObject: (k) => good.deleteObject(k),
      listKeys: (p) => good.listKeys(p),
      openWriter: (key, o) => (++opened === 5 ? bad.openWriter(key, o) : good.openWriter(key, o)),
    };

    await expect(runChunkedExport(request, options, { source, sink: failing, clock: systemClock, logger: silentLogger })).rejects.toMatchObject({
      message: expect.stringContaining('injected sink failure'),
    });
    expect((await readdir(dir, { recursive: true })).filter((f) => /\.(csv|json|partial)$/.test(f))).toEqual([]);

    const retry = await runChunkedExport(request, options, { source, sink: good, clock: systemClock, logger: silentLogger });
    expect(retry.rows).toBe(100_000);
    expect(await good.getObject(`_manifests/big/${retry.runId}.json`)).not.toBeNull();
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('skewed keys (90% of rows in 0.01% of the key range) give chunks within 2x of each other', async () => {
    const plan = await planChunks(requestFor('skewed'), { chunks: 8, keyColumn: 'id' }, { source: new MysqlRowSource(parseConnectionUrl(myUrl)) });
    const counts: number[] = [];
    for (const range of plan.ranges) {
      const conditions = [range.lower !== null ? `id >= ${range.lower}` : '1=1', range.upper !== null ? `id < ${range.upper}` : '1=1'];
      const [rows] = await my.query(`SELECT COUNT(*) AS n FROM skewed WHERE ${conditions.join(' AND ')}`);
      counts.push(Number((rows as { n: string }[])[0]!.n));
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThanOrEqual(2);
  });
});
