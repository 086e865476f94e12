/**
 * Real-world corpus (issue #16): the Sakila sample database (fixtures/sakila, BSD licences; see
 * its README) is loaded into its own MariaDB database and its own PostgreSQL database, and EVERY
 * table and view of it is exported as CSV and as Parquet. Each file is read back (CSV with the
 * project's parser, Parquet with DuckDB) and compared cell by cell with the server's own values:
 * CSV (MariaDB's byte path and its row objects; PostgreSQL's COPY and its row cursor) with the
 * server's text of each cell (binary as base64, as the contract says), Parquet per
 * type (decimals and integers as text, timestamps as epoch microseconds, binary as hex, NULL as
 * NULL). Views have no row order, so rows are compared as sorted multisets.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql, { type Connection, type FieldPacket } from 'mysql2/promise';
import pg from 'pg';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CsvDialectSchema, type Manifest } from '@rds-s3-export/shared-types';
import { parseCsv, TEST_MYSQL_URL, TEST_POSTGRES_URL } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { runExport } from '../run/run-export.js';
import { silentLogger, systemClock, type RowSource } from '../ports.js';
import { parseConnectionUrl } from './connection-settings.js';
import { MysqlRowSource } from './mysql/mysql-row-source.js';
import { PostgresRowSource } from './postgres/postgres-row-source.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'sakila');
/** This suite's own database on each shared server (the dump's `sakila` is renamed to it while loading). */
const DB = 'sakila_corpus_sakila';
const RUN_TIME = new Date(Date.UTC(2026, 1, 22, 10, 12, 0));

/** Every relation of the MariaDB dump: 16 tables, 7 views. The catalog must list exactly these. */
const MYSQL_RELATIONS = [
  'actor', 'address', 'category', 'city', 'country', 'customer', 'film', 'film_actor', 'film_category', 'film_text',
  'inventory', 'language', 'payment', 'rental', 'staff', 'store',
  'actor_info', 'customer_list', 'film_list', 'nicer_but_slower_film_list', 'sales_by_film_category', 'sales_by_store', 'staff_list',
];

/**
 * Every relation of the PostgreSQL dump: 15 tables, the six `payment_p2007_*` inheritance
 * children (empty: the dump COPYs into the parent, and COPY ignores the INSERT rules that route
 * rows to them; exporting `payment` reads the parent and its children, as SELECT does), 7 views.
 */
const PG_RELATIONS = [
  'actor', 'address', 'category', 'city', 'country', 'customer', 'film', 'film_actor', 'film_category',
  'inventory', 'language', 'payment', 'rental', 'staff', 'store',
  'payment_p2007_01', 'payment_p2007_02', 'payment_p2007_03', 'payment_p2007_04', 'payment_p2007_05', 'payment_p2007_06',
  'actor_info', 'customer_list', 'film_list', 'nicer_but_slower_film_list', 'sales_by_film_category', 'sales_by_store', 'staff_list',
];

/**
 * The Parquet column types (as DuckDB reads them) of Sakila's notable columns, per the README's
 * type mapping: unsigned integers widened, TINYINT(1) an INT8, MySQL TIMESTAMP UTC-adjusted and
 * DATETIME not, ENUM / SET as the server's text. Every other column is compared by value only.
 */
const MYSQL_TYPES: Record<string, Record<string, string>> = {
  film: {
    film_id: 'INTEGER', language_id: 'SMALLINT', release_year: 'SMALLINT', rental_rate: 'DECIMAL(4,2)', replacement_cost: 'DECIMAL(5,2)',
    rating: 'VARCHAR', special_features: 'VARCHAR', last_update: 'TIMESTAMP WITH TIME ZONE',
  },
  staff: { picture: 'BLOB', active: 'TINYINT' },
  payment: { payment_id: 'INTEGER', amount: 'DECIMAL(5,2)', payment_date: 'TIMESTAMP', last_update: 'TIMESTAMP WITH TIME ZONE' },
  customer_list: { 'zip code': 'VARCHAR' },
  sales_by_store: { total_sales: 'DECIMAL(27,2)' },
};

