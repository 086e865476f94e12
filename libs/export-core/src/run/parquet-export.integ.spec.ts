/**
 * Parquet output end to end against real servers: a table covering the type families is
 * exported with `format: 'parquet'` through runExport to a local folder, and DuckDB (an
 * independent reader) reads the file back. Every cell is compared with the server's own value
 * (decimals and 64-bit integers as text, timestamps as epoch microseconds, binary as hex,
 * NULL as NULL), the column types DuckDB reads are the typed mapping's, and the manifest's
 * Parquet schema and per-object row groups are what DuckDB reads from each file's footer.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CsvDialectSchema, type Manifest } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema } from '../testing/index.js';
import { describeParquet, duckNumber, duckRows as readDuck, manifestColumnAsDuck, openDuck, parquetSchemaRows, parquetTypeOf, rowGroupCount } from '../testing/duckdb-parquet.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type ObjectSink, type ObjectWriteOptions, type RowSource } from '../ports.js';
import { parseConnectionUrl } from '../sources/connection-settings.js';
import { MysqlRowSource } from '../sources/mysql/mysql-row-source.js';
import { PostgresRowSource } from '../sources/postgres/postgres-row-source.js';
import { runChunkedExport, runExport } from './run-export.js';
import { PARQUET_CONTENT_TYPE, type ParquetOptions } from './parquet-object.js';

const DB = 'parquet_types_pw';
const RUN_TIME = new Date(Date.UTC(2026, 1, 22, 10, 12, 0));

/** One column: its DDL, the server's value as text, DuckDB's value of the Parquet column as text, and DuckDB's type. */
interface Probe {
  readonly name: string;
  readonly ddl: string;
  readonly server: (c: string) => string;
  readonly duck: (c: string) => string;
  readonly duckType: string;
  /** Compare as numbers (FLOAT/DOUBLE: the texts differ between engines, the values must not). */
  readonly numeric?: 'float' | 'double';
}

let mysqlAdmin: Connection;
let pgAdmin: pg.Client;
let mysqlUrl: string;
let pgUrl: string;
let out: string;
let duck: DuckDBConnection;

beforeAll(async () => {
  const my = await freshMysqlDatabase(DB);
  mysqlAdmin = my.admin;
  mysqlUrl = my.url;
  const pgdb = await freshPostgresSchema(DB);
  pgAdmin = pgdb.admin;
  pgUrl = pgdb.url;
  out = await mkdtemp(join(tmpdir(), 'parquet-export-'));
  duck = await openDuck();
});

afterAll(async () => {
  await mysqlAdmin?.end();
  await pgAdmin?.end();
  duck?.closeSync();
  if (out) await rm(out, { recursive: true, force: true });
});

const text = (c: string) => `CAST(${c} AS CHAR)`;
const duckText = (c: string) => `CAST(${c} AS VARCHAR)`;
const duckMicros = (c: string) => `CAST(epoch_us(${c}) AS VARCHAR)`;
const duckHex = (c: string) => `lower(hex(${c}))`;

