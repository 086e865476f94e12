/**
 * Split exports: 1,000,000 MariaDB rows with maxRowsPerFile 250,000 give four complete CSV
 * files, each with its header, listed in one manifest; a failure in the middle leaves none.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { FaultInjectingSink, freshMysqlDatabase, freshPostgresSchema, parseCsv } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type ObjectSink, type RowSource } from '../ports.js';
import { parseConnectionUrl } from '../sources/connection-settings.js';
import { MysqlRowSource } from '../sources/mysql/mysql-row-source.js';
import { PostgresRowSource } from '../sources/postgres/postgres-row-source.js';
import { runExport } from './run-export.js';

const ROWS = 1_000_000;
let admin: Connection;
let url: string;
let pgUrl: string;
let out: string;

beforeAll(async () => {
  const db = await freshMysqlDatabase('split_export');
  admin = db.admin;
  url = db.url;
  await admin.query(`CREATE TABLE t (id BIGINT PRIMARY KEY, label VARCHAR(40)) SELECT seq AS id, CONCAT('row ', seq, ', "q"') AS label FROM seq_1_to_${ROWS}`);
  const pg = await freshPostgresSchema('split_export');
  pgUrl = pg.url;
  await pg.admin.query(`CREATE TABLE split_export.small AS SELECT g::bigint AS id, 'x' || g AS label FROM generate_series(1, 10) g`);
  await pg.admin.end();
  out = await mkdtemp(join(tmpdir(), 'split-'));
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await rm(out, { recursive: true, force: true });
});

function exportWith(source: RowSource, table: string, sink: ObjectSink, limits: { maxRows?: number; maxBytes?: number }, minute: number) {
  return runExport(
    { job: 'split', table, dialect: CsvDialectSchema.parse({}), prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'flat', compression: 'none', runTime: new Date(Date.UTC(2026, 1, 22, 10, minute)), limits },
    { source, sink, clock: systemClock, logger: silentLogger },
  );
}

describe('Function: runExport (split files)', () => {
  it('1,000,000 rows at maxRowsPerFile 250,000: four files with headers, one manifest', async () => {
    const manifest = await exportWith(new MysqlRowSource(parseConnectionUrl(url)), 't', new LocalFolderSink(out), { maxRows: 250_000 }, 0);

    expect(manifest.objects.map((o) => o.key)).toEqual([1, 2, 3, 4].map((n) => `rds_exports/split_20260222_100000_part000${n}.csv`));
    expect(manifest.objects.map((o) => o.rows)).toEqual([250_000, 250_000, 250_000, 250_000]);
    expect(manifest.rows).toBe(ROWS);
    expect(manifest.reconciliation).toEqual({ sourceRows: ROWS, exportedRows: ROWS });
    let total = 0;
    for (const object of manifest.objects) {
      const bytes = await readFile(join(out, object.key));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(object.sha256);
      expect(bytes.length).toBe(object.bytes);
      // No value contains a newline, so lines are records (csv-parse on 1M rows is slow).
      const lines = bytes.toString('utf8').split('\n');
      expect(lines[0]).toBe('id,label');
      expect(parseCsv(lines.slice(0, 3).join('\n')).rows[1]?.[1]).toMatch(/^row \d+, "q"$/);
      expect(lines.at(-1)).toBe('');
      total += lines.length - 2;
    }
    expect(total).toBe(ROWS);
  }, 120_000);

  it('rolls over on bytes too, and a PostgreSQL export with limits streams rows', async () => {
    const manifest = await exportWith(new PostgresRowSource(parseConnectionUrl(pgUrl)), 'split_export.small', new LocalFolderSink(out), { maxRows: 4 }, 1);
    expect(manifest.objects.map((o) => o.rows)).toEqual([4, 4, 2]);
    const byBytes = await exportWith(new MysqlRowSource(parseConnectionUrl(url)), 't', new LocalFolderSink(out), { maxBytes: 8 * 1024 * 1024 }, 2);
    expect(byBytes.objects.length).toBeGreaterThanOrEqual(3);
    for (const object of byBytes.objects.slice(0, -1)) expect(object.bytes).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(byBytes.rows).toBe(ROWS);
  }, 120_000);

  it('a failure in the third part leaves no part and no manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'split-fail-'));
    const sink = new FaultInjectingSink(new LocalFolderSink(dir), { failAfterBytes: 0 });
    let opened = 0;
    const failing: ObjectSink = {
      ...sink,
      describe: (k) => sink.describe(k),
      getObject: (k) => sink.getObject(k),
      putObject: (k, b, o) => sink.putObject(k, b, o),
      deleteObject: (k) => sink.deleteObject(k),
      listKeys: (p) => sink.listKeys(p),
      openWriter: (key, options) => (++opened === 3 ? sink.openWriter(key, options) : new LocalFolderSink(dir).openWriter(key, options)),
    };
    await expect(exportWith(new MysqlRowSource(parseConnectionUrl(url)), 't', failing, { maxRows: 250_000 }, 3)).rejects.toMatchObject({ message: expect.stringContaining('injected sink failure') });
    expect(opened).toBe(3);
    expect(await readdir(dir, { recursive: true }).then((entries) => entries.filter((e) => e.endsWith('.csv') || e.endsWith('.json') || e.endsWith('.partial')))).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});
