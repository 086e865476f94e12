/**
 * The custom-query boundary against the real servers: each reproduction of the security review
 * (issue 11) with a canary table, a check that no server file appeared, and a least-privilege
 * user on each engine whose custom query runs. Two layers are exercised: the tokenizer (a
 * query's ")" cannot close the exporter's wrapper; INTO and locking clauses are refused, even
 * for a user allowed to run privileged queries) and the privilege preflight (functions such as
 * LOAD_FILE, GET_LOCK, lo_export and dblink_exec are the role's business: a privileged user's
 * custom query is refused unless the job allows it). Each reproduction has its counterpart on the
 * other engine: INTO DUMPFILE for lo_export, pg_advisory_lock / pg_sleep / pg_read_file for
 * GET_LOCK / SLEEP / LOAD_FILE; what no privilege governs (advisory locks, sleeping) is shown to
 * end with the run's session for a least-privilege user.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import { CsvDialectSchema, type Engine } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema, TEST_POSTGRES_URL } from '../testing/index.js';
import { runExport } from '../run/run-export.js';
import type { ExportRequest } from '../run/export-request.js';
import { LocalFolderSink } from '../sinks/local-folder-sink.js';
import { systemClock, type Logger, type LogFields } from '../ports.js';
import { createRowSource } from './open-source.js';
import type { ConnectionSettings } from './connection-settings.js';

const NAME = 'sq_query_guard';
const READER = 'sq_guard_reader';
const WRITER = 'sq_guard_writer';
const PASSWORD = 'Sq-guard-pw1';
const READ_ROLE = 'sq_guard_read_role';
const WRITE_ROLE = 'sq_guard_write_role';
const ROLE_READER = 'sq_guard_role_reader';
const ROLE_WRITER = 'sq_guard_role_writer';
/** Unique per run: a file an old exporter wrote must not make the next run pass or fail. */
const stamp = `${process.pid}_${Date.now()}`;
/** PostgreSQL roles with REPLICATION, directly or through a NOINHERIT membership (issue: review fixes). */
const REPLICATOR = `rf_replicator_${stamp}`;
const REPLICATION_GROUP = `rf_repl_group_${stamp}`;
const REPLICATION_MEMBER = `rf_repl_member_${stamp}`;
const RF_ROLES = [REPLICATION_MEMBER, REPLICATOR, REPLICATION_GROUP];
/** Slots the reproduction would create; afterAll drops any that exist. */
const SLOT_PREFIX = `rf_slot_${stamp}`;
const serverFile = (what: string) => `/tmp/${NAME}_${what}_${stamp}.txt`;

let my: Connection;
let pgAdmin: pg.Client;
/** A database of this file's own, with the dblink extension and a canary. */
let pgGuard: pg.Client;
let dblinkAvailable = false;
let largeObject = 0;
let out: string;

