/**
 * Creates the adversarial table on each engine and reads back what the server itself reports
 * for every cell (its own text output, through a different code path than the exporter:
 * MariaDB's raw text protocol bytes, PostgreSQL's simple-query text), mapped to the contract.
 */
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { ALL_BYTES, HOSTILE_TEXT, RANDOM_ROW_BASE, RANDOM_ROWS, randomTexts } from './adversarial-values.js';

export type ServerCells = Map<string, (string | null)[]>;

export async function createMysqlAdversarial(db: Connection): Promise<void> {
  await db.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
  await db.query(`CREATE TABLE adversarial (
    id BIGINT PRIMARY KEY, big BIGINT NULL, ubig BIGINT UNSIGNED NULL, dec65 DECIMAL(65,30) NULL,
    dbl DOUBLE NULL, flt FLOAT NULL, d DATE NULL, dt DATETIME(6) NULL, ts TIMESTAMP(6) NULL, tm TIME(6) NULL,
    txt TEXT NULL, vc VARCHAR(100) NULL, bin BLOB NULL, js JSON NULL, flag TINYINT(1) NULL, bits BIT(64) NULL
  ) CHARACTER SET utf8mb4`);
  const insert = 'INSERT INTO adversarial (id, big, ubig, dec65, dbl, flt, d, dt, ts, tm, txt, vc, bin, js, flag, bits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  await db.query(insert, [1, '9223372036854775807', '18446744073709551615', '99999999999999999999999999999999999.999999999999999999999999999999',
    '1.7976931348623157e308', '3.40282e38', '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.000000',
    'max', 'max', ALL_BYTES, '{"price": 2.50, "big": 12345678901234567890}', 1, Buffer.from('ffffffffffffffff', 'hex')]);
  await db.query(insert, [2, '-9223372036854775808', '0', '-99999999999999999999999999999999999.999999999999999999999999999999',
    '2.2250738585072014e-308', '-1.17549e-38', '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59.000000',
    'min', 'min', Buffer.alloc(0), '[]', 0, Buffer.alloc(8)]);
  await db.query('INSERT INTO adversarial (id) VALUES (3)');
  await db.query("INSERT INTO adversarial (id, d, dt, ts) VALUES (4, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00')");
  await db.query("SET SESSION time_zone = '+05:30'");
  await db.query("INSERT INTO adversarial (id, dbl, flt, dec65, dt, ts, tm) VALUES (5, 1e20, 0.1, 2.50, '2026-02-22 10:12:00.000001', '2026-02-22 15:42:00.000001', '10:12:00.000001')");
  await db.query("SET SESSION time_zone = '+00:00'");
  for (const [id, text] of HOSTILE_TEXT) await db.query('INSERT INTO adversarial (id, txt, vc) VALUES (?, ?, ?)', [id, text, text]);
  const texts = randomTexts(RANDOM_ROWS);
  await db.query('INSERT INTO adversarial (id, txt, vc) VALUES ?', [texts.map((t, i) => [RANDOM_ROW_BASE + i, t, t])]);
}

/** MariaDB's own text-protocol bytes per cell (typeCast off), mapped to the contract. */
export async function mysqlServerCells(db: Connection): Promise<ServerCells> {
  const [rows, fields] = await db.query({ sql: 'SELECT * FROM adversarial', typeCast: false, rowsAsArray: true });
  const names = (fields as { name: string }[]).map((f) => f.name);
  const cells: ServerCells = new Map();
  for (const row of rows as (Buffer | null)[][]) {
    const mapped = row.map((value, i) => {
      if (value === null) return null;
      if (names[i] === 'bin') return value.toString('base64');
      if (names[i] === 'bits') return BigInt(`0x${value.toString('hex') || '0'}`).toString();
      return value.toString('utf8');
    });
    cells.set(mapped[0] as string, mapped);
  }
  return cells;
}

export async function createPostgresAdversarial(db: pg.Client, schema: string): Promise<void> {
  await db.query(`SET TimeZone = 'UTC'; CREATE TABLE "${schema}".adversarial (
    id bigint PRIMARY KEY, big bigint, ubig numeric(20,0), dec65 numeric(65,30), dbl double precision, flt real,
    d date, dt timestamp(6), ts timestamptz(6), tm time(6), txt text, vc varchar(100), bin bytea, js jsonb, flag boolean
  )`);
  const t = `"${schema}".adversarial`;
  const insert = `INSERT INTO ${t} (id, big, ubig, dec65, dbl, flt, d, dt, ts, tm, txt, vc, bin, js, flag) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;
  await db.query(insert, [1, '9223372036854775807', '18446744073709551615', '99999999999999999999999999999999999.999999999999999999999999999999',
    '1.7976931348623157e308', '3.40282e38', '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999+00', '23:59:59.999999',
    'max', 'max', ALL_BYTES, '{"price": 2.50, "big": 12345678901234567890}', true]);
  await db.query(insert, [2, '-9223372036854775808', '0', '-99999999999999999999999999999999999.999999999999999999999999999999',
    '2.2250738585072014e-308', '-1.17549e-38', '0001-01-01', '0001-01-01 00:00:00', '1970-01-01 00:00:01+00', '00:00:00',
    'min', 'min', Buffer.alloc(0), '[]', false]);
  await db.query(`INSERT INTO ${t} (id) VALUES (3)`);
  await db.query(`INSERT INTO ${t} (id, d, dt, ts) VALUES (4, 'infinity', '-infinity', 'infinity')`);
  await db.query(`INSERT INTO ${t} (id, dbl, flt, dec65, dt, ts, tm) VALUES (5, 1e20, 0.1, 2.50, '2026-02-22 10:12:00.000001', '2026-02-22 15:42:00.000001+05:30', '10:12:00.000001')`);
  for (const [id, text] of HOSTILE_TEXT) await db.query(`INSERT INTO ${t} (id, txt, vc) VALUES ($1, $2, $3)`, [id, text, text]);
  const texts = randomTexts(RANDOM_ROWS);
  await db.query(`INSERT INTO ${t} (id, txt, vc) SELECT * FROM unnest($1::bigint[], $2::text[], $2::text[])`, [
    texts.map((_, i) => RANDOM_ROW_BASE + i),
    texts,
  ]);
}

/** PostgreSQL's own text output per cell (session in UTC), mapped to the contract. */
export async function postgresServerCells(db: pg.Client, schema: string): Promise<ServerCells> {
  await db.query("SET TimeZone = 'UTC'");
  const result = await db.query({
    text: `SELECT * FROM "${schema}".adversarial`,
    rowMode: 'array',
    types: { getTypeParser: () => (v: string) => v },
  });
  const names = result.fields.map((f) => f.name);
  const cells: ServerCells = new Map();
  for (const row of result.rows as (string | null)[][]) {
    const mapped = row.map((value, i) => {
      if (value === null) return null;
      switch (names[i]) {
        case 'bin':
          return Buffer.from(value.slice(2), 'hex').toString('base64'); // server text is \x<hex>
        case 'flag':
          return value === 't' ? 'true' : 'false';
        case 'ts':
          return value.replace(/\+00$/, ''); // UTC session: strip the offset
        default:
          return value;
      }
    });
    cells.set(mapped[0] as string, mapped);
  }
  return cells;
}
