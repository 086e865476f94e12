/**
 * The Parquet wire path (COPY … (FORMAT binary)) against the COPY text path on a real server:
 * a table of every type the wire path reads, with the edges of each (integer bounds, NaN and
 * ±Infinity floats, numerics at their precision with negative and over-precision scales, BC and
 * far-future dates and timestamps, every byte value, text with COPY's escape characters, NULL
 * against empty), is exported as Parquet by both paths. The files are byte for byte the same, and
 * DuckDB (an independent reader) reads every cell of the wire path's file as the server's value.
 * Values with no Parquet value (±infinity, NaN in a DECIMAL, a timestamp beyond 64-bit
 * microseconds) fail both paths with the same TYPED_VALUE error and leave no object.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CsvDialectSchema, type Manifest } from '@rds-s3-export/shared-types';
import { freshPostgresSchema } from '../../testing/index.js';
import { duckRows, openDuck, sqlPath } from '../../testing/duckdb-parquet.js';
import { LocalFolderSink } from '../../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type RowSource } from '../../ports.js';
import { parseConnectionUrl } from '../connection-settings.js';
import { runExport } from '../../run/run-export.js';
import { PostgresRowSource, type PostgresSourceOptions } from './postgres-row-source.js';

const SCHEMA = 'copy_binary_pw';
const RUN_TIME = new Date(Date.UTC(2026, 1, 22, 10, 12, 0));

let admin: pg.Client;
let url: string;
let out: string;
let duck: DuckDBConnection;

/** Each column: its DDL, the server's value as text, DuckDB's value of the Parquet column as text. */
const COLUMNS: readonly { name: string; ddl: string; server: string; duck: string }[] = [
  { name: 'si', ddl: 'smallint', server: 'si::text', duck: 'si::VARCHAR' },
  { name: 'i', ddl: 'integer', server: 'i::text', duck: 'i::VARCHAR' },
  { name: 'bi', ddl: 'bigint', server: 'bi::text', duck: 'bi::VARCHAR' },
  { name: 'o', ddl: 'oid', server: 'o::text', duck: 'o::VARCHAR' },
  // Floats compared as JS numbers (their binary64 values; NaN and ±Infinity included).
  { name: 'r', ddl: 'real', server: 'r::float8::text', duck: 'r::DOUBLE' },
  { name: 'dp', ddl: 'double precision', server: 'dp::text', duck: 'dp' },
  { name: 'n92', ddl: 'numeric(9,2)', server: 'n92::text', duck: 'n92::VARCHAR' },
  { name: 'n184', ddl: 'numeric(18,4)', server: 'n184::text', duck: 'n184::VARCHAR' },
  { name: 'n3810', ddl: 'numeric(38,10)', server: 'n3810::text', duck: 'n3810::VARCHAR' },
  // PostgreSQL 15: a negative scale rounds to hundreds; a scale above the precision keeps values below 10^(p-s).
  { name: 'nneg', ddl: 'numeric(5,-2)', server: 'nneg::text', duck: 'nneg::VARCHAR' },
  // (DuckDB writes DECIMAL(5,5) without the leading zero: compared unscaled.)
  { name: 'nsmall', ddl: 'numeric(3,5)', server: '(nsmall * 100000)::bigint::text', duck: '(nsmall * 100000)::BIGINT::VARCHAR' },
  { name: 'd', ddl: 'date', server: "(d - DATE '1970-01-01')::text", duck: "(d - DATE '1970-01-01')::VARCHAR" },
  { name: 'ts', ddl: 'timestamp(6)', server: '(extract(epoch from ts) * 1000000)::bigint::text', duck: 'epoch_us(ts)::VARCHAR' },
  { name: 'ts3', ddl: 'timestamp(3)', server: '(extract(epoch from ts3) * 1000000)::bigint::text', duck: 'epoch_us(ts3)::VARCHAR' },
  { name: 'tstz', ddl: 'timestamptz(6)', server: '(extract(epoch from tstz) * 1000000)::bigint::text', duck: 'epoch_us(tstz)::VARCHAR' },
  { name: 'b', ddl: 'boolean', server: 'b::text', duck: 'b::VARCHAR' },
  { name: 'bin', ddl: 'bytea', server: "encode(bin, 'hex')", duck: 'lower(hex(bin))' },
  { name: 't', ddl: 'text', server: 't', duck: 't' },
  { name: 'vc', ddl: 'varchar(12)', server: 'vc', duck: 'vc' },
  // char(n) keeps its padding, as its output function writes it.
  { name: 'ch', ddl: 'char(5)', server: "ch::text || repeat(' ', 5 - length(ch))", duck: 'ch' },
  { name: 'nm', ddl: 'name', server: 'nm::text', duck: 'nm' },
  { name: 'j', ddl: 'json', server: 'j::text', duck: 'j' },
  { name: 'jb', ddl: 'jsonb', server: 'jb::text', duck: 'jb' },
  { name: 'mood', ddl: 'mood', server: 'mood::text', duck: 'mood' },
  // Written as their text: rebuilt from 16 and 8 bytes as uuid_out and time_out write them.
  { name: 'u', ddl: 'uuid', server: 'u::text', duck: 'u' },
  { name: 'tm', ddl: 'time(6)', server: 'tm::text', duck: 'tm' },
  { name: 'tm3', ddl: 'time(3)', server: 'tm3::text', duck: 'tm3' },
];