const myAs = (user: string, password = ''): ConnectionSettings => ({ engine: 'mariadb', host: '127.0.0.1', port: 3306, user, password, database: NAME });
const pgAs = (user: string, database: string, password = ''): ConnectionSettings => ({ engine: 'postgres', host: '127.0.0.1', port: 5432, user, password, database });

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), `${NAME}-`));
  my = (await freshMysqlDatabase(NAME)).admin;
  await my.query("CREATE TABLE canary (id INT PRIMARY KEY, note VARCHAR(20)); INSERT INTO canary VALUES (1, 'alive'), (2, 'alive'), (3, 'alive')");
  await my.query('CREATE TABLE other (id INT PRIMARY KEY)');
  for (const user of [READER, WRITER]) {
    await my.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await my.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`);
  }
  await my.query(`GRANT SELECT ON ${NAME}.canary TO '${READER}'@'%'`);
  await my.query(`GRANT SELECT, INSERT ON ${NAME}.canary TO '${WRITER}'@'%'`);
  // Privileges through roles count too: a reader role, and a role that may also write.
  for (const role of [READ_ROLE, WRITE_ROLE]) {
    await my.query(`DROP ROLE IF EXISTS ${role}`);
    await my.query(`CREATE ROLE ${role}`);
  }
  await my.query(`GRANT SELECT ON ${NAME}.canary TO ${READ_ROLE}`);
  await my.query(`GRANT SELECT, DELETE ON ${NAME}.canary TO ${WRITE_ROLE}`);
  for (const [user, role] of [[ROLE_READER, READ_ROLE], [ROLE_WRITER, WRITE_ROLE]] as const) {
    await my.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await my.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await my.query(`GRANT ${role} TO '${user}'@'%'`);
    await my.query(`SET DEFAULT ROLE ${role} FOR '${user}'@'%'`);
    // MariaDB grants a new role to its creator WITH ADMIN OPTION; keep root's grants as they were.
    await my.query(`REVOKE ${role} FROM CURRENT_USER`);
  }

  pgAdmin = (await freshPostgresSchema(NAME)).admin;
  await pgAdmin.query(`CREATE TABLE ${NAME}.canary (id int PRIMARY KEY, note text); INSERT INTO ${NAME}.canary VALUES (1, 'alive'), (2, 'alive'), (3, 'alive')`);
  await pgAdmin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  for (const role of [READER, WRITER]) {
    await pgAdmin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await pgAdmin.query(`DROP ROLE IF EXISTS ${role}`);
    await pgAdmin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
  }
  await pgAdmin.query(`GRANT USAGE ON SCHEMA ${NAME} TO ${READER}, ${WRITER}; GRANT SELECT ON ${NAME}.canary TO ${READER}; GRANT SELECT, UPDATE ON ${NAME}.canary TO ${WRITER}`);
  await pgAdmin.query(`CREATE ROLE ${REPLICATOR} LOGIN REPLICATION PASSWORD '${PASSWORD}'`);
  await pgAdmin.query(`CREATE ROLE ${REPLICATION_GROUP} NOLOGIN REPLICATION`);
  await pgAdmin.query(`CREATE ROLE ${REPLICATION_MEMBER} LOGIN NOINHERIT PASSWORD '${PASSWORD}'`);
  await pgAdmin.query(`GRANT ${REPLICATION_GROUP} TO ${REPLICATION_MEMBER}`);
  // The group reads the canary too: once the query switches to it, the rest of the run is the group's.
  for (const role of [REPLICATOR, REPLICATION_GROUP, REPLICATION_MEMBER]) await pgAdmin.query(`GRANT USAGE ON SCHEMA ${NAME} TO ${role}; GRANT SELECT ON ${NAME}.canary TO ${role}`);
  await pgAdmin.query(`CREATE DATABASE ${NAME}`);
  const guardUrl = new URL(TEST_POSTGRES_URL);
  guardUrl.pathname = `/${NAME}`;
  pgGuard = new pg.Client({ connectionString: guardUrl.toString() });
  await pgGuard.connect();
  const available = await pgGuard.query("SELECT 1 FROM pg_available_extensions WHERE name = 'dblink'");
  dblinkAvailable = available.rows.length > 0;
  if (dblinkAvailable) await pgGuard.query('CREATE EXTENSION dblink');
  await pgGuard.query("CREATE TABLE canary (id int PRIMARY KEY, note text); INSERT INTO canary VALUES (1, 'alive'), (2, 'alive'), (3, 'alive')");
  await pgGuard.query(`GRANT SELECT ON canary TO ${READER}`);
  largeObject = Number((await pgGuard.query("SELECT lo_from_bytea(0, convert_to('written by lo_export', 'UTF8')) AS oid")).rows[0].oid);
}, 120_000);

afterAll(async () => {
  await pgGuard?.end();
  await pgAdmin?.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await pgAdmin?.query(`DROP SCHEMA IF EXISTS ${NAME} CASCADE`);
  for (const role of [READER, WRITER]) await pgAdmin?.query(`DROP ROLE IF EXISTS ${role}`);
  await pgAdmin?.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 || '%'", [SLOT_PREFIX]);
  for (const role of RF_ROLES) await pgAdmin?.query(`DROP ROLE IF EXISTS ${role}`);
  await pgAdmin?.end();
  for (const user of [READER, WRITER, ROLE_READER, ROLE_WRITER]) await my?.query(`DROP USER IF EXISTS '${user}'@'%'`);
  for (const role of [READ_ROLE, WRITE_ROLE]) await my?.query(`DROP ROLE IF EXISTS ${role}`);
  await my?.query(`DROP DATABASE IF EXISTS ${NAME}`);
  await my?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

/** The canary rows still 'alive' on each side. */
async function canaries(): Promise<{ mariadb: number; postgres: number; guard: number }> {
  const [rows] = await my.query(`SELECT COUNT(*) AS n FROM ${NAME}.canary WHERE note = 'alive'`);
  const pgRows = await pgAdmin.query(`SELECT COUNT(*)::int AS n FROM ${NAME}.canary WHERE note = 'alive'`);
  const guardRows = await pgGuard.query("SELECT COUNT(*)::int AS n FROM canary WHERE note = 'alive'");
  return { mariadb: Number((rows as { n: number }[])[0]?.n), postgres: pgRows.rows[0].n as number, guard: guardRows.rows[0].n as number };
}

const INTACT = { mariadb: 3, postgres: 3, guard: 3 };

/** Whether the server sees a file at `path` (asked on the server, which may have its own /tmp). */
async function serverFileExists(engine: Engine, path: string): Promise<boolean> {
  if (engine === 'postgres') return (await pgAdmin.query('SELECT pg_stat_file($1, true) IS NOT NULL AS present', [path])).rows[0].present as boolean;
  const [rows] = await my.query('SELECT LOAD_FILE(?) IS NOT NULL AS present', [path]);
  return Number((rows as { present: number }[])[0]?.present) === 1;
}

function capture(): { logger: Logger; warnings: LogFields[] } {
  const warnings: LogFields[] = [];
  const none = () => undefined;
  return { logger: { debug: none, info: none, error: none, warn: (message, fields) => warnings.push({ message, ...fields }) }, warnings };
}

let runs = 0;
async function exportQuery(settings: ConnectionSettings, query: string, extra: Partial<ExportRequest> = {}, logger: Logger = capture().logger) {
  runs += 1;
  const request: ExportRequest = {
    job: `guard_${runs}`,
    query,
    dialect: CsvDialectSchema.parse({}),
    prefix: 'rds_exports',
    manifestPrefix: '_manifests',
    layout: 'flat',
    compression: 'none',
    runTime: new Date(Date.UTC(2026, 0, 2)),
    ...extra,
  };
  const manifest = await runExport(request, { source: createRowSource(settings), sink: new LocalFolderSink(out), clock: systemClock, logger });
  const text = await readFile(join(out, manifest.objects[0]!.key), 'utf8');
  return { manifest, text };
}

describe('Custom queries on MariaDB', () => {
  it('the review reproduction "SELECT 1 AS a) AS t INTO OUTFILE … #" is refused before any SQL runs, and no server file appears', async () => {
    const path = serverFile('outfile');
    for (const allowPrivilegedQuery of [true, false]) {
      await expect(exportQuery(myAs('root'), `SELECT 1 AS a) AS t INTO OUTFILE '${path}' #`, { allowPrivilegedQuery })).rejects.toMatchObject({
        errorClass: 'config',
        code: 'QUERY_UNBALANCED',
        message: expect.stringContaining('at line 1, column 14'),
      });
    }
    await expect(exportQuery(myAs('root'), `SELECT * FROM canary INTO OUTFILE '${path}'`, { allowPrivilegedQuery: true })).rejects.toMatchObject({ code: 'QUERY_CLAUSE_REFUSED' });
    expect(await serverFileExists('mariadb', path)).toBe(false);
    expect(await canaries()).toEqual(INTACT);
  });

  it.each(['SELECT id FROM canary LOCK IN SHARE MODE', 'SELECT id FROM canary FOR UPDATE'])('refuses the locking read %j even when privileged queries are allowed', async (query) => {
    await expect(exportQuery(myAs('root'), query, { allowPrivilegedQuery: true })).rejects.toMatchObject({ errorClass: 'config', code: 'QUERY_CLAUSE_REFUSED' });
    expect(await canaries()).toEqual(INTACT);
  });

  it.each([
    "SELECT GET_LOCK('sq_query_guard', 0) AS l",
    'SELECT SLEEP(0) AS s',
    `SELECT LOAD_FILE('/etc/hostname') AS f`,
  ])('refuses %j for root with PRIVILEGED_QUERY_USER, naming the privilege and the least-privilege setup', async (query) => {
    await expect(exportQuery(myAs('root'), query)).rejects.toMatchObject({
      errorClass: 'config',
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringMatching(/database user "root" holds ALL PRIVILEGES on \*\.\*.*README\.md#least-privilege-database-user.*allowPrivilegedQuery/s),
    });
    expect(await canaries()).toEqual(INTACT);
  });

  it('refuses INTO DUMPFILE (the MariaDB counterpart of lo_export) even when privileged queries are allowed, and no server file appears', async () => {
    const path = serverFile('dumpfile');
    await expect(exportQuery(myAs('root'), `SELECT note FROM canary WHERE id = 1 INTO DUMPFILE '${path}'`, { allowPrivilegedQuery: true })).rejects.toMatchObject({
      errorClass: 'config',
      code: 'QUERY_CLAUSE_REFUSED',
    });
    expect(await serverFileExists('mariadb', path)).toBe(false);
    expect(await canaries()).toEqual(INTACT);
  });

  it("runs a least-privilege user's GET_LOCK and SLEEP (no privilege governs them); the lock ends with the run's session", async () => {
    const lock = `${NAME}_lock_${stamp}`;
    const { text } = await exportQuery(myAs(READER, PASSWORD), `SELECT id, GET_LOCK('${lock}', 0) AS l, SLEEP(0) AS s FROM canary ORDER BY id`);
    expect(text).toBe('id,l,s\n1,1,0\n2,1,0\n3,1,0\n');
    // Another session gets the lock (waiting up to 10 s for the run's session to be gone): it was not kept.
    const [rows] = await my.query('SELECT GET_LOCK(?, 10) AS got', [lock]);
    expect(Number((rows as { got: number }[])[0]?.got)).toBe(1);
    await my.query('SELECT RELEASE_LOCK(?)', [lock]);
    expect(await canaries()).toEqual(INTACT);
  });

  it("has the server parse the query alone before embedding it: '?' placeholders and syntax errors fail before the probe", async () => {
    await expect(exportQuery(myAs(READER, PASSWORD), 'SELECT id FROM canary WHERE id = ?')).rejects.toMatchObject({ errorClass: 'config', code: 'QUERY_PARAMETERS' });
    await expect(exportQuery(myAs(READER, PASSWORD), 'SELECT id FROM canary WHERE')).rejects.toMatchObject({
      errorClass: 'database',
      message: expect.stringContaining('parsing the query on mariadb'),
    });
  });

  it('follows roles: SELECT through a default role runs, DELETE through one is named', async () => {
    const { manifest } = await exportQuery(myAs(ROLE_READER, PASSWORD), 'SELECT id FROM canary');
    expect(manifest.rows).toBe(3);
    await expect(exportQuery(myAs(ROLE_WRITER, PASSWORD), 'SELECT id FROM canary')).rejects.toMatchObject({
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringContaining(`holds DELETE on \`${NAME}\`.\`canary\``),
    });
  });

  it('names a write privilege of an otherwise read-only user', async () => {
    await expect(exportQuery(myAs(WRITER, PASSWORD), 'SELECT id FROM canary')).rejects.toMatchObject({
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringContaining(`holds INSERT on \`${NAME}\`.\`canary\``),
    });
  });

  it('runs a least-privilege user\'s query; LOAD_FILE gives that user NULL (no FILE privilege)', async () => {
    const { logger, warnings } = capture();
    const { manifest, text } = await exportQuery(myAs(READER, PASSWORD), "SELECT id, note, LOAD_FILE('/etc/hostname') AS f FROM canary ORDER BY id", {}, logger);
    expect(manifest.rows).toBe(3);
    expect(text).toBe('id,note,f\n1,alive,\n2,alive,\n3,alive,\n');
    expect(warnings).toEqual([]);
  });

  it('runs a privileged query when the job allows it, and warns once with the findings', async () => {
    const { logger, warnings } = capture();
    const { text } = await exportQuery(myAs('root'), 'SELECT COUNT(*) AS n FROM canary', { allowPrivilegedQuery: true }, logger);
    expect(text).toBe('n\n3\n');
    expect(warnings).toEqual([expect.objectContaining({ message: 'the database user holds more than read privileges', privileges: expect.arrayContaining(['ALL PRIVILEGES on *.*']) })]);
  });

  it('still exports a table for a privileged user (SQL the exporter writes)', async () => {
    const { logger, warnings } = capture();
    const { manifest } = await exportQuery(myAs('root'), undefined as unknown as string, { query: undefined, table: 'canary' }, logger);
    expect(manifest.rows).toBe(3);
    expect(warnings).toHaveLength(1);
  });
});