/**
 * The same for PostgreSQL: types without a Parquet counterpart (the `mpaa_rating` enum,
 * `text[]`, `tsvector`) are the server's text by design, as in CSV; the `year` domain over
 * integer is an INT32 (the server describes a domain's column by its base type);
 * character(20) keeps its padding (checked by value).
 */
const PG_TYPES: Record<string, Record<string, string>> = {
  film: {
    film_id: 'INTEGER', release_year: 'INTEGER', language_id: 'INTEGER', rental_duration: 'SMALLINT', rental_rate: 'DECIMAL(4,2)', replacement_cost: 'DECIMAL(5,2)',
    rating: 'VARCHAR', special_features: 'VARCHAR', fulltext: 'VARCHAR', last_update: 'TIMESTAMP',
  },
  staff: { picture: 'BLOB', active: 'BOOLEAN' },
  language: { name: 'VARCHAR' },
  customer: { activebool: 'BOOLEAN', create_date: 'DATE', active: 'INTEGER' },
  payment: { amount: 'DECIMAL(5,2)', payment_date: 'TIMESTAMP' },
  sales_by_store: { total_sales: 'VARCHAR' },
};

type Rows = (string | null)[][];

let out: string;
let duck: DuckDBConnection;
let mysqlAdmin: Connection;
let mysqlUrl: string;
let pgAdmin: pg.Client;
let pgUrl: string;

/** Runs a client CLI with the file piped to its stdin (after `rewrite`); rejects with its stderr. */
async function runCli(command: string, args: string[], file: string, rewrite: (line: string) => string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let rest = '';
  const lines = new Transform({
    transform(chunk: string, _encoding, done) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      done(null, parts.map((l) => `${rewrite(l)}\n`).join(''));
    },
    flush(done) {
      done(null, rewrite(rest));
    },
  });
  // Decoded as UTF-8 by the stream (a character split across chunks stays whole); a client that
  // dies early breaks the pipe: its exit code and stderr are the error worth reporting.
  const piped = await pipeline(createReadStream(file, { encoding: 'utf8' }), lines, child.stdin).catch((error: unknown) => error);
  const code = await exited;
  if (piped instanceof Error && code === 0) throw piped;
  if (code !== 0 || stderr.includes('ERROR')) throw new Error(`${command} failed loading ${file} (exit ${code}): ${stderr}`);
}

/** The MySQL dump names its database `sakila` (DROP/CREATE SCHEMA, USE, and `sakila.` in one view): renamed to ours. */
const renameMysqlDatabase = (line: string) => line.replace(/^(DROP SCHEMA IF EXISTS|CREATE SCHEMA|USE) sakila;/, `$1 ${DB};`).replaceAll(/\bsakila\./g, `${DB}.`);

async function loadMysql(): Promise<void> {
  const base = new URL(TEST_MYSQL_URL);
  const args = ['-h', base.hostname, '-P', base.port || '3306', '-u', decodeURIComponent(base.username || 'root')];
  const env = base.password ? { MYSQL_PWD: decodeURIComponent(base.password) } : {};
  for (const file of ['mysql-schema.sql', 'mysql-data.sql']) await runCli('mariadb', args, join(FIXTURES, file), renameMysqlDatabase, env);
  mysqlAdmin = await mysql.createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username || 'root'),
    password: decodeURIComponent(base.password),
    database: DB,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });
  await mysqlAdmin.query("SET time_zone = '+00:00'");
  // Fresh statistics: straight after the bulk load InnoDB's are stale, and the optimizer then
  // joins sales_by_store's eight tables in an order that takes ~30 s per read instead of ~50 ms.
  // Stable statistics also keep the plans, and so the order GROUP_CONCAT without ORDER BY
  // concatenates in (film_list), the same for the export and the reference read.
  await mysqlAdmin.query(`ANALYZE TABLE ${MYSQL_RELATIONS.slice(0, 16).map((t) => `\`${t}\``).join(', ')}`);
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${DB}`;
  mysqlUrl = url.toString();
}