const MYSQL: readonly Probe[] = [
  { name: 'ti', ddl: 'TINYINT', server: text, duck: duckText, duckType: 'TINYINT' },
  { name: 'tiu', ddl: 'TINYINT UNSIGNED', server: text, duck: duckText, duckType: 'SMALLINT' },
  { name: 'si', ddl: 'SMALLINT', server: text, duck: duckText, duckType: 'SMALLINT' },
  { name: 'iu', ddl: 'INT UNSIGNED', server: text, duck: duckText, duckType: 'BIGINT' },
  { name: 'bi', ddl: 'BIGINT', server: text, duck: duckText, duckType: 'BIGINT' },
  { name: 'biu', ddl: 'BIGINT UNSIGNED', server: text, duck: duckText, duckType: 'DECIMAL(20,0)' },
  { name: 'd92', ddl: 'DECIMAL(9,2)', server: text, duck: duckText, duckType: 'DECIMAL(9,2)' },
  { name: 'd182', ddl: 'DECIMAL(18,4)', server: text, duck: duckText, duckType: 'DECIMAL(18,4)' },
  { name: 'd3810', ddl: 'DECIMAL(38,10)', server: text, duck: duckText, duckType: 'DECIMAL(38,10)' },
  { name: 'd6530', ddl: 'DECIMAL(65,30)', server: text, duck: duckText, duckType: 'VARCHAR' },
  { name: 'f', ddl: 'FLOAT', server: text, duck: duckText, duckType: 'FLOAT', numeric: 'float' },
  { name: 'dbl', ddl: 'DOUBLE', server: text, duck: duckText, duckType: 'DOUBLE', numeric: 'double' },
  { name: 'dt', ddl: 'DATE', server: text, duck: duckText, duckType: 'DATE' },
  { name: 'tm', ddl: 'TIME(6)', server: text, duck: duckText, duckType: 'VARCHAR' },
  { name: 'dtm', ddl: 'DATETIME(6)', server: (c) => `CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${c}) AS CHAR)`, duck: duckMicros, duckType: 'TIMESTAMP' },
  { name: 'ts', ddl: 'TIMESTAMP(6) NULL', server: (c) => `CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${c}) AS CHAR)`, duck: duckMicros, duckType: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'flag', ddl: 'BOOLEAN', server: text, duck: duckText, duckType: 'TINYINT' },
  { name: 'bin', ddl: 'VARBINARY(16)', server: (c) => `LOWER(HEX(${c}))`, duck: duckHex, duckType: 'BLOB' },
  { name: 'txt', ddl: 'TEXT', server: (c) => c, duck: (c) => c, duckType: 'VARCHAR' },
  { name: 'j', ddl: 'JSON', server: text, duck: (c) => c, duckType: 'VARCHAR' },
];

const MYSQL_ROWS = [
  `(1, -128, 255, -32768, 4294967295, -9223372036854775808, 18446744073709551615, -9999999.99, 99999999999999.9999, 9999999999999999999999999999.9999999999, '12345678901234567890123456789012345.123456789012345678901234567890', 0.5, 1.7976931348623157e308, '1000-01-01', '-838:59:59.000000', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', TRUE, X'00ff10', 'comma, "quote"\nline', '{"a": [1, 2]}')`,
  `(2, 127, 0, 32767, 0, 9223372036854775807, 0, 9999999.99, -99999999999999.9999, -9999999999999999999999999999.9999999999, '-0.000000000000000000000000000001', -1024.75, -2.2250738585072014e-308, '9999-12-31', '838:59:59.999999', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', FALSE, X'', '', '[]')`,
  `(3, ${Array.from({ length: MYSQL.length }, () => 'NULL').join(', ')})`,
];

const PG: readonly Probe[] = [
  { name: 'si', ddl: 'smallint', server: (c) => `${c}::text`, duck: duckText, duckType: 'SMALLINT' },
  { name: 'i', ddl: 'integer', server: (c) => `${c}::text`, duck: duckText, duckType: 'INTEGER' },
  { name: 'bi', ddl: 'bigint', server: (c) => `${c}::text`, duck: duckText, duckType: 'BIGINT' },
  { name: 'n92', ddl: 'numeric(9,2)', server: (c) => `${c}::text`, duck: duckText, duckType: 'DECIMAL(9,2)' },
  { name: 'n3810', ddl: 'numeric(38,10)', server: (c) => `${c}::text`, duck: duckText, duckType: 'DECIMAL(38,10)' },
  { name: 'n', ddl: 'numeric', server: (c) => `${c}::text`, duck: duckText, duckType: 'VARCHAR' },
  { name: 'r', ddl: 'real', server: (c) => `${c}::text`, duck: duckText, duckType: 'FLOAT', numeric: 'float' },
  { name: 'dp', ddl: 'double precision', server: (c) => `${c}::text`, duck: duckText, duckType: 'DOUBLE', numeric: 'double' },
  { name: 'dt', ddl: 'date', server: (c) => `${c}::text`, duck: duckText, duckType: 'DATE' },
  // A time of day has no Glue/Athena type: the server's text (docs/parquet-time.md).
  { name: 'tm', ddl: 'time(6)', server: (c) => `${c}::text`, duck: (c) => c, duckType: 'VARCHAR' },
  { name: 'ts', ddl: 'timestamp(6)', server: (c) => `(extract(epoch from ${c}) * 1000000)::bigint::text`, duck: duckMicros, duckType: 'TIMESTAMP' },
  { name: 'tstz', ddl: 'timestamptz(6)', server: (c) => `(extract(epoch from ${c}) * 1000000)::bigint::text`, duck: duckMicros, duckType: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'flag', ddl: 'boolean', server: (c) => `${c}::text`, duck: (c) => `CASE WHEN ${c} THEN 'true' WHEN NOT ${c} THEN 'false' END`, duckType: 'BOOLEAN' },
  { name: 'bin', ddl: 'bytea', server: (c) => `encode(${c}, 'hex')`, duck: duckHex, duckType: 'BLOB' },
  { name: 'txt', ddl: 'text', server: (c) => c, duck: (c) => c, duckType: 'VARCHAR' },
  { name: 'j', ddl: 'jsonb', server: (c) => `${c}::text`, duck: (c) => c, duckType: 'VARCHAR' },
];

