/**
 * Values from data and from the state store (cursor values, chunk bounds) never become SQL
 * text. Hostile keys — `c' OR 1=1 -- `, a stored cursor key `zzz') OR 1=1 -- `, backslashes,
 * quotes, emoji — are exported exactly: on a MariaDB started here with a server-wide
 * `sql_mode=NO_BACKSLASH_ESCAPES` (where backslash-escaped literals break out of their quotes)
 * and on PostgreSQL. Keys in a collation other than the connection's (utf8mb4_bin, latin1) and
 * BIGINT UNSIGNED / NUMERIC keys too large for a double split into chunks exactly.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { CsvDialectSchema, type Manifest } from '@rds-s3-export/shared-types';
import { freshPostgresSchema, parseCsv, startPrivateMariadb, type PrivateMariadb } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type Cursor, type RowSource } from '../ports.js';
import { parseConnectionUrl } from './connection-settings.js';
import { MysqlRowSource } from './mysql/mysql-row-source.js';
import { PostgresRowSource } from './postgres/postgres-row-source.js';
import { runChunkedExport, runExport } from '../run/run-export.js';
import type { ExportRequest } from '../run/export-request.js';

const DB = 'sec_bound_values';
const PORT = 3391;

/** The hostile keys, one row each, in the order of their (distinct) cursor timestamps. */
export const HOSTILE_KEYS = [
  'alice@example.com',
  "c' OR 1=1 -- ",
  "zzz') OR 1=1 -- ",
  'back\\slash\\',
  "x\\' OR 1=1 -- ",
  "x\\') OR 1=1 -- ",
  'quote"\'"',
  "''",
  '\\',
  'emoji 😀 ✓',
  'Bob',
  'tab\tand\nnewline',
];
/** The row whose (timestamp, key) the stored cursor names. */
const CURSOR_ROW = 2;
const timestamp = (i: number) => `2026-01-01 00:00:${String(10 + i).padStart(2, '0')}.000000`;

/** Keys for a latin1 column (no character outside latin1). */
const LATIN1_KEYS = ['é', "o'Brien", 'back\\', "ü' OR 1=1 -- ", 'plain', 'Zürich', "\\' OR 1=1 -- "];
/** BIGINT UNSIGNED keys that are all the same double. */
const BIG_KEYS = Array.from({ length: 6 }, (_, i) => (18446744073709551615n - BigInt(i)).toString()).reverse();
/** bigint keys that are all the same double (PostgreSQL has no unsigned). */
const PG_BIG_KEYS = Array.from({ length: 6 }, (_, i) => (9223372036854775807n - BigInt(i)).toString()).reverse();

/** CHAR(20) keys: the bound value must compare as char(n), not as char(1). */
const CHAR_KEYS = ['aa', "ab' OR 1=1 -- ", 'ac\\', 'b', 'bb"'];

let maria: PrivateMariadb;
let my: Connection;
let pgAdmin: pg.Client;
let out: string;