async function loadPostgres(): Promise<void> {
  const server = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await server.connect();
  try {
    await server.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await server.query(`CREATE DATABASE ${DB}`);
  } finally {
    await server.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${DB}`;
  pgUrl = url.toString();
  for (const file of ['postgres-schema.sql', 'postgres-data.sql']) await runCli('psql', ['-q', '-X', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl], join(FIXTURES, file), (l) => l);
  pgAdmin = new pg.Client({ connectionString: pgUrl });
  await pgAdmin.connect();
  await pgAdmin.query("SET TimeZone = 'UTC'");
  // Statistics now, so autovacuum does not re-plan the views between the export and the
  // reference read: film_list's and actor_info's group_concat follow the plan's row order.
  await pgAdmin.query('ANALYZE');
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'sakila-corpus-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  await Promise.all([loadMysql(), loadPostgres()]);
}, 120_000);

afterAll(async () => {
  await mysqlAdmin?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await mysqlAdmin?.end();
  await pgAdmin?.end();
  if (pgUrl) {
    const server = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await server.end();
  }
  duck?.closeSync();
  if (out) await rm(out, { recursive: true, force: true });
});

function request(table: string, job: string, format: 'csv' | 'parquet') {
  return {
    job,
    table,
    dialect: CsvDialectSchema.parse({}),
    prefix: 'rds_exports',
    manifestPrefix: '_manifests',
    layout: 'flat',
    compression: 'none',
    format,
    runTime: RUN_TIME,
    ...(format === 'parquet' ? { parquet: {} } : {}),
  } as const;
}

async function exportAs(source: RowSource, table: string, job: string, format: 'csv' | 'parquet'): Promise<{ manifest: Manifest; path: string }> {
  const manifest = await runExport(request(table, job, format), { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger });
  expect(manifest.objects).toHaveLength(1);
  return { manifest, path: join(out, (manifest.objects[0] as { key: string }).key) };
}

/** The row objects split exports stream (`preferRows`), instead of MariaDB's CSV byte path. */
function preferringRows(source: RowSource): RowSource {
  return { engine: source.engine, open: (request, signal) => source.open({ ...request, preferRows: true }, signal) };
}

const sorted = (rows: Rows) => rows.map((r) => JSON.stringify(r)).sort();

async function duckRows(sql: string): Promise<Rows> {
  const reader = await duck.runAndReadAll(sql);
  return reader.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
}

/** The Parquet file's DuckDB column types, in column order. */
/** The types of the columns `expected` names, as read from the file's types. */
function typesOf(types: readonly [string, string][], expected: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(types.filter(([name]) => name in expected));
}

async function duckTypes(path: string): Promise<[string, string][]> {
  return (await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`)) as [string, string][];
}

/** DuckDB's reading of each Parquet cell in the comparison's terms (see the file comment). */
async function duckCells(path: string, types: readonly [string, string][]): Promise<Rows> {
  const list = types.map(([name, type]) => {
    const c = `"${name.replaceAll('"', '""')}"`;
    if (type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${c}) AS VARCHAR)`;
    if (type === 'BLOB') return `lower(hex(${c}))`;
    if (type === 'BOOLEAN') return `CASE WHEN ${c} THEN 'true' WHEN NOT ${c} THEN 'false' END`;
    if (type === 'TIME') return `CAST((hour(${c}) * 3600 + minute(${c}) * 60) * 1000000 + microsecond(${c}) AS VARCHAR)`;
    return `CAST(${c} AS VARCHAR)`;
  });
  return duckRows(`SELECT ${list.join(', ')} FROM read_parquet('${path}')`);
}

// ---- MariaDB ---------------------------------------------------------------------------------

const MY = { TIMESTAMP: 7, DATETIME: 12, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254 } as const;
const BINARY_CHARSET = 63;
const isMysqlBinary = (f: FieldPacket) =>
  f.characterSet === BINARY_CHARSET && ([MY.TINY_BLOB, MY.MEDIUM_BLOB, MY.LONG_BLOB, MY.BLOB, MY.VAR_STRING, MY.STRING] as number[]).includes(f.columnType ?? -1);

async function mysqlFields(table: string): Promise<FieldPacket[]> {
  const [, fields] = await mysqlAdmin.query({ sql: `SELECT * FROM \`${table}\` LIMIT 0` });
  return fields as FieldPacket[];
}