describe('Custom queries on PostgreSQL', () => {
  it('refuses lo_export for the superuser (it writes a server file), and no file appears', async () => {
    const path = serverFile('lo_export');
    await expect(exportQuery(pgAs('postgres', NAME), `SELECT lo_export(${largeObject}, '${path}') AS written`)).rejects.toMatchObject({
      errorClass: 'config',
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringContaining('holds superuser (rolsuper)'),
    });
    expect(await serverFileExists('postgres', path)).toBe(false);
  });

  it.each(['SELECT pg_advisory_lock(4211) AS l', 'SELECT pg_sleep(0)::text AS s', "SELECT pg_read_file('/etc/hostname') AS f"])(
    'refuses %j (the counterparts of GET_LOCK, SLEEP and LOAD_FILE) for the superuser with PRIVILEGED_QUERY_USER',
    async (query) => {
      await expect(exportQuery(pgAs('postgres', NAME), query)).rejects.toMatchObject({
        errorClass: 'config',
        code: 'PRIVILEGED_QUERY_USER',
        message: expect.stringMatching(/database user "postgres" holds superuser \(rolsuper\).*README\.md#least-privilege-database-user/s),
      });
      expect(await canaries()).toEqual(INTACT);
    },
  );

  it("a least-privilege role's pg_read_file fails as permission denied; its advisory lock ends with the run's session", async () => {
    await expect(exportQuery(pgAs(READER, 'postgres', PASSWORD), "SELECT pg_read_file('/etc/hostname') AS f")).rejects.toMatchObject({ errorClass: 'auth' });
    const key = 4_211_000 + (process.pid % 1000);
    const { text } = await exportQuery(pgAs(READER, 'postgres', PASSWORD), `SELECT id, pg_advisory_lock(${key})::text AS l FROM ${NAME}.canary ORDER BY id`);
    // void as text is the empty string (quoted, unlike NULL).
    expect(text).toBe('id,l\n1,""\n2,""\n3,""\n');
    // Another session gets the lock (waiting up to 10 s for the run's backend to be gone): it was not kept.
    const other = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await other.connect();
    try {
      await other.query("SET lock_timeout = '10s'");
      await other.query('SELECT pg_advisory_lock($1)', [key]);
      await other.query('SELECT pg_advisory_unlock($1)', [key]);
    } finally {
      await other.end();
    }
    expect(await canaries()).toEqual(INTACT);
  });

  it('refuses dblink_exec for the superuser and for a reader of a database with dblink, and the canary keeps its rows', async () => {
    expect(dblinkAvailable, 'the dblink extension must be available on the test server').toBe(true);
    const query = `SELECT dblink_exec('dbname=${NAME} user=postgres host=127.0.0.1', 'DELETE FROM canary WHERE id = 1') AS done`;
    await expect(exportQuery(pgAs('postgres', NAME), query)).rejects.toMatchObject({ code: 'PRIVILEGED_QUERY_USER' });
    await expect(exportQuery(pgAs(READER, NAME, PASSWORD), query)).rejects.toMatchObject({
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringContaining('EXECUTE on dblink'),
    });
    expect(await canaries()).toEqual(INTACT);
  });

  it.each([`SELECT id FROM ${NAME}.canary FOR UPDATE`, `SELECT id FROM ${NAME}.canary FOR NO KEY UPDATE`, `SELECT id INTO ${NAME}.copied FROM ${NAME}.canary`])(
    'refuses %j even when privileged queries are allowed',
    async (query) => {
      await expect(exportQuery(pgAs('postgres', 'postgres'), query, { allowPrivilegedQuery: true })).rejects.toMatchObject({ code: 'QUERY_CLAUSE_REFUSED' });
      expect(await canaries()).toEqual(INTACT);
    },
  );

  it(`refuses a query whose ")" would close the exporter's wrapper`, async () => {
    await expect(exportQuery(pgAs('postgres', 'postgres'), `SELECT 1 AS a) AS t; DELETE FROM ${NAME}.canary; --`, { allowPrivilegedQuery: true })).rejects.toMatchObject({
      code: 'QUERY_UNBALANCED',
    });
    expect(await canaries()).toEqual(INTACT);
  });

  it("has the server parse the query alone before embedding it: '$n' parameters and syntax errors fail before the probe", async () => {
    await expect(exportQuery(pgAs(READER, 'postgres', PASSWORD), `SELECT id FROM ${NAME}.canary WHERE id = $1`)).rejects.toMatchObject({ errorClass: 'config', code: 'QUERY_PARAMETERS' });
    await expect(exportQuery(pgAs(READER, 'postgres', PASSWORD), `SELECT id FROM ${NAME}.canary WHERE`)).rejects.toMatchObject({
      errorClass: 'database',
      message: expect.stringContaining('parsing the query on postgres'),
    });
  });

  it('names a write privilege of an otherwise read-only role', async () => {
    await expect(exportQuery(pgAs(WRITER, 'postgres', PASSWORD), `SELECT id FROM ${NAME}.canary`)).rejects.toMatchObject({
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringContaining(`INSERT/UPDATE/DELETE/TRUNCATE on 1 table (e.g. ${NAME}.canary)`),
    });
  });

  it("runs a least-privilege role's query; server-file functions are the server's to refuse", async () => {
    const { logger, warnings } = capture();
    const { manifest, text } = await exportQuery(pgAs(READER, 'postgres', PASSWORD), `SELECT id, note FROM ${NAME}.canary ORDER BY id`, {}, logger);
    expect(manifest.rows).toBe(3);
    expect(text).toBe('id,note\n1,alive\n2,alive\n3,alive\n');
    expect(warnings).toEqual([]);
    await expect(exportQuery(pgAs(READER, 'postgres', PASSWORD), `SELECT lo_export(${largeObject}, '${serverFile('reader')}')`)).rejects.toMatchObject({ errorClass: 'auth' });
    expect(await serverFileExists('postgres', serverFile('reader'))).toBe(false);
  });

  it('refuses a LOGIN REPLICATION role, naming REPLICATION (a replication slot outlives the read-only transaction)', async () => {
    await expect(exportQuery(pgAs(REPLICATOR, 'postgres', PASSWORD), `SELECT id FROM ${NAME}.canary`)).rejects.toMatchObject({
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringMatching(new RegExp(`database user "${REPLICATOR}" holds REPLICATION\\b`)),
    });
  });

  it('refuses a NOINHERIT member of a REPLICATION role (the review reproduction), and no replication slot is left', async () => {
    const query =
      `SELECT t.id, (SELECT set_config('role', '${REPLICATION_GROUP}', false)) AS r, ` +
      `(SELECT pg_create_physical_replication_slot('${SLOT_PREFIX}_' || md5(random()::text), true)) AS s FROM ${NAME}.canary t`;
    await expect(exportQuery(pgAs(REPLICATION_MEMBER, 'postgres', PASSWORD), query)).rejects.toMatchObject({
      code: 'PRIVILEGED_QUERY_USER',
      message: expect.stringContaining(`REPLICATION through membership in ${REPLICATION_GROUP}`),
    });
    const slots = await pgAdmin.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1 || '%'", [SLOT_PREFIX]);
    expect(slots.rows).toEqual([]);
  });

  it('still exports a table for the superuser, with one warning naming superuser', async () => {
    const { logger, warnings } = capture();
    const { manifest } = await exportQuery(pgAs('postgres', 'postgres'), undefined as unknown as string, { query: undefined, table: `${NAME}.canary` }, logger);
    expect(manifest.rows).toBe(3);
    expect(warnings).toEqual([expect.objectContaining({ privileges: ['superuser (rolsuper)'] })]);
  });
});
