/**
 * The type-family table of the conformance suite: one column per type family each engine has
 * (MySQL/MariaDB: ZEROFILL integers, YEAR, fixed-decimal floats, ENUM/SET, spatial types,
 * generated columns; PostgreSQL: arrays, ranges and multiranges, geometric, network, text
 * search, hstore, money, enums, composites, bit strings, generated columns), and what the
 * server itself reports for every cell, read through a different code path than the exporter
 * (MariaDB's raw text-protocol bytes, PostgreSQL's simple-query text).
 *
 * Where the contract is not the column's own output, the server still writes the expected
 * text: MySQL/MariaDB spatial columns are WKT (`ST_AsText`; the column's own bytes are the
 * internal SRID + WKB binary), PostgreSQL money is numeric text (`money::numeric`; money's own
 * text follows lc_monetary).
 */
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import type { ServerCells } from './fixtures.js';

/** Database (MariaDB) and schema (PostgreSQL) of the type-family table; only this suite uses it. */
export const TYPE_FAMILIES_SCHEMA = 'conformance_types';
export const TYPE_FAMILIES_TABLE = 'type_families';

/** Hostile text inside structured values (arrays, hstore, composites): quotes, separators, newlines, braces. */
const NESTED_HOSTILE = 'a,"b"\\c {x} (y) line1\nline2';

export const MYSQL_SPATIAL_COLUMNS = ['g', 'pt', 'ls', 'poly', 'mpoly', 'gc'] as const;

export async function createMysqlTypeFamilies(db: Connection): Promise<void> {
  await db.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
  await db.query(`CREATE TABLE ${TYPE_FAMILIES_TABLE} (
    id INT PRIMARY KEY,
    zf INT(5) ZEROFILL NULL, tzf TINYINT UNSIGNED ZEROFILL NULL, bzf BIGINT UNSIGNED ZEROFILL NULL,
    yr YEAR NULL, flt73 FLOAT(7,3) NULL, dblzf DOUBLE(12,4) ZEROFILL NULL, deczf DECIMAL(8,2) ZEROFILL NULL,
    en ENUM('small', 'a,b', 'x"y', 'line\nbreak') NULL, st SET('a', 'b', 'c d') NULL,
    g GEOMETRY NULL, pt POINT NULL, ls LINESTRING NULL, poly POLYGON NULL, mpoly MULTIPOLYGON NULL, gc GEOMETRYCOLLECTION NULL,
    gen_v INT AS (zf * 2) VIRTUAL, gen_s VARCHAR(60) AS (CONCAT(en, '|', st)) STORED
  ) CHARACTER SET utf8mb4`);
  const insert = `INSERT INTO ${TYPE_FAMILIES_TABLE} (id, zf, tzf, bzf, yr, flt73, dblzf, deczf, en, st, g, pt, ls, poly, mpoly, gc)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ST_GeomFromText(?), ST_GeomFromText(?), ST_GeomFromText(?), ST_GeomFromText(?), ST_GeomFromText(?), ST_GeomFromText(?))`;
  await db.query(insert, [1, 42, 7, '12', 2024, 1.5, 3.5, '1.50', 'a,b', 'a,c d',
    'POINT(1.5 -2)', 'POINT(0.1 1e20)', 'LINESTRING(0 0,1 1,2 3.25)', 'POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))',
    'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', 'GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,-1 -1))']);
  // Zeros: ZEROFILL pads them, YEAR 0 is `0000`; '' is ENUM's error value (sql_mode ''), the empty SET.
  await db.query(insert, [2, 0, 0, '0', 0, -1.125, 0, '0', '', '',
    'LINESTRING(-1 -1,1 1)', 'POINT(-0.000001 123456789.125)', 'LINESTRING(1 1,1 1)', 'POLYGON((0 0,1 0,0 1,0 0))',
    'MULTIPOLYGON(((0 0,1 0,1 1,0 0)))', 'GEOMETRYCOLLECTION(POINT(2 2))']);
  await db.query(`INSERT INTO ${TYPE_FAMILIES_TABLE} (id) VALUES (3)`);
  await db.query(insert, [4, 99999, 255, '18446744073709551615', 1901, 9999.999, 12345678.1234, '999999.99', 'line\nbreak', 'b',
    'POINT(0 0)', 'POINT(1e-7 -1e300)', 'LINESTRING(0.5 0.25,0.125 0.0625)', 'POLYGON((0 0,3 0,3 3,0 0))',
    'MULTIPOLYGON(((0 0,2 0,2 2,0 0)),((3 3,4 3,4 4,3 3)))', 'GEOMETRYCOLLECTION(POINT(3 3),POLYGON((0 0,1 0,1 1,0 0)))']);
  await db.query(`INSERT INTO ${TYPE_FAMILIES_TABLE} (id, en, st) VALUES (5, 'x"y', 'a,b,c d')`);
}

