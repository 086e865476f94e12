/**
 * One conformance suite, run against MariaDB and PostgreSQL (and PostgreSQL's two paths: COPY
 * and the row cursor): export the adversarial table, parse the CSV with a real parser, and
 * compare every cell with the value the server itself reports, plus the contract's literal text
 * for the cells that matter most.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { CsvDialectSchema, type CsvDialectInput, type Manifest } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema, parseCsv } from '../testing/index.js';
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

const SCHEMA = 'conformance';
let out: string;
let mysqlAdmin: Connection;
let pgAdmin: pg.Client;
let mysqlUrl: string;
let pgUrl: string;

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
});

afterAll(async () => {
  await mysqlAdmin?.end();
  await pgAdmin?.end();
  await rm(out, { recursive: true, force: true });
});

interface Target {
  readonly label: string;
  readonly table: string;
  readonly source: () => RowSource;
  readonly serverCells: () => Promise<ServerCells>;
  readonly flag: readonly [string, string];
}

const targets: Target[] = [
  {
    label: 'MariaDB (mysql2 stream)',
    table: 'adversarial',
    source: () => new MysqlRowSource(parseConnectionUrl(mysqlUrl)),
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
    const copy = await exportTable(targets[1]!);
    const cursor = await exportTable(targets[2]!);
    expect(cursor.manifest.objects[0]!.sha256).toBe(copy.manifest.objects[0]!.sha256);
    expect(cursor.text).toBe(copy.text);
  });
});

describe('Conformance: a custom query cannot smuggle a second statement', () => {
  it.each([targets[0]!, targets[1]!])('$label refuses "SELECT 1) AS a; DROP TABLE …" before running it', async (target) => {
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