const ALL_BYTES = `'\\x${Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex')}'::bytea`;
const ROWS = [
  `(1, -32768, -2147483648, -9223372036854775808, 0, '-3.4028235e38', '-1.7976931348623157e308', -9999999.99, -99999999999999.9999, -9999999999999999999999999999.9999999999, -9999900, 0.00001,
    '4713-01-01 BC', '4713-01-01 00:00:00 BC', '0001-01-01 00:00:00.001 BC', '1969-12-31 23:59:59.999999+00', false, ${ALL_BYTES},
    E'tab\\there\\nnew line\\r\\\\N back\\\\slash \\b\\f\\v', '', 'a', '', '{"n": 12345678901234567890.5}', '{"b": [1, 2.50, null]}', 'sad',
    '00000000-0000-0000-0000-000000000000', '00:00:00', '00:00:00')`,
  `(2, 32767, 2147483647, 9223372036854775807, 4294967295, 'Infinity', 'NaN', 9999999.99, 99999999999999.9999, 9999999999999999999999999999.9999999999, 9999900, 0.00999,
    '5874897-12-31', '294246-12-31 23:59:59.999999', '9999-12-31 23:59:59.999', '2026-02-22 10:12:00.5+05:30', true, '\\x',
    'café ☕ naïve — 日本 😀', 'twelve chars', 'abcde', 'pg_catalog', '[]', 'null', 'happy',
    'ffffffff-ffff-ffff-ffff-ffffffffffff', '24:00:00', '23:59:59.999')`,
  `(3, 0, 0, 0, 1, '-Infinity', '-Infinity', 0, -0.0001, 0.0000000001, 0, 0, '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999', '1970-01-01 00:00:00+00',
    true, '\\x00', '\\N', ' ', ' ', 'x', '{}', '{}', 'ok', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '12:34:56.789012', '00:00:00.001')`,
  `(4, 1, -1, 9007199254740993, 26, '1.17549435e-38', '2.2250738585072014e-308', -0.5, 12.34, 123456789012345678.0123456789, -100, 0.00123, '2000-01-01', '1685-01-01 00:00:00', '2255-06-01 00:00:00',
    '2000-01-01 00:00:00+00', false, '\\xdeadbeef', 'x', 'vc', 'ab', 'name', '"s"', '"s"', 'sad', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', '00:00:00.000001', '12:00:00.1')`,
  `(5, ${COLUMNS.map(() => 'NULL').join(', ')})`,
];