const PG_ROWS = [
  `(1, -32768, -2147483648, -9223372036854775808, -9999999.99, 9999999999999999999999999999.9999999999, 123456789012345678901234567890.123456789, 'NaN', 'Infinity', '0001-01-01', '00:00:00', '0001-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', true, '\\x00ff10', 'comma, "quote"' || chr(10) || 'line', '{"a": [1, 2]}')`,
  `(2, 32767, 2147483647, 9223372036854775807, 9999999.99, -9999999999999999999999999999.9999999999, -0.5, '-Infinity', '-1.7976931348623157e308', '9999-12-31', '23:59:59.999999', '9999-12-31 23:59:59.999999', '2026-02-22 10:12:00.5+02', false, '\\x', '', '[]')`,
  `(3, 0, 0, 0, 0, 0, 0, 3.4028235e38, 'NaN', '1970-01-01', '12:00:00.5', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', true, '\\x01', 'x', 'null')`,
  `(4, ${Array.from({ length: PG.length }, () => 'NULL').join(', ')})`,
];

/** The write options of every object opened (the local folder keeps no content type). */
const opened: { key: string; options: ObjectWriteOptions }[] = [];

function recordingSink(): ObjectSink {
  const local = new LocalFolderSink(out);
  return Object.assign(Object.create(local) as ObjectSink, {
    openWriter: (key: string, options: ObjectWriteOptions) => {
      opened.push({ key, options });
      return local.openWriter(key, options);
    },
  });
}

function parquetRequest(table: string, job: string, parquet: ParquetOptions) {
  return {
      job,
      table,
      dialect: CsvDialectSchema.parse({}),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat',
      compression: 'none',
      format: 'parquet',
      runTime: RUN_TIME,
      parquet,
    } as const;
}

// Default here: two rows per row group, so the file has several row groups to read back.
async function exportParquet(source: RowSource, table: string, job: string, parquet: ParquetOptions = { rowGroupRows: 2 }): Promise<{ manifest: Manifest; path: string }> {
  const manifest = await runExport(parquetRequest(table, job, parquet), { source, sink: recordingSink(), clock: systemClock, logger: silentLogger });
  return { manifest, path: join(out, (manifest.objects[0] as { key: string }).key) };
}

function duckRows(sql: string): Promise<(string | null)[][]> {
  return readDuck(duck, sql);
}

/**
 * The manifest states what DuckDB reads from each object's footer: the Parquet schema (names,
 * physical and logical types) and, per object, the row groups.
 */
async function assertManifestMatchesFiles(manifest: Manifest): Promise<void> {
  expect(manifest.parquet?.columns.every((c) => c.nullable)).toBe(true);
  for (const object of manifest.objects) {
    const path = join(out, object.key);
    expect(manifest.parquet?.columns.map(manifestColumnAsDuck)).toEqual(await parquetSchemaRows(duck, path));
    expect({ key: object.key, rowGroups: object.rowGroups }).toEqual({ key: object.key, rowGroups: await rowGroupCount(duck, path) });
  }
}