/** MariaDB's own text-protocol bytes per cell (typeCast off); spatial columns as the server's WKT. */
export async function mysqlTypeFamilyCells(db: Connection): Promise<ServerCells> {
  const [[columnRows]] = await db.query({
    sql: 'SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    values: [TYPE_FAMILIES_TABLE],
    rowsAsArray: true,
  }) as unknown as [[[string]]];
  const names = columnRows[0].split(',');
  const spatial = new Set<string>(MYSQL_SPATIAL_COLUMNS);
  const list = names.map((n) => (spatial.has(n) ? `ST_AsText(\`${n}\`) AS \`${n}\`` : `\`${n}\``)).join(', ');
  const [rows] = await db.query({ sql: `SELECT ${list} FROM ${TYPE_FAMILIES_TABLE}`, typeCast: false, rowsAsArray: true });
  const cells: ServerCells = new Map();
  for (const row of rows as (Buffer | null)[][]) {
    const mapped = row.map((value) => (value === null ? null : value.toString('utf8')));
    cells.set(mapped[0] as string, mapped);
  }
  return cells;
}

/** True when the hstore extension can be created on this server (contrib installed). */
export async function hstoreAvailable(db: pg.Client): Promise<boolean> {
  const result = await db.query("SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'hstore'");
  return result.rows.length > 0;
}

export const POSTGRES_MONEY_COLUMNS = ['m', 'm_arr'] as const;