beforeAll(async () => {
  const db = await freshPostgresSchema(SCHEMA);
  admin = db.admin;
  url = db.url;
  await admin.query(`CREATE TYPE ${SCHEMA}.mood AS ENUM ('sad', 'ok', 'happy')`);
  await admin.query(`CREATE TABLE ${SCHEMA}.wire (id integer PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.ddl === 'mood' ? `${SCHEMA}.mood` : c.ddl}`).join(', ')})`);
  await admin.query(`INSERT INTO ${SCHEMA}.wire VALUES ${ROWS.join(', ')}`);
  // Enough rows for several reads and row groups.
  await admin.query(
    `INSERT INTO ${SCHEMA}.wire (id, bi, n92, ts, t, u, tm) SELECT g, g::bigint * 1000003, g / 7.0, TIMESTAMP '2026-01-01' + g * INTERVAL '1.000001 second', repeat('x', g % 50), md5(g::text)::uuid, TIME '00:00' + g * INTERVAL '1.000007 second' FROM generate_series(10, 20000) g`,
  );
  out = await mkdtemp(join(tmpdir(), 'copy-binary-'));
  duck = await openDuck();
});

afterAll(async () => {
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await admin?.end();
  duck?.closeSync();
  if (out) await rm(out, { recursive: true, force: true });
});

/** The source, and the stream each open gave: `wire`, `bytes` (COPY text cells), `csv` or `rows`. */
function observed(options: PostgresSourceOptions = {}): { source: RowSource; paths: string[] } {
  const inner = new PostgresRowSource(parseConnectionUrl(url), options);
  const paths: string[] = [];
  const source: RowSource = Object.assign(Object.create(inner) as RowSource, {
    open: async (...args: Parameters<RowSource['open']>) => {
      const opened = await inner.open(...args);
      return {
        ...opened,
        stream: () => {
          const stream = opened.stream();
          paths.push(stream.kind === 'cells' ? String(stream.cells.path) : stream.kind);
          return stream;
        },
      };
    },
  });
  return { source, paths };
}

async function exportParquet(source: RowSource, table: string, job: string): Promise<Manifest> {
  return runExport(
    {
      job,
      table,
      dialect: CsvDialectSchema.parse({}),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat',
      compression: 'none',
      format: 'parquet',
      parquet: { rowGroupRows: 4000 },
      runTime: RUN_TIME,
    },
    { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger },
  );
}

const objectPath = (manifest: Manifest) => join(out, (manifest.objects[0] as { key: string }).key);

describe('PostgreSQL Parquet: COPY binary (the wire path) against COPY text', () => {
  it('writes the same file byte for byte, and DuckDB reads every cell as the server has it', async () => {
    // Prepare
    const wire = observed();
    const text = observed({ cellsCopyFormat: 'text' });

    // Act
    const fromWire = await exportParquet(wire.source, `${SCHEMA}.wire`, 'wire_binary');
    const fromText = await exportParquet(text.source, `${SCHEMA}.wire`, 'wire_text');

    // Assess: each took its path, and the files are the same bytes
    expect(wire.paths).toEqual(['wire']);
    expect(text.paths).toEqual(['bytes']);
    expect(fromWire.rows).toBe(19_996);
    const [a, b] = await Promise.all([readFile(objectPath(fromWire)), readFile(objectPath(fromText))]);
    expect(a.length).toBe(b.length);
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
    expect(fromWire.objects[0]?.rowGroups).toBe(5);

    // Assess: every cell as the server's own value
    const server = await admin.query({ text: `SELECT id::text, ${COLUMNS.map((c) => c.server).join(', ')} FROM ${SCHEMA}.wire AS w ORDER BY w.id`, rowMode: 'array' });
    const read = await duckRows(duck, `SELECT id::VARCHAR, ${COLUMNS.map((c) => c.duck).join(', ')} FROM read_parquet(${sqlPath(objectPath(fromWire))}) AS p ORDER BY p.id`);
    const floats = [COLUMNS.findIndex((c) => c.name === 'r') + 1, COLUMNS.findIndex((c) => c.name === 'dp') + 1];
    const comparable = (rows: (string | null)[][]) => rows.map((row) => row.map((v, c) => (v !== null && floats.includes(c) ? Number(v) : v)));
    expect(read).toHaveLength(server.rows.length);
    expect(comparable(read.slice(0, 5))).toEqual(comparable((server.rows as (string | null)[][]).slice(0, 5)));
    expect(comparable(read)).toEqual(comparable(server.rows as (string | null)[][]));
  });

  it.each([
    ['a date of infinity', 'd date', "'infinity'", /not a finite date/],
    ['a timestamp of -infinity', 'ts timestamp', "'-infinity'", /not a finite timestamp/],
    ['NaN in a DECIMAL', 'n numeric(9,2)', "'NaN'", /not a finite decimal/],
    ['a timestamp beyond 64-bit microseconds from 1970', 'ts timestamptz', "'294270-01-01 00:00:00+00'", /no signed 64-bit Parquet value/],
  ])('%s fails both paths with the same TYPED_VALUE error and leaves no object', async (_what, ddl, value, message) => {
    // Prepare
    const table = `${SCHEMA}.bad_${ddl.split(' ')[0]}_${createHash('md5').update(value).digest('hex').slice(0, 6)}`;
    await admin.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, ${ddl})`);
    await admin.query(`INSERT INTO ${table} SELECT g, NULL FROM generate_series(1, 5000) g`);
    await admin.query(`INSERT INTO ${table} VALUES (5001, ${value})`);

    for (const [options, path] of [[{}, 'wire'], [{ cellsCopyFormat: 'text' }, 'bytes']] as const) {
      const { source, paths } = observed(options);
      const job = `bad_${path}_${table.split('.')[1]}`;

      // Act
      const failed = exportParquet(source, table, job);

      // Assess
      await expect(failed).rejects.toMatchObject({ code: 'TYPED_VALUE', message: expect.stringMatching(message) });
      expect(paths).toEqual([path]);
      expect(existsSync(join(out, 'rds_exports', `${job}_20260222_101200.parquet`))).toBe(false);
    }
  });

  it('takes the COPY text path for a table with a column the wire path does not read (interval)', async () => {
    // Prepare
    await admin.query(`CREATE TABLE ${SCHEMA}.with_interval (id bigint PRIMARY KEY, iv interval, n numeric(9,2))`);
    await admin.query(`INSERT INTO ${SCHEMA}.with_interval VALUES (1, '1 year 2 mons 3 days 04:05:06.789', 1.5), (2, NULL, NULL)`);
    const { source, paths } = observed();

    // Act
    const manifest = await exportParquet(source, `${SCHEMA}.with_interval`, 'with_interval');

    // Assess
    expect(paths).toEqual(['bytes']);
    expect(await duckRows(duck, `SELECT id::VARCHAR, iv, n::VARCHAR FROM read_parquet(${sqlPath(objectPath(manifest))}) ORDER BY id`)).toEqual([
      ['1', '1 year 2 mons 3 days 04:05:06.789', '1.50'],
      ['2', null, null],
    ]);
  });
});
