/**
 * Every source session carries a statement timeout (MariaDB `max_statement_time`, PostgreSQL
 * `statement_timeout`) when one is configured: a statement that runs longer fails the run as
 * `timeout` (SOURCE_QUERY_TIMEOUT) instead of running into the Lambda deadline, and shorter
 * exports are unaffected. MySQL/MariaDB sessions also run under the exporter's own sql_mode.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema, parseCsv } from '../testing/index.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { silentLogger, systemClock, type RowSource } from '../ports.js';
import { parseConnectionUrl } from './connection-settings.js';
import { MYSQL_SESSION_SQL_MODE, MysqlRowSource } from './mysql/mysql-row-source.js';
import { PostgresRowSource } from './postgres/postgres-row-source.js';
import { runExport } from '../run/run-export.js';

const DB = 'sec_statement_timeout';
let my: Connection;
let myUrl: string;
let pgAdmin: pg.Client;
let out: string;

beforeAll(async () => {
  const a = await freshMysqlDatabase(DB);
  my = a.admin;
  myUrl = a.url;
  // 10 rows of 0.25 s each: at least 2.5 s for the whole statement.
  await my.query('CREATE VIEW slow AS SELECT seq AS id, SLEEP(0.25) AS s FROM seq_1_to_10');
  // A view cannot name a variable (and a stored function sees its own creation sql_mode), but it
  // can read the querying session's variables from information_schema.
  await my.query(
    "CREATE VIEW settings AS SELECT MAX(IF(VARIABLE_NAME = 'MAX_STATEMENT_TIME', VARIABLE_VALUE, NULL)) AS statement_timeout, " +
      "MAX(IF(VARIABLE_NAME = 'SQL_MODE', VARIABLE_VALUE, NULL)) AS sql_mode FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME IN ('MAX_STATEMENT_TIME', 'SQL_MODE')",
  );
  pgAdmin = (await freshPostgresSchema(DB)).admin;
  await pgAdmin.query(`CREATE VIEW ${DB}.slow AS SELECT g AS id, pg_sleep(0.25)::text AS s FROM generate_series(1, 10) g`);
  await pgAdmin.query(`CREATE VIEW ${DB}.settings AS SELECT current_setting('statement_timeout') AS statement_timeout`);
  out = await mkdtemp(join(tmpdir(), 'statement-timeout-'));
}, 60_000);

afterAll(async () => {
  await my?.end();
  await pgAdmin?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

const engines = [
  { label: 'MariaDB', schema: '', source: (seconds?: number): RowSource => new MysqlRowSource(parseConnectionUrl(myUrl), { statementTimeoutSeconds: seconds }), configured: '30.000000' },
  { label: 'PostgreSQL', schema: `${DB}.`, source: (seconds?: number): RowSource => new PostgresRowSource(parseConnectionUrl('postgres://postgres@127.0.0.1:5432/postgres'), { statementTimeoutSeconds: seconds }), configured: '30s' },
];

let minute = 0;
const exportTable = (source: RowSource, table: string) =>
  runExport(
    { job: 'statement_timeout', table, dialect: CsvDialectSchema.parse({}), prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'flat', compression: 'none', runTime: new Date(Date.UTC(2026, 3, 1, 0, minute++)) },
    { source, sink: new LocalFolderSink(out), clock: systemClock, logger: silentLogger },
  );

describe.each(engines)('Statement timeout on $label', ({ schema, source, configured }) => {
  it('a statement longer than statementTimeoutSeconds fails the run as timeout', async () => {
    await expect(exportTable(source(1), `${schema}slow`)).rejects.toMatchObject({ errorClass: 'timeout', code: 'SOURCE_QUERY_TIMEOUT' });
  });

  it('the session carries the timeout, and an export within it succeeds', async () => {
    // 30 s, not 1 s: the run's metadata, count and preflight queries all carry the timeout, and a
    // loaded CI machine has taken over a second for one of them (the run failed as timeout).
    const manifest = await exportTable(source(30), `${schema}settings`);
    const csv = parseCsv(await readFile(join(out, manifest.objects[0]!.key), 'utf8'));
    expect(csv.rows[0]?.[0]).toBe(configured);
  });

  it('without a timeout the slow statement completes', async () => {
    const manifest = await exportTable(source(), `${schema}slow`);
    expect(manifest.rows).toBe(10);
  });
});

describe('MariaDB session sql_mode', () => {
  it('is the exporter’s own, whatever the server default', async () => {
    const manifest = await exportTable(engines[0]!.source(), 'settings');
    const csv = parseCsv(await readFile(join(out, manifest.objects[0]!.key), 'utf8'));
    expect(csv.rows[0]?.[1]).toBe(MYSQL_SESSION_SQL_MODE);
  });
});