async function assertSameCells(path: string, probes: readonly Probe[], serverRows: (string | null)[][]): Promise<void> {
  const file = `'${path.replaceAll("'", "''")}'`;
  expect(await describeParquet(duck, path)).toEqual([['id', 'INTEGER'], ...probes.map((p) => [p.name, p.duckType])]);
  const schema = await parquetSchemaRows(duck, path);
  expect(schema).toEqual([['id', ...parquetTypeOf('INTEGER')], ...probes.map((p) => [p.name, ...parquetTypeOf(p.duckType)])]);
  const read = await duckRows(`SELECT ${['CAST(id AS VARCHAR)', ...probes.map((p) => p.duck(`"${p.name}"`))].join(', ')} FROM read_parquet(${file}) ORDER BY id`);
  expect(read.length).toBe(serverRows.length);
  read.forEach((row, r) => {
    const server = serverRows[r] as (string | null)[];
    expect(row[0]).toBe(server[0]);
    probes.forEach((probe, p) => {
      const got = row[p + 1] ?? null;
      const want = server[p + 1] ?? null;
      const where = `row ${server[0]} column ${probe.name}`;
      if (got === null || want === null || !probe.numeric) {
        expect({ where, value: got }).toEqual({ where, value: want });
        return;
      }
      const expected = probe.numeric === 'float' ? Math.fround(Number(want)) : Number(want);
      const read = probe.numeric === 'float' ? Math.fround(duckNumber(got)) : duckNumber(got);
      expect({ where, value: read }).toEqual({ where, value: expected });
    });
  });
}

