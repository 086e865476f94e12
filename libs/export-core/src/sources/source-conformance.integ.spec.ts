/**
 * One conformance suite, run against MariaDB (the byte path, and the row objects of split
 * exports) and PostgreSQL (COPY, and the row cursor): export the adversarial table and the
 * type-family table, parse the CSV with a real parser, and compare every cell with the value
 * the server itself reports, plus the contract's literal text for the cells that matter most.
 * The adversarial table is also exported as Parquet on both engines and read back by DuckDB (an
 * independent reader): every cell against the server's value, and the Parquet types of the file.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CsvDialectSchema, type CsvDialectInput, type Manifest } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema, parseCsv } from '../testing/index.js';
import { describeParquet, duckNumber, duckRows, manifestColumnAsDuck, openDuck, parquetSchemaRows, parquetTypeOf, rowGroupCount, sqlPath } from '../testing/duckdb-parquet.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { runExport } from '../run/run-export.js';
import { silentLogger, systemClock, type RowSource } from '../ports.js';
import { parseConnectionUrl } from './connection-settings.js';
import { MysqlRowSource } from './mysql/mysql-row-source.js';
import { PostgresRowSource } from './postgres/postgres-row-source.js';
import { ALL_BYTES, HOSTILE_TEXT, RANDOM_ROWS } from './conformance/adversarial-values.js';
import {
  createMysqlAdversarial,
  createPostgresAdversarial,
  mysqlServerCells,
  postgresServerCells,
  type ServerCells,
} from './conformance/fixtures.js';
import {
  createMysqlTypeFamilies,
  createPostgresTypeFamilies,
  hstoreAvailable,
  mysqlTypeFamilyCells,
  postgresTypeFamilyCells,
  TYPE_FAMILIES_SCHEMA,
  TYPE_FAMILIES_TABLE,
} from './conformance/type-families.js';

const SCHEMA = 'conformance';
let out: string;
let mysqlAdmin: Connection;
let pgAdmin: pg.Client;
let mysqlUrl: string;
let pgUrl: string;
let mysqlTypesAdmin: Connection;
let mysqlTypesUrl: string;
let pgTypesAdmin: pg.Client;
let duck: DuckDBConnection;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'conformance-'));
  const my = await freshMysqlDatabase(SCHEMA);
  mysqlAdmin = my.admin;
  mysqlUrl = my.url;
  await createMysqlAdversarial(mysqlAdmin);
  const pgdb = await freshPostgresSchema(SCHEMA);
  pgAdmin = pgdb.admin;
  pgUrl = pgdb.url;
  await createPostgresAdversarial(pgAdmin, SCHEMA);
  const myTypes = await freshMysqlDatabase(TYPE_FAMILIES_SCHEMA);
  mysqlTypesAdmin = myTypes.admin;
  mysqlTypesUrl = myTypes.url;
  await createMysqlTypeFamilies(mysqlTypesAdmin);
  const pgTypes = await freshPostgresSchema(TYPE_FAMILIES_SCHEMA);
  pgTypesAdmin = pgTypes.admin;
  // hstore is contrib: a server without it fails the suite here, with its name, rather than skip the case.
  if (!(await hstoreAvailable(pgTypesAdmin))) throw new Error('the PostgreSQL test server has no hstore extension (install its contrib package)');
  await createPostgresTypeFamilies(pgTypesAdmin);
  duck = await openDuck();
});

afterAll(async () => {
  await mysqlAdmin?.end();
  await pgAdmin?.end();
  await mysqlTypesAdmin?.end();
  await pgTypesAdmin?.end();
  duck?.closeSync();
  await rm(out, { recursive: true, force: true });
});

interface Target {
  readonly label: string;
  readonly table: string;
  readonly source: () => RowSource;
  readonly serverCells: () => Promise<ServerCells>;
  readonly flag: readonly [string, string];
}

/** The row objects split exports stream (`preferRows`), instead of the CSV byte path. */
function preferringRows(source: RowSource): RowSource {
  return { engine: source.engine, open: (request, signal) => source.open({ ...request, preferRows: true }, signal) };
}