/** MariaDB's own text-protocol bytes of every cell (UTC session), binary as base64: the CSV contract. */
async function mysqlCsvCells(table: string): Promise<Rows> {
  const fields = await mysqlFields(table);
  const [rows] = await mysqlAdmin.query({ sql: `SELECT * FROM \`${table}\``, typeCast: false, rowsAsArray: true });
  return (rows as (Buffer | null)[][]).map((row) =>
    row.map((v, i) => (v === null ? null : isMysqlBinary(fields[i] as FieldPacket) ? v.toString('base64') : v.toString('utf8'))),
  );
}

/** The server's values in the Parquet comparison's terms: timestamps as epoch µs (UTC), binary as hex, the rest as text. */
async function mysqlParquetCells(table: string): Promise<Rows> {
  const fields = await mysqlFields(table);
  const list = fields.map((f) => {
    const c = `\`${f.name.replaceAll('`', '``')}\``;
    if (f.columnType === MY.TIMESTAMP || f.columnType === MY.DATETIME) return `CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${c}) AS CHAR)`;
    if (isMysqlBinary(f)) return `LOWER(HEX(${c}))`;
    return `CAST(${c} AS CHAR)`;
  });
  const [rows] = await mysqlAdmin.query({ sql: `SELECT ${list.join(', ')} FROM \`${table}\``, typeCast: false, rowsAsArray: true });
  return (rows as (Buffer | null)[][]).map((row) => row.map((v) => (v === null ? null : v.toString('utf8'))));
}