export async function createPostgresTypeFamilies(db: pg.Client): Promise<void> {
  const s = `"${TYPE_FAMILIES_SCHEMA}"`;
  // In the test database, once; other suites neither need nor mind it. Two runs at once can
  // both find it missing: the loser's unique violation is fine if the extension is there now.
  await db.query('CREATE EXTENSION IF NOT EXISTS hstore').catch(async (error: unknown) => {
    const installed = await db.query("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hstore'");
    if (installed.rows.length === 0) throw error;
  });
  await db.query(`SET TimeZone = 'UTC';
    CREATE TYPE ${s}.mood AS ENUM ('ok', 'a,b', 'say "hi"', 'line
break');
    CREATE TYPE ${s}.pair AS (label text, amount numeric);
    CREATE TABLE ${s}.${TYPE_FAMILIES_TABLE} (
      id bigint PRIMARY KEY,
      int_arr int[], txt_arr text[], num_arr numeric[], ts_arr timestamptz[], bool_arr boolean[], grid int[][],
      i4r int4range, nr numrange, tsr tstzrange, dr daterange, mr int4multirange,
      pt point, ln line, lsg lseg, bx box, pth path, pg polygon, c circle,
      ip inet, net cidr, mac macaddr, mac8 macaddr8,
      tsv tsvector, tsq tsquery, hs hstore,
      m money, m_arr money[],
      mood ${s}.mood, pair ${s}.pair, u uuid, iv interval, x xml, b bit(8), vb varbit, ttz timetz,
      gen bigint GENERATED ALWAYS AS (id * 2) STORED, gen_t text GENERATED ALWAYS AS ('g' || id::text || coalesce(u::text, '-')) STORED
    )`);
  const columns = ['id', 'int_arr', 'txt_arr', 'num_arr', 'ts_arr', 'bool_arr', 'grid', 'i4r', 'nr', 'tsr', 'dr', 'mr', 'pt', 'ln', 'lsg', 'bx', 'pth', 'pg', 'c',
    'ip', 'net', 'mac', 'mac8', 'tsv', 'tsq', 'hs', 'm', 'm_arr', 'mood', 'pair', 'u', 'iv', 'x', 'b', 'vb', 'ttz'];
  // Values travel as parameters in their text form; the server parses each into its type.
  const insert = `INSERT INTO ${s}.${TYPE_FAMILIES_TABLE} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  await db.query(insert, [1, '{1,-2,NULL,2147483647}', [NESTED_HOSTILE, null, '', 'NULL', 'é😀'], '{2.50,-0.000001,99999999999999999999.5}',
    '{"2026-02-22 15:42:00.000001+05:30","infinity"}', '{t,f,NULL}', '{{1,2},{3,4}}',
    '[1,10)', '(-2.5,3.75]', '["2026-02-22 10:12:00+00","2026-02-23 00:00:00+05:30")', '[2026-01-01,2026-02-01)', '{[1,3),[5,7)}',
    '(1.5,-2)', '{1,-1,0.5}', '[(0,0),(1,1.25)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]', '((0,0),(1,0),(1,1))', '<(0,0),1.5>',
    '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
    "a fat cat 'sat, \"on\"' mat", 'fat & (rat | !cat)', `"k,1"=>"v \\"1\\"", "nested"=>"${NESTED_HOSTILE.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}", "n"=>NULL`,
    '-1234.56', '{1234.56,-0.01}',
    'a,b', `("${NESTED_HOSTILE.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}",2.50)`, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '1 year 2 mons 3 days 04:05:06.789', '<doc a="1">x &amp; "y"</doc>', '10100101', '101', '10:12:00.000001+05:30']);
  await db.query(insert, [2, '{}', '{}', '{0}', '{}', '{}', '{}', 'empty', '(,)', '(,"2026-01-01 00:00:00+00"]', 'empty', '{}',
    '(0,0)', '{0,1,0}', '[(0,0),(0,0)]', '(0,0),(0,0)', '((0,0))', '((0,0))', '<(0,0),0>',
    '::1', '2001:db8::/32', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00',
    '', 'x', '', '0', '{}', 'ok', '(,)', '00000000-0000-0000-0000-000000000000', '-00:00:00.000001', '', '00000000', '', '00:00:00+00']);
  await db.query(`INSERT INTO ${s}.${TYPE_FAMILIES_TABLE} (id) VALUES (3)`);
  await db.query(insert, [4, '{0}', ['='], '{NaN,-0}', '{"-infinity"}', '{t}', '{{NULL,NULL}}', '[-2147483648,2147483647)', '[1e-20,1e20]',
    '[-infinity,infinity]', '[0001-01-01,9999-12-31]', '{[-10,-5),(0,1]}',
    '(1e300,-1e-300)', '{-1,0,-0.5}', '[(-1.5,2),(3,-4.25)]', '(1e10,1e10),(-1e10,-1e10)', '((0,0),(1,1))', '((0,0),(0,1),(1,1),(1,0))', '<(-1,-1),1e-5>',
    '255.255.255.255', '0.0.0.0/0', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff',
    'é 中文 😀', '!x', '"="=>"=1+1"', '-92233720368547758.08', '{-92233720368547758.08,92233720368547758.07}',
    'line\nbreak', '("=1+1",-0)', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '-178000000 years', '', '11111111', '1'.repeat(70), '23:59:59.999999-15:59']);
  await db.query(`INSERT INTO ${s}.${TYPE_FAMILIES_TABLE} (id, mood, m) VALUES (5, 'say "hi"', '0.01')`);
}

/** PostgreSQL's own text output per cell (session in UTC); money as the server's numeric text. */
export async function postgresTypeFamilyCells(db: pg.Client): Promise<ServerCells> {
  await db.query("SET TimeZone = 'UTC'");
  const raw = { getTypeParser: () => (v: string) => v };
  const table = `"${TYPE_FAMILIES_SCHEMA}".${TYPE_FAMILIES_TABLE}`;
  const result = await db.query({ text: `SELECT * FROM ${table}`, rowMode: 'array', types: raw });
  const names = result.fields.map((f) => f.name);
  const money = await db.query({ text: `SELECT id, m::numeric, m_arr::numeric[] FROM ${table}`, rowMode: 'array', types: raw });
  const moneyById = new Map((money.rows as (string | null)[][]).map((r) => [r[0] as string, r]));
  const cells: ServerCells = new Map();
  for (const row of result.rows as (string | null)[][]) {
    const id = row[0] as string;
    const mapped = row.map((value, i) => {
      const column = names[i] as string;
      const m = POSTGRES_MONEY_COLUMNS.indexOf(column as (typeof POSTGRES_MONEY_COLUMNS)[number]);
      return m >= 0 ? (moneyById.get(id)?.[m + 1] ?? null) : value;
    });
    cells.set(id, mapped);
  }
  return cells;
}