beforeAll(async () => {
  maria = await startPrivateMariadb(PORT, ['--sql-mode=NO_BACKSLASH_ESCAPES']);
  my = await maria.admin();
  await my.query(`CREATE DATABASE ${DB} CHARACTER SET utf8mb4; USE ${DB}`);
  await my.query('CREATE TABLE people (email VARCHAR(100) COLLATE utf8mb4_bin PRIMARY KEY, updated_at DATETIME(6) NOT NULL, n INT NOT NULL)');
  await my.query('CREATE TABLE latin (k VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_swedish_ci PRIMARY KEY, n INT NOT NULL)');
  await my.query('CREATE TABLE big (id BIGINT UNSIGNED PRIMARY KEY, n INT NOT NULL)');
  await my.query('CREATE TABLE codes (code CHAR(20) PRIMARY KEY)');
  for (const code of CHAR_KEYS) await my.execute('INSERT INTO codes VALUES (?)', [code]);
  for (const [i, key] of HOSTILE_KEYS.entries()) await my.execute('INSERT INTO people VALUES (?, ?, ?)', [key, timestamp(i), i]);
  for (const [i, key] of LATIN1_KEYS.entries()) await my.execute('INSERT INTO latin VALUES (?, ?)', [key, i]);
  for (const [i, key] of BIG_KEYS.entries()) await my.execute('INSERT INTO big VALUES (?, ?)', [key, i]);

  pgAdmin = (await freshPostgresSchema(DB)).admin;
  await pgAdmin.query(`CREATE TABLE ${DB}.people (email text COLLATE "C" PRIMARY KEY, updated_at timestamp(6) NOT NULL, n int NOT NULL)`);
  await pgAdmin.query(`CREATE TABLE ${DB}.big (id bigint PRIMARY KEY, n int NOT NULL)`);
  await pgAdmin.query(`CREATE TABLE ${DB}.codes (code char(20) COLLATE "C" PRIMARY KEY)`);
  for (const code of CHAR_KEYS) await pgAdmin.query(`INSERT INTO ${DB}.codes VALUES ($1)`, [code]);
  for (const [i, key] of HOSTILE_KEYS.entries()) await pgAdmin.query(`INSERT INTO ${DB}.people VALUES ($1, $2, $3)`, [key, timestamp(i), i]);
  for (const [i, key] of PG_BIG_KEYS.entries()) await pgAdmin.query(`INSERT INTO ${DB}.big VALUES ($1, $2)`, [key, i]);
  out = await mkdtemp(join(tmpdir(), 'bound-values-'));
}, 180_000);