const targets: Target[] = [
  {
    label: 'MariaDB (CSV byte path)',
    table: 'adversarial',
    source: () => new MysqlRowSource(parseConnectionUrl(mysqlUrl)),
    serverCells: () => mysqlServerCells(mysqlAdmin),
    flag: ['1', '0'],
  },
  {
    label: 'MariaDB (row objects, as split exports)',
    table: 'adversarial',
    source: () => preferringRows(new MysqlRowSource(parseConnectionUrl(mysqlUrl))),
    serverCells: () => mysqlServerCells(mysqlAdmin),
    flag: ['1', '0'],
  },
  {
    label: 'PostgreSQL (COPY)',
    table: `${SCHEMA}.adversarial`,
    source: () => new PostgresRowSource(parseConnectionUrl(pgUrl)),
    serverCells: () => postgresServerCells(pgAdmin, SCHEMA),
    flag: ['true', 'false'],
  },
  {
    label: 'PostgreSQL (row cursor)',
    table: `${SCHEMA}.adversarial`,
    source: () => new PostgresRowSource(parseConnectionUrl(pgUrl), { forceRowMode: true, batchSize: 7 }),
    serverCells: () => postgresServerCells(pgAdmin, SCHEMA),
    flag: ['true', 'false'],
  },
];

let runCounter = 0;
async function exportTable(target: Target, csv: CsvDialectInput = {}): Promise<{ manifest: Manifest; text: string; bytes: Buffer }> {
  const runTime = new Date(Date.UTC(2026, 1, 22, 10, 12, runCounter++));
  const sink = new LocalFolderSink(out);
  const manifest = await runExport(
    {
      job: 'adversarial',
      table: target.table,
      dialect: CsvDialectSchema.parse(csv),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat',
      compression: 'none',
      runTime,
    },
    { source: target.source(), sink, clock: systemClock, logger: silentLogger },
  );
  const bytes = await readFile(join(out, manifest.objects[0]!.key));
  return { manifest, text: bytes.toString('utf8'), bytes };
}

function byId(rows: (string | null)[][]): Map<string, (string | null)[]> {
  return new Map(rows.map((r) => [r[0] as string, r]));
}