describe('Parquet export (format: parquet), read back by DuckDB', () => {
  it('MariaDB: every type family exact, typed as the mapping says, manifest and keys as Parquet', async () => {
    // Prepare
    await mysqlAdmin.query(`CREATE TABLE types (id INT PRIMARY KEY, ${MYSQL.map((p) => `${p.name} ${p.ddl}`).join(', ')})`);
    await mysqlAdmin.query(`SET time_zone = '+00:00'`);
    await mysqlAdmin.query(`INSERT INTO types VALUES ${MYSQL_ROWS.join(', ')}`);
    const [serverRows] = await mysqlAdmin.query({ sql: `SELECT CAST(id AS CHAR), ${MYSQL.map((p) => p.server(p.name)).join(', ')} FROM types ORDER BY id`, rowsAsArray: true });
    const source = new MysqlRowSource(parseConnectionUrl(mysqlUrl));

    // Act
    const { manifest, path } = await exportParquet(source, 'types', 'types_my');

    // Assess
    expect(manifest.format).toBe('parquet');
    expect(manifest.objects).toHaveLength(1);
    const object = manifest.objects[0] as Manifest['objects'][number];
    expect(object.key).toBe('rds_exports/types_my_20260222_101200.parquet');
    expect(object.rows).toBe(3);
    const bytes = await readFile(path);
    expect(object.bytes).toBe(bytes.length);
    expect(object.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(opened.find((o) => o.key === object.key)?.options).toEqual({ contentType: PARQUET_CONTENT_TYPE });
    expect(PARQUET_CONTENT_TYPE).toBe('application/vnd.apache.parquet');
    await assertSameCells(path, MYSQL, (serverRows as unknown[][]).map((row) => row.map((v) => (v === null ? null : String(v)))));
    const groups = await duckRows(`SELECT count(DISTINCT row_group_id), max(compression) FROM parquet_metadata('${path}')`);
    expect(groups).toEqual([['2', 'ZSTD']]);
    expect(object.rowGroups).toBe(2);
    await assertManifestMatchesFiles(manifest);
    // Columns that are text although the source type is a number or a time say why.
    expect(manifest.parquet?.columns.filter((c) => c.stringReason).map((c) => [c.name, c.stringReason])).toEqual([
      ['d6530', 'decimal-precision-over-38'],
      ['tm', 'mysql-time-range'],
    ]);
    expect(manifest.columns.find((c) => c.name === 'bin')).toEqual({ name: 'bin', sourceType: 'varbinary(16)', kind: 'binary' });
  });

  it('PostgreSQL: every type family exact (NaN and ±Infinity included), from COPY text parsed into the column buffers (the byte path)', async () => {
    // Prepare
    await pgAdmin.query(`CREATE TABLE ${DB}.types (id integer PRIMARY KEY, ${PG.map((p) => `${p.name} ${p.ddl}`).join(', ')})`);
    await pgAdmin.query(`SET TIME ZONE 'UTC'; INSERT INTO ${DB}.types VALUES ${PG_ROWS.join(', ')}`);
    const serverRows = await pgAdmin.query({ text: `SELECT id::text, ${PG.map((p) => p.server(p.name)).join(', ')} FROM ${DB}.types ORDER BY id`, rowMode: 'array' });
    const source = new PostgresRowSource(parseConnectionUrl(pgUrl));

    // Act
    const { manifest, path } = await exportParquet(source, `${DB}.types`, 'types_pg');

    // Assess
    expect(manifest.format).toBe('parquet');
    expect(manifest.rows).toBe(4);
    expect(await duckRows(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${path}')`)).toEqual([['2']]);
    await assertManifestMatchesFiles(manifest);
    expect(manifest.parquet?.columns.filter((c) => c.stringReason).map((c) => [c.name, c.stringReason])).toEqual([
      ['n', 'decimal-unconstrained'],
      ['tm', 'time-no-glue-type'],
    ]);
    await assertSameCells(path, PG, (serverRows.rows as unknown[][]).map((row) => row.map((v) => (v === null ? null : String(v)))));
  });

  it('closes a row group at the byte bound too, before the row bound', async () => {
    // Prepare: the MariaDB table of the first test; a byte bound below one row's cell text.
    const source = new MysqlRowSource(parseConnectionUrl(mysqlUrl));

    // Act
    const { manifest, path } = await exportParquet(source, 'types', 'types_bytes', { rowGroupRows: 1000, rowGroupBytes: 1 });

    // Assess: one row group per row, as DuckDB reads the file
    expect(manifest.rows).toBe(3);
    expect(await duckRows(`SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata('${path}')`)).toEqual([['3', '1']]);
    expect(manifest.objects[0]?.rowGroups).toBe(3);
  });

  it('parallel chunks: one .parquet object per chunk, the rows of all of them the table', async () => {
    // Prepare
    await pgAdmin.query(`CREATE TABLE ${DB}.many AS SELECT g AS id, (g * 1.5)::numeric(12,2) AS amount FROM generate_series(1, 1000) g`);
    const source = new PostgresRowSource(parseConnectionUrl(pgUrl));

    // Act
    const manifest = await runChunkedExport(parquetRequest(`${DB}.many`, 'many_pg', {}), { chunks: 3, keyColumn: 'id' }, { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger });

    // Assess
    expect(manifest.format).toBe('parquet');
    expect(manifest.objects.map((o) => o.key)).toEqual([1, 2, 3].map((n) => `rds_exports/many_pg_20260222_101200_part000${n}.parquet`));
    const files = manifest.objects.map((o) => `'${join(out, o.key)}'`).join(', ');
    expect(await duckRows(`SELECT count(*), count(DISTINCT id), sum(amount)::VARCHAR FROM read_parquet([${files}])`)).toEqual([['1000', '1000', '750750.00']]);
    expect(manifest.objects.reduce((sum, o) => sum + o.rows, 0)).toBe(1000);
    await assertManifestMatchesFiles(manifest);
  });

  it('an incremental window exports only the window\'s rows as Parquet', async () => {
    // Prepare
    await mysqlAdmin.query(`CREATE TABLE events (id INT PRIMARY KEY, at DATETIME(6)) SELECT seq AS id, TIMESTAMP('2026-01-01') + INTERVAL seq MINUTE AS at FROM seq_1_to_10`);
    const source = new MysqlRowSource(parseConnectionUrl(mysqlUrl));
    const window = { cursorColumn: 'at', keyColumn: 'id', after: { value: '2026-01-01 00:04:00.000000', key: '4' }, bound: { kind: 'lag', seconds: 0 } } as const;

    // Act
    const manifest = await runExport({ ...parquetRequest('events', 'events_my', {}), window }, { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger });

    // Assess
    expect(manifest.rows).toBe(6);
    expect(await duckRows(`SELECT min(id)::VARCHAR, max(id)::VARCHAR, count(*)::VARCHAR FROM read_parquet('${join(out, (manifest.objects[0] as { key: string }).key)}')`)).toEqual([['5', '10', '6']]);
  });

  it('split limits: .parquet parts of at most maxRows rows, together every row once', async () => {
    // Prepare
    await pgAdmin.query(`CREATE TABLE ${DB}.parts AS SELECT g AS id, repeat('x', g % 7) AS note FROM generate_series(1, 2500) g`);
    const source = new PostgresRowSource(parseConnectionUrl(pgUrl));

    // Act
    const manifest = await runExport({ ...parquetRequest(`${DB}.parts`, 'parts_pg', { rowGroupRows: 300 }), limits: { maxRows: 1000 } }, { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger });

    // Assess
    expect(manifest.objects.map((o) => [o.key, o.rows])).toEqual([1, 2, 3].map((n) => [`rds_exports/parts_pg_20260222_101200_part000${n}.parquet`, n < 3 ? 1000 : 500]));
    for (const object of manifest.objects) {
      const bytes = await readFile(join(out, object.key));
      expect([bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([object.bytes, object.sha256]);
      expect(await duckRows(`SELECT count(*)::VARCHAR FROM read_parquet('${join(out, object.key)}')`)).toEqual([[String(object.rows)]]);
    }
    // 1000 rows in row groups of 300: 4 per full part, 2 in the last.
    expect(manifest.objects.map((o) => o.rowGroups)).toEqual([4, 4, 2]);
    await assertManifestMatchesFiles(manifest);
    const files = manifest.objects.map((o) => `'${join(out, o.key)}'`).join(', ');
    expect(await duckRows(`SELECT count(*)::VARCHAR, count(DISTINCT id)::VARCHAR, min(id)::VARCHAR, max(id)::VARCHAR, sum(length(note))::VARCHAR FROM read_parquet([${files}])`)).toEqual([
      ['2500', '2500', '1', '2500', String(Array.from({ length: 2500 }, (_, i) => (i + 1) % 7).reduce((a, b) => a + b, 0))],
    ]);
  });

  it('an empty table: a valid file with every column typed and no rows', async () => {
    // Prepare
    await mysqlAdmin.query(`CREATE TABLE empty_types (id INT PRIMARY KEY, amount DECIMAL(12,2), at DATETIME(6), note TEXT)`);
    const source = new MysqlRowSource(parseConnectionUrl(mysqlUrl));

    // Act
    const { manifest, path } = await exportParquet(source, 'empty_types', 'empty_my');

    // Assess
    expect(manifest.rows).toBe(0);
    expect(manifest.objects).toHaveLength(1);
    expect(await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`)).toEqual([['id', 'INTEGER'], ['amount', 'DECIMAL(12,2)'], ['at', 'TIMESTAMP'], ['note', 'VARCHAR']]);
    expect(await duckRows(`SELECT count(*) FROM read_parquet('${path}')`)).toEqual([['0']]);
    await assertManifestMatchesFiles(manifest);
  });

  it('the infra README\'s sample Parquet query runs unchanged, without CASTs, on the exported files (DuckDB standing in for Athena)', async () => {
    // Prepare: the README's table (`id, customer_id, total decimal(12,2), created_at timestamp`)
    // exported twice as the hive layout Athena reads (dt= folders); in DuckDB a view of that
    // name over the files with `dt` a string, as the Glue table declares its partition column.
    await mysqlAdmin.query(`CREATE TABLE orders_archive (id BIGINT PRIMARY KEY, customer_id INT, total DECIMAL(12,2), created_at DATETIME(6))`);
    await mysqlAdmin.query(`INSERT INTO orders_archive VALUES (1, 7, 10.25, '2026-02-01 08:00:00'), (2, 8, 0.50, '2026-02-02 09:30:00.5'), (3, 7, 99999999.99, '2026-02-03 23:59:59.999999')`);
    const readme = await readFile(new URL('../../../../apps/infra/README.md', import.meta.url), 'utf8');
    const sample = /Sample query over a Parquet job[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toContain('FROM orders_archive');
    expect(sample).not.toMatch(/\bCAST\b/i);
    const source = new MysqlRowSource(parseConnectionUrl(mysqlUrl));
    for (const runTime of [new Date(Date.UTC(2026, 1, 3, 1, 0, 0)), new Date(Date.UTC(2026, 1, 4, 1, 0, 0))]) {
      await runExport({ ...parquetRequest('orders_archive', 'orders_archive', {}), layout: 'hive', runTime }, { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger });
    }
    await duck.run(`CREATE VIEW orders_archive AS SELECT * FROM read_parquet('${join(out, 'rds_exports', 'orders_archive')}/*/*.parquet', hive_partitioning = true, hive_types = {'dt': VARCHAR})`);

    // Act
    const result = await duckRows(sample as string);

    // Assess: typed sums and maxima per day, from the typed columns as they are
    expect(result).toEqual([
      ['2026-02-03', '3', '100000010.74', '2026-02-03 23:59:59.999999'],
      ['2026-02-04', '3', '100000010.74', '2026-02-03 23:59:59.999999'],
    ]);
  });
});
