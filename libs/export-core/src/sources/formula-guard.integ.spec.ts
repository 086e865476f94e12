/**
 * The formula guard covers every column whose CSV cell is free text, not only the built-in
 * text types: PostgreSQL enums, citext and a domain over text; MySQL/MariaDB ENUM and SET.
 * Numbers keep their sign; a composite (its text starts with `(`) is left as is. PostgreSQL runs in a database this file owns (the
 * citext extension is database-wide).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, parseCsv, TEST_POSTGRES_URL } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type RowSource } from '../ports.js';
import { parseConnectionUrl } from './connection-settings.js';
import { MysqlRowSource } from './mysql/mysql-row-source.js';
import { PostgresRowSource } from './postgres/postgres-row-source.js';
import { runExport } from '../run/run-export.js';

const DB = 'sec_formula_guard';
const FORMULAS = ['=1+1', '+cmd', '-2+3', '@SUM(A1)', 'plain'];
let my: Connection;
let myUrl: string;
let pgServer: pg.Client;
let pgUrl: string;
let out: string;

beforeAll(async () => {
  const a = await freshMysqlDatabase(DB);
  my = a.admin;
  myUrl = a.url;
  const list = FORMULAS.map((f) => `'${f}'`).join(', ');
  await my.query(`CREATE TABLE guarded (id INT PRIMARY KEY, e ENUM(${list}), s SET('=1+1', 'plain'), n INT)`);
  await my.query("INSERT INTO guarded VALUES (1, '=1+1', '=1+1', -1), (2, '+cmd', '=1+1,plain', -2), (3, '-2+3', NULL, 3), (4, '@SUM(A1)', 'plain', 4), (5, 'plain', '', 5)");

  pgServer = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await pgServer.connect();
  await pgServer.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await pgServer.query(`CREATE DATABASE ${DB}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${DB}`;
  pgUrl = url.toString();
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  try {
    await db.query(`CREATE EXTENSION citext; CREATE TYPE mood AS ENUM (${list}); CREATE DOMAIN note AS text; CREATE TYPE pair AS (a text, b int)`);
    await db.query('CREATE TABLE guarded (id int PRIMARY KEY, e mood, c citext, d note, p pair, n int)');
    await db.query(
      "INSERT INTO guarded VALUES (1, '=1+1', '=1+1', '=1+1', NULL, -1), (2, '+cmd', '+cmd', '+cmd', ('=x', 1), -2), (3, '-2+3', '-2+3', '-2+3', NULL, 3), (4, '@SUM(A1)', '@SUM(A1)', '@SUM(A1)', NULL, 4), (5, 'plain', 'plain', 'plain', NULL, 5)",
    );
  } finally {
    await db.end();
  }
  out = await mkdtemp(join(tmpdir(), 'formula-guard-'));
}, 60_000);

afterAll(async () => {
  await my?.end();
  await pgServer?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
  await pgServer?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

let minute = 0;
async function exportGuarded(source: RowSource) {
  const manifest = await runExport(
    {
      job: 'formula_guard',
      table: 'guarded',
      dialect: CsvDialectSchema.parse({ formulaGuard: true }),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat',
      compression: 'none',
      runTime: new Date(Date.UTC(2026, 4, 1, 0, minute++)),
    },
    { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger },
  );
  return parseCsv(await readFile(join(out, manifest.objects[0]!.key), 'utf8'));
}

const guarded = ["'=1+1", "'+cmd", "'-2+3", "'@SUM(A1)", 'plain'];

describe('Formula guard on text-rendered types', () => {
  it('PostgreSQL: enum, citext and a domain over text are guarded; the int keeps its sign', async () => {
    const csv = await exportGuarded(new PostgresRowSource(parseConnectionUrl(pgUrl)));
    expect(csv.header).toEqual(['id', 'e', 'c', 'd', 'p', 'n']);
    const column = (name: string) => csv.rows.map((r) => r[csv.header.indexOf(name)]);
    expect(column('e')).toEqual(guarded);
    expect(column('c')).toEqual(guarded);
    expect(column('d')).toEqual(guarded);
    expect(column('p')).toEqual([null, '(=x,1)', null, null, null]);
    expect(column('n')).toEqual(['-1', '-2', '3', '4', '5']);
  });

  it('MariaDB: ENUM and SET are guarded; the int keeps its sign', async () => {
    const csv = await exportGuarded(new MysqlRowSource(parseConnectionUrl(myUrl)));
    const column = (name: string) => csv.rows.map((r) => r[csv.header.indexOf(name)]);
    expect(column('e')).toEqual(guarded);
    expect(column('s')).toEqual(["'=1+1", "'=1+1,plain", null, 'plain', '']);
    expect(column('n')).toEqual(['-1', '-2', '3', '4', '5']);
  });
});
