/**
 * Failure paths of a run against real servers: the database connection killed mid-stream,
 * the sink failing mid-write, the manifest write failing. Each must end with a classified
 * error and nothing of the run visible at the destination (no data object, no manifest, no
 * temp file).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { FaultInjectingSink, freshMysqlDatabase, freshPostgresSchema, type Faults } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type RowSource } from '../ports.js';
import { parseConnectionUrl } from '../sources/connection-settings.js';
import { MysqlRowSource } from '../sources/mysql/mysql-row-source.js';
import { PostgresRowSource } from '../sources/postgres/postgres-row-source.js';
import { runExport } from './run-export.js';

const DB = 'run_failures';
const ROWS = 200_000;
let mysqlAdmin: Connection;
let pgAdmin: pg.Client;
let mysqlUrl: string;
let pgUrl: string;
let out: string;

beforeAll(async () => {
  const my = await freshMysqlDatabase(DB);
  mysqlAdmin = my.admin;
  mysqlUrl = my.url;
  // MariaDB's sequence engine makes a large table in one statement. Wide rows (about 45 MB in
  // all): a 6 MB table fitted in loopback socket buffers, so the server could finish sending and
  // leave the process list before the kill test found its query.
  await mysqlAdmin.query(
    `CREATE TABLE big (id BIGINT PRIMARY KEY, payload VARCHAR(300)) SELECT seq AS id, CONCAT('row-', seq, ',"quoted"', REPEAT('x', 200)) AS payload FROM seq_1_to_${ROWS}`,
  );
  const pgdb = await freshPostgresSchema(DB);
  pgAdmin = pgdb.admin;
  pgUrl = pgdb.url;
  await pgAdmin.query(`CREATE TABLE ${DB}.big AS SELECT g::bigint AS id, 'row-' || g || ',"quoted"' AS payload FROM generate_series(1, ${ROWS}) g`);
});

afterAll(async () => {
  await mysqlAdmin?.end();
  await pgAdmin?.end();
});

beforeEach(async () => {
  if (out) await rm(out, { recursive: true, force: true });
  out = await mkdtemp(join(tmpdir(), 'run-failures-'));
});

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

function run(source: RowSource, table: string, faults: Faults, compression: 'none' | 'gzip' = 'none') {
  return runExport(
    {
      job: 'big',
      table,
      dialect: CsvDialectSchema.parse({}),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'hive',
      compression,
      runTime: new Date(Date.UTC(2026, 1, 22, 10, 12, 0)),
    },
    { source, sink: new FaultInjectingSink(new LocalFolderSink(out), faults), clock: systemClock, logger: silentLogger },
  );
}

describe('Function: runExport (failures)', () => {
  it('fails cleanly when the MariaDB connection is killed mid-stream', async () => {
    // A failure of this helper would reach the export as a sink error (class storage) and hide
    // its cause: it is recorded and asserted on first.
    let killFailure: unknown;
    const killExporter = async () => {
      try {
        const streaming = async () => {
          const [rows] = await mysqlAdmin.query(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE 'SELECT%big%'`,
            [DB],
          );
          return (rows as { ID: number }[]).map((r) => r.ID);
        };
        // The process list can lag the first bytes on a loaded machine: wait for the one query.
        let ids: number[] = [];
        await expect.poll(async () => (ids = await streaming()).length, { timeout: 10_000, interval: 50 }).toBe(1);
        // The id the poll saw: KILL ends that connection even if its query has just finished.
        await mysqlAdmin.query(`KILL ${Number(ids[0])}`);
      } catch (error) {
        killFailure = error;
        throw error;
      }
    };
    const failed = run(new MysqlRowSource(parseConnectionUrl(mysqlUrl)), 'big', { onFirstChunk: killExporter, delayPerChunkMs: 5 });
    await failed.catch(() => undefined);
    expect(killFailure).toBeUndefined();
    await expect(failed).rejects.toMatchObject({
      errorClass: expect.stringMatching(/^(database|network)$/),
      message: expect.stringMatching(/^export of job "big" \(mariadb table big\): streaming table big from mariadb 127\.0\.0\.1:3306\/run_failures: MySQL /),
    });
    expect(await filesUnder(out)).toEqual([]);
  });

  it('fails cleanly when the PostgreSQL backend is terminated mid-COPY', async () => {
    const killExporter = async () => {
      // This suite's COPY only, by its quoted table: a pattern like 'COPY%big%' also matched
      // another suite's COPY of rel_hostile.big_cells running at the same time, and killed it.
      const result = await pgAdmin.query(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'rds-s3-export' AND query LIKE 'COPY%' AND position($1 in query) > 0`,
        [`"${DB}"."big"`],
      );
      expect(result.rows).toEqual([{ killed: true }]);
    };
    await expect(run(new PostgresRowSource(parseConnectionUrl(pgUrl)), `${DB}.big`, { onFirstChunk: killExporter, delayPerChunkMs: 5 }, 'gzip')).rejects.toMatchObject({
      errorClass: expect.stringMatching(/^(database|network)$/),
      message: expect.stringContaining(`export of job "big" (postgres table ${DB}.big)`),
    });
    expect(await filesUnder(out)).toEqual([]);
  });

  it('aborts the object and classifies the error when the sink fails mid-write', async () => {
    await expect(run(new MysqlRowSource(parseConnectionUrl(mysqlUrl)), 'big', { failAfterBytes: 1_000_000 })).rejects.toMatchObject({
      errorClass: 'storage',
      message: expect.stringContaining('injected sink failure'),
    });
    expect(await filesUnder(out)).toEqual([]);
    // The source connection was released: nothing of ours is left running on the server. The
    // socket is destroyed at once, but the server reaps its thread when it next writes or reads,
    // so poll (a leaked connection stays listed and fails this).
    const ours = async () => {
      const [rows] = await mysqlAdmin.query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()`, [DB]);
      return Number((rows as { n: string }[])[0]?.n);
    };
    await expect.poll(ours, { timeout: 15_000, interval: 100 }).toBe(0);
  });

  it('removes the completed data object when the manifest cannot be written', async () => {
    await expect(run(new PostgresRowSource(parseConnectionUrl(pgUrl)), `${DB}.big`, { failManifest: true })).rejects.toMatchObject({
      message: expect.stringContaining('injected manifest write failure'),
    });
    expect(await filesUnder(out)).toEqual([]);
  });

  it('commits data then manifest when nothing fails, with the exact row count', async () => {
    const manifest = await run(new PostgresRowSource(parseConnectionUrl(pgUrl)), `${DB}.big`, {});
    expect(manifest.rows).toBe(ROWS);
    expect((await filesUnder(out)).sort()).toEqual(['big_20260222_101200.csv', 'big_20260222_101200.json']);
  });
});