describe('Sakila on MariaDB: every table and view, CSV and Parquet, cell-exact', () => {
  it('the catalog lists exactly the dump\'s 16 tables and 7 views (nothing left out)', async () => {
    const [rows] = await mysqlAdmin.query({ sql: 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', values: [DB], rowsAsArray: true });
    expect((rows as string[][]).map((r) => r[0]).sort()).toEqual([...MYSQL_RELATIONS].sort());
  });

  it.each(MYSQL_RELATIONS)('%s', async (table) => {
    const source = new MysqlRowSource(parseConnectionUrl(mysqlUrl));

    const csv = await exportAs(source, table, `my_${table}`, 'csv');
    const parsed = parseCsv(await readFile(csv.path, 'utf8'));
    const serverCsv = await mysqlCsvCells(table);
    expect(parsed.header).toEqual((await mysqlFields(table)).map((f) => f.name));
    expect(csv.manifest.rows).toBe(serverCsv.length);
    expect(sorted(parsed.rows)).toEqual(sorted(serverCsv));
    // The row objects (split exports' path) must write the same cells as the byte path.
    const rowPath = await exportAs(preferringRows(source), table, `my_rows_${table}`, 'csv');
    expect(sorted(parseCsv(await readFile(rowPath.path, 'utf8')).rows)).toEqual(sorted(serverCsv));

    const parquet = await exportAs(source, table, `my_${table}`, 'parquet');
    const types = await duckTypes(parquet.path);
    expect(types.map(([name]) => name)).toEqual(parsed.header);
    expect(typesOf(types, MYSQL_TYPES[table])).toEqual(MYSQL_TYPES[table] ?? {});
    expect(parquet.manifest.rows).toBe(serverCsv.length);
    expect(sorted(await duckCells(parquet.path, types))).toEqual(sorted(await mysqlParquetCells(table)));
  });
});

// ---- PostgreSQL ------------------------------------------------------------------------------

const PG_OID = { bool: 16, bytea: 17, time: 1083, timestamp: 1114, timestamptz: 1184 } as const;

async function pgFields(table: string): Promise<pg.FieldDef[]> {
  return (await pgAdmin.query({ text: `SELECT * FROM public."${table}" LIMIT 0`, rowMode: 'array' })).fields;
}

const rawText = { getTypeParser: () => (v: string) => v };

/** PostgreSQL's own text output of every cell (UTC session), mapped to the CSV contract. */
async function pgCsvCells(table: string): Promise<Rows> {
  const result = await pgAdmin.query({ text: `SELECT * FROM public."${table}"`, rowMode: 'array', types: rawText });
  return (result.rows as Rows).map((row) =>
    row.map((v, i) => {
      if (v === null) return null;
      switch (result.fields[i]?.dataTypeID) {
        case PG_OID.bytea: return Buffer.from(v.slice(2), 'hex').toString('base64'); // server text is \x<hex>
        case PG_OID.bool: return v === 't' ? 'true' : 'false';
        case PG_OID.timestamptz: return v.replace(/\+00$/, ''); // UTC session: the offset stripped
        default: return v;
      }
    }),
  );
}

async function pgParquetCells(table: string): Promise<Rows> {
  const fields = await pgFields(table);
  const list = fields.map((f) => {
    const c = `"${f.name.replaceAll('"', '""')}"`;
    switch (f.dataTypeID) {
      case PG_OID.timestamp: case PG_OID.timestamptz: case PG_OID.time: return `(extract(epoch from ${c}) * 1000000)::bigint::text`;
      case PG_OID.bytea: return `encode(${c}, 'hex')`;
      case PG_OID.bool: return `${c}::text`; // 'true' / 'false', not the output function's 't' / 'f'
      // The output function's text, not `::text`: that cast drops character(n)'s padding (language.name), which the file keeps.
      default: return c;
    }
  });
  return (await pgAdmin.query({ text: `SELECT ${list.join(', ')} FROM public."${table}"`, rowMode: 'array', types: rawText })).rows as Rows;
}

describe('Sakila on PostgreSQL: every table and view, CSV and Parquet, cell-exact', () => {
  it('the catalog lists exactly the dump\'s 21 tables and 7 views (nothing left out)', async () => {
    const result = await pgAdmin.query({ text: "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name COLLATE \"C\"", rowMode: 'array' });
    expect(result.rows.map((r: string[]) => r[0]).sort()).toEqual([...PG_RELATIONS].sort());
  });

  it.each(PG_RELATIONS)('%s', async (table) => {
    const source = new PostgresRowSource(parseConnectionUrl(pgUrl));

    const csv = await exportAs(source, `public.${table}`, `pg_${table}`, 'csv');
    const parsed = parseCsv(await readFile(csv.path, 'utf8'));
    const serverCsv = await pgCsvCells(table);
    expect(parsed.header).toEqual((await pgFields(table)).map((f) => f.name));
    expect(csv.manifest.rows).toBe(serverCsv.length);
    expect(sorted(parsed.rows)).toEqual(sorted(serverCsv));
    // The row cursor (the path when COPY cannot be used) must write the same cells as COPY.
    const rowPath = await exportAs(new PostgresRowSource(parseConnectionUrl(pgUrl), { forceRowMode: true }), `public.${table}`, `pg_rows_${table}`, 'csv');
    expect(sorted(parseCsv(await readFile(rowPath.path, 'utf8')).rows)).toEqual(sorted(serverCsv));

    const parquet = await exportAs(source, `public.${table}`, `pg_${table}`, 'parquet');
    const types = await duckTypes(parquet.path);
    expect(types.map(([name]) => name)).toEqual(parsed.header);
    expect(typesOf(types, PG_TYPES[table])).toEqual(PG_TYPES[table] ?? {});
    expect(parquet.manifest.rows).toBe(serverCsv.length);
    expect(sorted(await duckCells(parquet.path, types))).toEqual(sorted(await pgParquetCells(table)));
  });
});