afterAll(async () => {
  await my?.end();
  await maria?.stop();
  await pgAdmin?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

const engines = [
  { label: 'MariaDB (sql_mode=NO_BACKSLASH_ESCAPES)', schema: '', source: (): RowSource => new MysqlRowSource(parseConnectionUrl(maria.url(DB))) },
  { label: 'PostgreSQL', schema: `${DB}.`, source: (): RowSource => new PostgresRowSource(parseConnectionUrl('postgres://postgres@127.0.0.1:5432/postgres')) },
];

let minute = 0;
function request(table: string, extra: Partial<ExportRequest> = {}): ExportRequest {
  return {
    job: 'bound_values',
    table,
    dialect: CsvDialectSchema.parse({}),
    prefix: 'rds_exports',
    manifestPrefix: '_manifests',
    layout: 'flat',
    compression: 'none',
    runTime: new Date(Date.UTC(2026, 2, 1, 0, minute++)),
    ...extra,
  };
}

/** Exports (in `chunks` chunks when set) and returns the manifest and every data row of every part, in order. */
async function exportRows(source: () => RowSource, req: ExportRequest, chunks?: { keyColumn: string; chunks: number }) {
  const deps = { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger };
  let manifest: Manifest;
  if (chunks) {
    manifest = await runChunkedExport(req, chunks, { ...deps, source: source() });
  } else {
    manifest = await runExport(req, { ...deps, source: source() });
  }
  const rows: (string | null)[][] = [];
  for (const object of manifest.objects) rows.push(...parseCsv(await readFile(join(out, object.key), 'utf8')).rows);
  return { manifest, rows };
}

const sorted = (values: readonly string[]) => [...values].sort();

describe.each(engines)('Hostile keys on $label', ({ schema, source }) => {
  it('a chunked export split at every hostile key exports exactly the table: same rows, no duplicates, counts agree', async () => {
    for (const chunks of [2, 3, HOSTILE_KEYS.length]) {
      const { manifest, rows } = await exportRows(source, request(`${schema}people`), { keyColumn: 'email', chunks });
      const keys = rows.map((r) => r[0] as string);
      expect(sorted(keys), `${chunks} chunks`).toEqual(sorted(HOSTILE_KEYS));
      expect(new Set(keys).size).toBe(HOSTILE_KEYS.length);
      expect(manifest.rows).toBe(HOSTILE_KEYS.length);
      expect(manifest.reconciliation).toEqual({ sourceRows: HOSTILE_KEYS.length, exportedRows: HOSTILE_KEYS.length });
      // Chunks follow the key order of the column's own collation, so parts concatenate in key order.
      expect(keys).toEqual(sorted(HOSTILE_KEYS));
    }
  });

  it('an incremental run after a stored cursor whose key is hostile exports only the later rows and never moves the cursor back', async () => {
    const after: Cursor = { value: timestamp(CURSOR_ROW), key: HOSTILE_KEYS[CURSOR_ROW] as string };
    const expected = HOSTILE_KEYS.slice(CURSOR_ROW + 1);
    for (const chunks of [undefined, { keyColumn: 'email', chunks: 4 }]) {
      const window = { cursorColumn: 'updated_at', keyColumn: 'email', after, bound: { kind: 'lag' as const, seconds: 0 } };
      const { manifest, rows } = await exportRows(source, request(`${schema}people`, { window }), chunks);
      expect(sorted(rows.map((r) => r[0] as string)), JSON.stringify(chunks)).toEqual(sorted(expected));
      expect(manifest.reconciliation).toEqual({ sourceRows: expected.length, exportedRows: expected.length });
      expect(manifest.cursor?.from).toEqual(after);
      // The last row, as the server renders its timestamp (PostgreSQL drops zero fractions).
      const to = manifest.cursor?.to;
      expect(to?.key).toBe(HOSTILE_KEYS.at(-1));
      expect(Date.parse(`${to?.value}Z`)).toBe(Date.parse(`${timestamp(HOSTILE_KEYS.length - 1)}Z`));
      expect(Date.parse(`${to?.value}Z`)).toBeGreaterThan(Date.parse(`${after.value}Z`));
    }
    // Every key in turn as the stored cursor (and as the window end of a retry).
    for (const [i, key] of HOSTILE_KEYS.entries()) {
      const cursor = { value: timestamp(i), key };
      const window = { cursorColumn: 'updated_at', keyColumn: 'email', after: cursor, bound: { kind: 'until' as const, cursor: { value: timestamp(HOSTILE_KEYS.length - 1), key: HOSTILE_KEYS.at(-1) as string } } };
      const { manifest, rows } = await exportRows(source, request(`${schema}people`, { window }));
      expect(rows.map((r) => r[0]), key).toEqual(HOSTILE_KEYS.slice(i + 1));
      expect(manifest.reconciliation.sourceRows).toBe(HOSTILE_KEYS.length - i - 1);
    }
  });

  it('CHAR(n) keys split into chunks exactly', async () => {
    const { manifest, rows } = await exportRows(source, request(`${schema}codes`), { keyColumn: 'code', chunks: CHAR_KEYS.length });
    expect(rows.map((r) => (r[0] as string).trimEnd())).toEqual(CHAR_KEYS.map((k) => k.trimEnd()));
    // One row per chunk: a bound cast to char(1) would still partition the keys, but unevenly.
    expect(manifest.objects.map((o) => o.rows)).toEqual(CHAR_KEYS.map(() => 1));
    expect(manifest.reconciliation).toEqual({ sourceRows: CHAR_KEYS.length, exportedRows: CHAR_KEYS.length });
  });

  it('integer keys beyond 2^53 split into chunks exactly (never compared as a double)', async () => {
    const keys = schema ? PG_BIG_KEYS : BIG_KEYS;
    const { manifest, rows } = await exportRows(source, request(`${schema}big`), { keyColumn: 'id', chunks: keys.length });
    expect(rows.map((r) => r[0])).toEqual(keys);
    expect(manifest.objects.map((o) => o.rows)).toEqual(keys.map(() => 1));
    expect(manifest.reconciliation).toEqual({ sourceRows: keys.length, exportedRows: keys.length });
  });
});

describe('MariaDB: keys in a collation other than the connection’s', () => {
  it('a latin1 key column splits into chunks in its own order, every row once', async () => {
    const [ordered] = await my.query({ sql: 'SELECT k FROM latin ORDER BY k', rowsAsArray: true });
    const expected = (ordered as string[][]).map((r) => r[0]);
    for (const chunks of [2, LATIN1_KEYS.length]) {
      const { manifest, rows } = await exportRows(engines[0]!.source, request('latin'), { keyColumn: 'k', chunks });
      expect(rows.map((r) => r[0])).toEqual(expected);
      expect(manifest.reconciliation).toEqual({ sourceRows: LATIN1_KEYS.length, exportedRows: LATIN1_KEYS.length });
    }
  });
});