describe.each(targets)('Conformance: $label', (target) => {
  it('exports every cell exactly as the server reports it', async () => {
    const { manifest, text } = await exportTable(target);
    const { header, rows } = parseCsv(text);
    const server = await target.serverCells();

    expect(header).toEqual(manifest.columns.map((c) => c.name));
    expect(rows).toHaveLength(server.size);
    expect(manifest.rows).toBe(server.size);
    const exported = byId(rows);
    for (const [id, expected] of server) expect(exported.get(id), `row id ${id}`).toEqual(expected);
  });

  it('keeps the contract text of extreme and hostile values', async () => {
    const { text } = await exportTable(target);
    const rows = byId(parseCsv(text).rows);
    const { header } = parseCsv(text);
    const cell = (id: number, column: string) => rows.get(String(id))?.[header.indexOf(column)];

    expect(cell(1, 'big')).toBe('9223372036854775807');
    expect(cell(2, 'big')).toBe('-9223372036854775808');
    expect(cell(1, 'ubig')).toBe('18446744073709551615');
    expect(cell(1, 'dec65')).toBe('99999999999999999999999999999999999.999999999999999999999999999999');
    expect(cell(5, 'dec65')).toBe('2.500000000000000000000000000000');
    expect(cell(1, 'bin')).toBe(ALL_BYTES.toString('base64'));
    expect(cell(2, 'bin')).toBe(''); // empty binary is '', not NULL
    expect(cell(1, 'js')).toContain('2.50');
    expect(cell(1, 'js')).toContain('12345678901234567890');
    expect(cell(1, 'flag')).toBe(target.flag[0]);
    expect(cell(2, 'flag')).toBe(target.flag[1]);
    // Written at +05:30 as 15:42:00.000001: UTC, microseconds kept, server form without offset.
    expect(cell(5, 'ts')).toBe('2026-02-22 10:12:00.000001');
    expect(cell(5, 'dt')).toBe('2026-02-22 10:12:00.000001');
    expect(rows.get('3')?.slice(1).every((v) => v === null)).toBe(true);
    for (const [id, value] of HOSTILE_TEXT) {
      expect(cell(id, 'txt'), `txt of row ${id}`).toBe(value);
      expect(cell(id, 'vc'), `vc of row ${id}`).toBe(value);
    }
    expect(rows.size).toBe(5 + HOSTILE_TEXT.length + RANDOM_ROWS);
  });

  it('writes NULL as an empty unquoted field and the empty string as ""', async () => {
    const { text } = await exportTable(target);
    const line = text.split('\n').find((l) => l.startsWith('10,'));
    // id 10: txt = '', vc = '', everything else NULL.
    expect(line).toMatch(/^10,(,)*"",""(,)*$/);
  });

  it('honours the dialect options: delimiter, CRLF, no header, BOM', async () => {
    const plain = await exportTable(target);
    const custom = await exportTable(target, { delimiter: ';', recordDelimiter: 'crlf', header: false, bom: true });
    expect(custom.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(custom.text.endsWith('\r\n')).toBe(true);
    const parsedPlain = parseCsv(plain.text);
    const parsedCustom = parseCsv(custom.text, { delimiter: ';', header: false });
    expect(byId(parsedCustom.rows)).toEqual(byId(parsedPlain.rows));
  });

  it('guards formulas in text columns only when asked', async () => {
    const { text } = await exportTable(target, { formulaGuard: true });
    const { header, rows } = parseCsv(text);
    const exported = byId(rows);
    expect(exported.get('15')?.[header.indexOf('txt')]).toBe("'=1+1");
    expect(exported.get('2')?.[header.indexOf('big')]).toBe('-9223372036854775808');
  });

  it('refuses a table or column that does not exist before writing anything', async () => {
    const sink = new LocalFolderSink(out);
    const request = {
      job: 'missing',
      dialect: CsvDialectSchema.parse({}),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat' as const,
      compression: 'none' as const,
      runTime: new Date(Date.UTC(2026, 0, 1)),
    };
    const deps = { source: target.source(), sink, clock: systemClock, logger: silentLogger };
    await expect(runExport({ ...request, table: 'no_such_table' }, deps)).rejects.toMatchObject({
      errorClass: 'config',
      code: 'SOURCE_OBJECT_NOT_FOUND',
      message: expect.stringMatching(/export of job "missing" .*table no_such_table.*no_such_table/),
    });
    await expect(runExport({ ...request, table: target.table, columns: ['id', 'nope'] }, deps)).rejects.toMatchObject({
      errorClass: 'config',
      message: expect.stringContaining('nope'),
    });
    expect(await sink.getObject('_manifests/missing/missing_20260101_000000.json')).toBeNull();
    expect(await sink.getObject('rds_exports/missing_20260101_000000.csv')).toBeNull();
  });
});

describe('Conformance: PostgreSQL COPY and the row cursor agree byte for byte', () => {
  it('produces identical bytes through both paths', async () => {
    const copy = await exportTable(targets[2]!);
    const cursor = await exportTable(targets[3]!);
    expect(cursor.manifest.objects[0]!.sha256).toBe(copy.manifest.objects[0]!.sha256);
    expect(cursor.text).toBe(copy.text);
  });
});

describe('Conformance: a custom query cannot smuggle a second statement', () => {
  it.each([targets[0]!, targets[2]!])('$label refuses "SELECT 1) AS a; DROP TABLE …" before running it', async (target) => {
    const sink = new LocalFolderSink(out);
    const smuggled = `SELECT 1 AS x) AS a; DROP TABLE ${target.table}; SELECT * FROM (SELECT 1 AS x`;
    await expect(
      runExport(
        { job: 'smuggle', query: smuggled, dialect: CsvDialectSchema.parse({}), prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'flat', compression: 'none', runTime: new Date(Date.UTC(2026, 0, 2)) },
        { source: target.source(), sink, clock: systemClock, logger: silentLogger },
      ),
    ).rejects.toMatchObject({ errorClass: expect.stringMatching(/^(database|config)$/) });
    // The canary survived.
    const { manifest } = await exportTable(target);
    expect(manifest.rows).toBe(5 + HOSTILE_TEXT.length + RANDOM_ROWS);
  });
});

interface FamilyTarget {
  readonly label: string;
  readonly table: string;
  readonly source: () => RowSource;
  readonly serverCells: () => Promise<ServerCells>;
  /** Literal contract text: row id -> column -> text. */
  readonly contract: Record<string, Record<string, string | null>>;
}

const MYSQL_FAMILY_CONTRACT: FamilyTarget['contract'] = {
  '1': { zf: '00042', tzf: '007', bzf: '00000000000000000012', yr: '2024', flt73: '1.500', dblzf: '0000003.5000', deczf: '000001.50',
    en: 'a,b', st: 'a,c d', g: 'POINT(1.5 -2)', pt: 'POINT(0.1 1e20)', poly: 'POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))',
    gc: 'GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,-1 -1))', gen_v: '84', gen_s: 'a,b|a,c d' },
  '2': { zf: '00000', tzf: '000', yr: '0000', flt73: '-1.125', en: '', st: '', gen_v: '0', gen_s: '|' },
  '4': { zf: '99999', bzf: '18446744073709551615', yr: '1901', en: 'line\nbreak' },
  '5': { zf: null, en: 'x"y', st: 'a,b,c d', gen_v: null },
};

const POSTGRES_FAMILY_CONTRACT: FamilyTarget['contract'] = {
  '1': { int_arr: '{1,-2,NULL,2147483647}', txt_arr: '{"a,\\"b\\"\\\\c {x} (y) line1\nline2",NULL,"","NULL",é😀}',
    ts_arr: '{"2026-02-22 10:12:00.000001+00",infinity}', bool_arr: '{t,f,NULL}', i4r: '[1,10)', mr: '{[1,3),[5,7)}',
    tsr: '["2026-02-22 10:12:00+00","2026-02-22 18:30:00+00")', pt: '(1.5,-2)', c: '<(0,0),1.5>', ip: '192.168.0.1/24', net: '10.0.0.0/8',
    mac: '08:00:2b:01:02:03', tsq: "'fat' & ( 'rat' | !'cat' )", m: '-1234.56', m_arr: '{1234.56,-0.01}', mood: 'a,b', b: '10100101', gen: '2',
    iv: '1 year 2 mons 3 days 04:05:06.789' },
  '2': { i4r: 'empty', nr: '(,)', m: '0.00', tsv: '', x: '', hs: '', gen: '4' },
  '3': { m: null, hs: null, gen: '6', gen_t: 'g3-' },
  '4': { m: '-92233720368547758.08', m_arr: '{-92233720368547758.08,92233720368547758.07}', hs: '"="=>"=1+1"', mood: 'line\nbreak' },
  '5': { m: '0.01', mood: 'say "hi"' },
};

const familyTargets: FamilyTarget[] = [
  {
    label: 'MariaDB (CSV byte path)',
    table: TYPE_FAMILIES_TABLE,
    source: () => new MysqlRowSource(parseConnectionUrl(mysqlTypesUrl)),
    serverCells: () => mysqlTypeFamilyCells(mysqlTypesAdmin),
    contract: MYSQL_FAMILY_CONTRACT,
  },
  {
    label: 'MariaDB (row objects, as split exports)',
    table: TYPE_FAMILIES_TABLE,
    source: () => preferringRows(new MysqlRowSource(parseConnectionUrl(mysqlTypesUrl))),
    serverCells: () => mysqlTypeFamilyCells(mysqlTypesAdmin),
    contract: MYSQL_FAMILY_CONTRACT,
  },
  {
    label: 'PostgreSQL (COPY)',
    table: `${TYPE_FAMILIES_SCHEMA}.${TYPE_FAMILIES_TABLE}`,
    source: () => new PostgresRowSource(parseConnectionUrl(pgUrl)),
    serverCells: () => postgresTypeFamilyCells(pgTypesAdmin),
    contract: POSTGRES_FAMILY_CONTRACT,
  },
  {
    label: 'PostgreSQL (row cursor)',
    table: `${TYPE_FAMILIES_SCHEMA}.${TYPE_FAMILIES_TABLE}`,
    source: () => new PostgresRowSource(parseConnectionUrl(pgUrl), { forceRowMode: true, batchSize: 2 }),
    serverCells: () => postgresTypeFamilyCells(pgTypesAdmin),
    contract: POSTGRES_FAMILY_CONTRACT,
  },
];

describe.each(familyTargets)('Conformance: type families, $label', (target) => {
  it('exports every cell of every type family exactly as the server reports it', async () => {
    const { manifest, text } = await exportTable({ ...target, flag: ['', ''] });
    const { header, rows } = parseCsv(text);
    const server = await target.serverCells();

    expect(header).toEqual(manifest.columns.map((c) => c.name));
    expect(rows).toHaveLength(server.size);
    const exported = byId(rows);
    for (const [id, expected] of server) expect(exported.get(id), `row id ${id}`).toEqual(expected);
  });

  it('writes the contract text: server text for numbers (ZEROFILL, YEAR), WKT for spatial, numeric money', async () => {
    const { text } = await exportTable({ ...target, flag: ['', ''] });
    const { header, rows } = parseCsv(text);
    const exported = byId(rows);
    for (const [id, columns] of Object.entries(target.contract)) {
      for (const [column, expected] of Object.entries(columns)) {
        expect(header, column).toContain(column);
        expect(exported.get(id)?.[header.indexOf(column)], `${column} of row ${id}`).toBe(expected);
      }
    }
  });
});

describe('Conformance: type families, PostgreSQL COPY and the row cursor agree byte for byte', () => {
  it('produces identical bytes through both paths', async () => {
    const copy = await exportTable({ ...familyTargets[2]!, flag: ['', ''] });
    const cursor = await exportTable({ ...familyTargets[3]!, flag: ['', ''] });
    expect(cursor.text).toBe(copy.text);
  });
});

/** How a Parquet cell read by DuckDB is compared with the server's text. */
type CellCompare = 'text' | 'float' | 'double' | 'instant' | 'base64';

interface ParquetProbe {
  readonly name: string;
  /** The column type DuckDB reads from the file (and through parquetTypeOf, its Parquet type). */
  readonly duckType: string;
  readonly compare: CellCompare;
}

/** Epoch microseconds of `YYYY-MM-DD HH:MM:SS[.ffffff]` read as UTC (years 1..9999, no JS number rounding). */
function epochMicros(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`not a timestamp: ${text}`);
  const day = new Date(0);
  day.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  day.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  return (BigInt(day.getTime()) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'))).toString();
}

/** DuckDB's text of a column, shaped for `compare`. */
function duckCell(probe: ParquetProbe): string {
  const column = `"${probe.name}"`;
  switch (probe.compare) {
    case 'instant': return `CAST(epoch_us(${column}) AS VARCHAR)`;
    case 'base64': return `to_base64(${column})`;
    default: return `CAST(${column} AS VARCHAR)`;
  }
}

const MYSQL_PARQUET: readonly ParquetProbe[] = [
  { name: 'id', duckType: 'BIGINT', compare: 'text' },
  { name: 'big', duckType: 'BIGINT', compare: 'text' },
  { name: 'ubig', duckType: 'DECIMAL(20,0)', compare: 'text' },
  { name: 'dec65', duckType: 'VARCHAR', compare: 'text' },
  { name: 'dbl', duckType: 'DOUBLE', compare: 'double' },
  { name: 'flt', duckType: 'FLOAT', compare: 'float' },
  { name: 'd', duckType: 'DATE', compare: 'text' },
  { name: 'dt', duckType: 'TIMESTAMP', compare: 'instant' },
  { name: 'ts', duckType: 'TIMESTAMP WITH TIME ZONE', compare: 'instant' },
  { name: 'tm', duckType: 'VARCHAR', compare: 'text' },
  { name: 'txt', duckType: 'VARCHAR', compare: 'text' },
  { name: 'vc', duckType: 'VARCHAR', compare: 'text' },
  { name: 'bin', duckType: 'BLOB', compare: 'base64' },
  { name: 'js', duckType: 'VARCHAR', compare: 'text' },
  { name: 'flag', duckType: 'TINYINT', compare: 'text' },
  { name: 'bits', duckType: 'DECIMAL(20,0)', compare: 'text' },
];

const POSTGRES_PARQUET: readonly ParquetProbe[] = [
  ...MYSQL_PARQUET.filter((p) => p.name !== 'flag' && p.name !== 'bits'),
  { name: 'flag', duckType: 'BOOLEAN', compare: 'text' },
];

interface ParquetTarget {
  readonly label: string;
  readonly table: string;
  readonly probes: readonly ParquetProbe[];
  readonly source: () => RowSource;
  /** The server's cells of the rows the Parquet export holds. */
  readonly serverCells: () => Promise<ServerCells>;
  /** Columns written as the server's text although their source type is a number or a time. */
  readonly stringReasons: readonly [string, string][];
  readonly dialect?: CsvDialectInput;
}

const parquetTargets: ParquetTarget[] = [
  {
    label: 'MariaDB',
    table: 'adversarial',
    probes: MYSQL_PARQUET,
    source: () => new MysqlRowSource(parseConnectionUrl(mysqlUrl)),
    // A DATE/DATETIME/TIMESTAMP column cannot keep MySQL's zero date: zeroDates 'null' makes it NULL.
    dialect: { zeroDates: 'null' },
    serverCells: async () => {
      const cells = await mysqlServerCells(mysqlAdmin);
      for (const row of cells.values()) row.forEach((v, i) => (row[i] = v?.startsWith('0000-00-00') ? null : v));
      return cells;
    },
    stringReasons: [['dec65', 'decimal-precision-over-38'], ['tm', 'mysql-time-range']],
  },
  {
    // zeroDates 'null' is a conversion the Parquet byte path leaves to the row route (the target
    // above); the adversarial rows without a zero date, under 'keep', go through the byte path
    // (row packets straight into the column buffers, mysql-cell-reader.ts).
    label: 'MariaDB, byte path',
    table: 'adversarial_nonzero',
    probes: MYSQL_PARQUET,
    source: () => new MysqlRowSource(parseConnectionUrl(mysqlUrl)),
    serverCells: async () => {
      const cells = await mysqlServerCells(mysqlAdmin);
      for (const [id, row] of cells) if (row.some((v) => v?.startsWith('0000-00-00'))) cells.delete(id);
      return cells;
    },
    stringReasons: [['dec65', 'decimal-precision-over-38'], ['tm', 'mysql-time-range']],
  },
  {
    label: 'PostgreSQL',
    // The adversarial rows but row 4 (±infinity dates and timestamps, which have no Parquet value: next test).
    table: `${SCHEMA}.adversarial_finite`,
    probes: POSTGRES_PARQUET,
    source: () => new PostgresRowSource(parseConnectionUrl(pgUrl), { batchSize: 7 }),
    serverCells: async () => {
      const cells = await postgresServerCells(pgAdmin, SCHEMA);
      cells.delete('4');
      return cells;
    },
    stringReasons: [['dec65', 'decimal-precision-over-38'], ['tm', 'time-no-glue-type']],
  },
];

async function exportParquet(table: string, source: RowSource, dialect: CsvDialectInput = {}): Promise<Manifest> {
  return runExport(
    {
      job: 'adversarial_parquet',
      table,
      dialect: CsvDialectSchema.parse(dialect),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat',
      compression: 'none',
      format: 'parquet',
      // Row groups of 100 rows: the adversarial table's 517 rows span six.
      parquet: { rowGroupRows: 100 },
      runTime: new Date(Date.UTC(2026, 1, 23, 10, 12, runCounter++)),
    },
    { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger },
  );
}

describe.each(parquetTargets)('Conformance: Parquet, $label, read back by DuckDB', (target) => {
  beforeAll(async () => {
    if (target.label === 'MariaDB, byte path') {
      const zero = (c: string) => `COALESCE(CAST(${c} AS CHAR), '') LIKE '0000-00-00%'`;
      await mysqlAdmin.query('DROP TABLE IF EXISTS adversarial_nonzero');
      await mysqlAdmin.query('CREATE TABLE adversarial_nonzero LIKE adversarial');
      await mysqlAdmin.query(`INSERT INTO adversarial_nonzero SELECT * FROM adversarial WHERE NOT (${zero('d')} OR ${zero('dt')} OR ${zero('ts')})`);
    }
    if (target.label === 'PostgreSQL') {
      await pgAdmin.query(`DROP TABLE IF EXISTS "${SCHEMA}".adversarial_finite; CREATE TABLE "${SCHEMA}".adversarial_finite AS SELECT * FROM "${SCHEMA}".adversarial WHERE id <> 4`);
    }
  });

  it('exports every cell as the server reports it: 64-bit integers and decimals as text, timestamps as instants, binary as bytes, NULL as NULL', async () => {
    // Prepare
    const server = await target.serverCells();

    // Act
    const manifest = await exportParquet(target.table, target.source(), target.dialect);

    // Assess
    const path = join(out, manifest.objects[0]!.key);
    const read = await duckRows(duck, `SELECT ${target.probes.map(duckCell).join(', ')} FROM read_parquet(${sqlPath(path)})`);
    expect(read).toHaveLength(server.size);
    expect(manifest.rows).toBe(server.size);
    const columns = manifest.columns.map((c) => c.name);
    expect(columns).toEqual(target.probes.map((p) => p.name));
    let compared = 0;
    for (const row of read) {
      const id = row[0] as string;
      const expected = server.get(id);
      expect(expected, `row id ${id} is a server row`).toBeDefined();
      target.probes.forEach((probe, c) => {
        const got = row[c] ?? null;
        const want = expected![c] ?? null;
        const where = `row ${id} column ${probe.name}`;
        compared += 1;
        if (got === null || want === null) return expect({ where, value: got }).toEqual({ where, value: want });
        switch (probe.compare) {
          case 'float': return expect({ where, value: Math.fround(duckNumber(got)) }).toEqual({ where, value: Math.fround(Number(want)) });
          case 'double': return expect({ where, value: duckNumber(got) }).toEqual({ where, value: Number(want) });
          case 'instant': return expect({ where, value: got }).toEqual({ where, value: epochMicros(want) });
          default: return expect({ where, value: got }).toEqual({ where, value: want });
        }
      });
    }
    expect(compared).toBe(server.size * target.probes.length);
  });

  it('writes the Parquet types of the mapping, as DuckDB reads the footer, and the manifest states them and the row groups', async () => {
    // Act
    const manifest = await exportParquet(target.table, target.source(), target.dialect);

    // Assess
    const path = join(out, manifest.objects[0]!.key);
    expect(await describeParquet(duck, path)).toEqual(target.probes.map((p) => [p.name, p.duckType]));
    const schema = await parquetSchemaRows(duck, path);
    expect(schema).toEqual(target.probes.map((p) => [p.name, ...parquetTypeOf(p.duckType)]));
    expect(manifest.parquet?.columns.map(manifestColumnAsDuck)).toEqual(schema);
    expect(manifest.parquet?.columns.filter((c) => c.stringReason).map((c) => [c.name, c.stringReason])).toEqual(target.stringReasons);
    expect(manifest.objects[0]!.rowGroups).toBe(6);
    expect(await rowGroupCount(duck, path)).toBe(6);
  });
});

describe('Conformance: Parquet refuses values that have no Parquet value, leaving nothing behind', () => {
  it.each([
    ['MariaDB zero dates under zeroDates "keep"', () => ({ table: 'adversarial', source: new MysqlRowSource(parseConnectionUrl(mysqlUrl)) })],
    ['PostgreSQL ±infinity dates and timestamps', () => ({ table: `${SCHEMA}.adversarial`, source: new PostgresRowSource(parseConnectionUrl(pgUrl)) })],
  ])('%s: the run fails with TYPED_VALUE', async (_label, make) => {
    // Prepare
    const { table, source } = make();
    const files = async () => (await readdir(out, { recursive: true })).filter((f) => f.includes('adversarial_parquet')).sort();
    const before = await files();

    // Act
    const run = exportParquet(table, source);

    // Assess
    await expect(run).rejects.toMatchObject({ errorClass: 'database', code: 'TYPED_VALUE' });
    expect(await files()).toEqual(before);
  });
});
