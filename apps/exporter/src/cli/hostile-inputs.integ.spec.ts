/**
 * Hostile inputs against the real servers: SQL never reaches the database from a hostile
 * identifier, which is always one quoted name (a canary table, exported by a privileged user, must survive every attempt),
 * hostile custom queries cannot modify anything (single statement, READ ONLY snapshot), and
 * hostile data shapes: 1 MB text cells, 1,000 columns, a table without a key. Hostile data
 * values (chunk keys, a stored cursor key) never become SQL, also on a MariaDB whose sql_mode
 * has NO_BACKSLASH_ESCAPES; formula-like enum and domain values are guarded; a statement longer
 * than the job's statementTimeoutSeconds fails as timeout, and a job without one runs in AWS
 * under the Lambda timeout minus its margin. Last, the database password never
 * appears in anything a run produces (logs, errors, manifests, CLI output).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { FaultInjectingSink, freshMysqlDatabase, freshPostgresSchema, parseCsv, startPrivateMariadb, type PrivateMariadb, startFaultProxy, type FaultProxy } from '@rds-s3-export/export-core/testing';
import { createRowSource, LocalFolderSink, runExport, silentLogger, systemClock } from '@rds-s3-export/export-core';
import { S3ObjectSink } from '@rds-s3-export/aws';
import { CsvDialectSchema, JobConfigSchema, type JobConfig } from '@rds-s3-export/shared-types';
import { captureLogger, credentialsOf, handlerFor, keysUnder, objectText, slotClock, startStack, type Stack } from '@rds-s3-export/export-runtime/testing';
import { runCliInProcess } from '../testing/run-cli-in-process.js';

const DB = 'rel_hostile';
const BUCKET = 'rel-hostile';
const SECRET = 'Rel-S3cr3t:p@ss/w%rd#1';
let stack: Stack;
let my: Connection;
let pgAdmin: pg.Client;
let myProxy: FaultProxy;
let pgProxy: FaultProxy;
let dir: string;
const nextSlot = slotClock(Date.UTC(2026, 8, 1));

beforeAll(async () => {
  stack = await startStack([BUCKET]);
  my = (await freshMysqlDatabase(DB)).admin;
  await my.query('CREATE TABLE canary (id INT PRIMARY KEY, note VARCHAR(20)); INSERT INTO canary VALUES (1, "alive"), (2, "alive"), (3, "alive")');
  await my.query(`DROP USER IF EXISTS 'rel_secret'@'%'`);
  await my.query(`CREATE USER 'rel_secret'@'%' IDENTIFIED BY '${SECRET}'`);
  await my.query(`GRANT SELECT ON ${DB}.* TO 'rel_secret'@'%'`);
  pgAdmin = (await freshPostgresSchema(DB)).admin;
  await pgAdmin.query(`CREATE TABLE ${DB}.canary (id int PRIMARY KEY, note text); INSERT INTO ${DB}.canary VALUES (1, 'alive'), (2, 'alive'), (3, 'alive')`);
  myProxy = await startFaultProxy({ port: 3306 });
  pgProxy = await startFaultProxy({ port: 5432 });
  dir = await mkdtemp(join(tmpdir(), 'rel-hostile-'));
}, 60_000);

afterAll(async () => {
  await myProxy?.stop();
  await pgProxy?.stop();
  await my?.end();
  await pgAdmin?.end();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return runCliInProcess(argv, { env });
}

async function canaries(): Promise<{ mariadb: number; postgres: number }> {
  const [rows] = await my.query(`SELECT COUNT(*) AS n FROM ${DB}.canary WHERE note = 'alive'`);
  const pgRows = await pgAdmin.query(`SELECT COUNT(*)::int AS n FROM ${DB}.canary WHERE note = 'alive'`);
  return { mariadb: Number((rows as { n: number }[])[0]?.n), postgres: pgRows.rows[0].n as number };
}

describe('Hostile identifiers and queries against a canary (privileged users: root, postgres)', () => {
  const identifiers = [
    'canary; DROP TABLE canary',
    'canary`; DROP TABLE canary; --',
    'canary"; DROP TABLE canary; --',
    "canary' OR '1'='1",
    'canary/**/WHERE/**/1=0',
    'canary UNION SELECT 1',
    'cänary',
  ];

  it('hostile table and column names reach the server as one quoted identifier and modify nothing, on both engines', async () => {
    for (const table of identifiers) {
      for (const source of [`mariadb://root@127.0.0.1:${myProxy.port}/${DB}`, `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`]) {
        const run = await cli(['--source', source, '--table', table, '--dest', `file://${dir}`]);
        // A name is looked up as it is, and no such table exists: a config error, never SQL.
        expect(run.code, `${table} on ${source}`).toBe(2);
        expect(run.stderr).toMatch(/^error \[config\/SOURCE_OBJECT_NOT_FOUND\]/);
      }
      for (const engine of ['mariadb', 'postgres'] as const) {
        const port = engine === 'postgres' ? pgProxy.port : myProxy.port;
        const source = createRowSource({ engine, host: '127.0.0.1', port, user: engine === 'postgres' ? 'postgres' : 'root', password: '', database: engine === 'postgres' ? 'postgres' : DB });
        const canary = engine === 'postgres' ? `${DB}.canary` : 'canary';
        await expect(source.open({ table, dialect: CsvDialectSchema.parse({}) })).rejects.toMatchObject({ errorClass: 'config', code: 'SOURCE_OBJECT_NOT_FOUND' });
        await expect(source.open({ table: canary, columns: ['id', table], dialect: CsvDialectSchema.parse({}) })).rejects.toMatchObject({ errorClass: 'config', code: 'SOURCE_OBJECT_NOT_FOUND' });
      }
    }
    expect(await canaries()).toEqual({ mariadb: 3, postgres: 3 });
  });

  it('text that is not a table name is refused before a connection is opened', async () => {
    const before = { my: myProxy.connections(), pg: pgProxy.connections() };
    for (const table of [`${DB}.canary; DELETE FROM ${DB}.canary`, '"canary', 'canary\u0000']) {
      for (const source of [`mariadb://root@127.0.0.1:${myProxy.port}/${DB}`, `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`]) {
        const run = await cli(['--source', source, '--table', table, '--dest', `file://${dir}`]);
        expect(run.code, `${table} on ${source}`).toBe(2);
        expect(run.stderr).toContain('--table');
      }
      // The sources validate again on their own (a caller that skips the CLI and the schema).
      const source = createRowSource({ engine: 'mariadb', host: '127.0.0.1', port: myProxy.port, user: 'root', password: '', database: DB });
      await expect(source.open({ table, dialect: CsvDialectSchema.parse({}) })).rejects.toMatchObject({ errorClass: 'config', code: 'IDENTIFIER_INVALID' });
    }
    expect({ my: myProxy.connections(), pg: pgProxy.connections() }).toEqual(before);
  });

  it('hostile custom queries reach the server as one read-only statement and modify nothing', async () => {
    const attempts: { source: string; query: string }[] = [
      ...[
        'SELECT * FROM canary; DROP TABLE canary',
        'SELECT * FROM canary; DELETE FROM canary',
        "SELECT * FROM canary WHERE note = 'x'; UPDATE canary SET note = 'dead'",
        'SELECT 1 FROM DUAL) AS q; DROP TABLE canary; SELECT * FROM (SELECT 1',
        `SELECT * FROM canary INTO OUTFILE '/tmp/rel_hostile_${process.pid}.txt'`,
        'WITH x AS (SELECT 1) SELECT * FROM x; DROP TABLE canary',
      ].map((query) => ({ source: `mariadb://root@127.0.0.1:3306/${DB}`, query })),
      ...[
        `SELECT * FROM ${DB}.canary; DROP TABLE ${DB}.canary`,
        `WITH d AS (DELETE FROM ${DB}.canary RETURNING *) SELECT * FROM d`,
        `WITH u AS (UPDATE ${DB}.canary SET note = 'dead' RETURNING *) SELECT * FROM u`,
        `SELECT * FROM ${DB}.canary) AS q; DROP TABLE ${DB}.canary; SELECT * FROM (SELECT 1`,
        `SELECT pg_terminate_backend(pg_backend_pid()) FROM ${DB}.canary LIMIT 0`,
        `SELECT set_config('default_transaction_read_only', 'off', false), * FROM ${DB}.canary`,
      ].map((query) => ({ source: 'postgres://postgres@127.0.0.1:5432/postgres', query })),
    ];
    const outcomes: string[] = [];
    for (const { source, query } of attempts) {
      const run = await cli(['--source', source, '--query', query, '--job-name', 'hostile_query', '--dest', `file://${dir}`, '--run-time', '2026-02-22T10:12:00Z']);
      outcomes.push(`${run.code} ${query}`);
      expect(await canaries(), query).toEqual({ mariadb: 3, postgres: 3 });
    }
    // Multi-statement and data-modifying queries fail; the harmless ones may export, but nothing changed.
    for (const line of outcomes.filter((o) => /DROP|DELETE|UPDATE/.test(o))) expect(line, line).not.toMatch(/^0 /);
  });
});

describe('Hostile custom queries of the security review (issue 11), through the CLI on both engines', () => {
  const mariadb = `mariadb://root@127.0.0.1:3306/${DB}`;
  const postgres = 'postgres://postgres@127.0.0.1:5432/postgres';
  const file = (what: string) => `/tmp/rel_hostile_${what}_${process.pid}_${Date.now()}.txt`;
  const serverFile = async (engine: 'mariadb' | 'postgres', path: string) =>
    engine === 'postgres'
      ? ((await pgAdmin.query('SELECT pg_stat_file($1, true) IS NOT NULL AS present', [path])).rows[0].present as boolean)
      : Number(((await my.query('SELECT LOAD_FILE(?) IS NOT NULL AS present', [path]))[0] as { present: number }[])[0]?.present) === 1;
  const run = (source: string, query: string, ...extra: string[]) =>
    cli(['--source', source, '--query', query, '--job-name', 'hostile_query', '--dest', `file://${dir}`, '--run-time', '2026-02-22T10:12:00Z', ...extra]);

  it('refuses each reproduction with a coded config error; no server file appears and the canaries keep their rows', async () => {
    const outfile = file('outfile');
    const loExport = file('lo_export');
    const dumpfile = file('dumpfile');
    const lo = Number((await pgAdmin.query("SELECT lo_from_bytea(0, convert_to('x', 'UTF8')) AS oid")).rows[0].oid);
    const attempts: { source: string; query: string; code: string; allow: boolean }[] = [
      // The tokenizer refuses these even when privileged queries are allowed.
      { source: mariadb, query: `SELECT 1 AS a) AS t INTO OUTFILE '${outfile}' #`, code: 'QUERY_UNBALANCED', allow: true },
      { source: mariadb, query: `SELECT * FROM canary INTO OUTFILE '${outfile}'`, code: 'QUERY_CLAUSE_REFUSED', allow: true },
      { source: mariadb, query: 'SELECT * FROM canary LOCK IN SHARE MODE', code: 'QUERY_CLAUSE_REFUSED', allow: true },
      { source: postgres, query: `SELECT * FROM ${DB}.canary FOR UPDATE`, code: 'QUERY_CLAUSE_REFUSED', allow: true },
      { source: postgres, query: `SELECT 1 AS a) AS t; DELETE FROM ${DB}.canary; --`, code: 'QUERY_UNBALANCED', allow: true },
      // Functions are the role's business: refused for root and postgres by the privilege preflight.
      { source: mariadb, query: "SELECT GET_LOCK('rel_hostile', 0) AS l", code: 'PRIVILEGED_QUERY_USER', allow: false },
      { source: mariadb, query: 'SELECT SLEEP(0) AS s', code: 'PRIVILEGED_QUERY_USER', allow: false },
      { source: mariadb, query: "SELECT LOAD_FILE('/etc/hostname') AS f", code: 'PRIVILEGED_QUERY_USER', allow: false },
      { source: postgres, query: `SELECT lo_export(${lo}, '${loExport}') AS written`, code: 'PRIVILEGED_QUERY_USER', allow: false },
      { source: postgres, query: `SELECT dblink_exec('dbname=postgres', 'DELETE FROM ${DB}.canary') AS done`, code: 'PRIVILEGED_QUERY_USER', allow: false },
      // Each one's counterpart on the other engine.
      { source: mariadb, query: `SELECT note FROM canary WHERE id = 1 INTO DUMPFILE '${dumpfile}'`, code: 'QUERY_CLAUSE_REFUSED', allow: true },
      { source: mariadb, query: 'SELECT * FROM canary FOR UPDATE', code: 'QUERY_CLAUSE_REFUSED', allow: true },
      { source: mariadb, query: 'SELECT 1 AS a) AS t; DELETE FROM canary; --', code: 'QUERY_UNBALANCED', allow: true },
      { source: postgres, query: `SELECT 1 AS a) AS t, lo_export(${lo}, '${loExport}') AS w --`, code: 'QUERY_UNBALANCED', allow: true },
      { source: postgres, query: `SELECT * INTO ${DB}.copied FROM ${DB}.canary`, code: 'QUERY_CLAUSE_REFUSED', allow: true },
      { source: postgres, query: 'SELECT pg_advisory_lock(4242) AS l', code: 'PRIVILEGED_QUERY_USER', allow: false },
      { source: postgres, query: 'SELECT pg_sleep(0)::text AS s', code: 'PRIVILEGED_QUERY_USER', allow: false },
      { source: postgres, query: "SELECT pg_read_file('/etc/hostname') AS f", code: 'PRIVILEGED_QUERY_USER', allow: false },
    ];
    for (const { source, query, code, allow } of attempts) {
      const result = await run(source, query, ...(allow ? ['--allow-privileged-query'] : []));
      expect(result.code, query).toBe(2);
      expect(result.stderr, query).toContain(`[config/${code}]`);
      expect(await canaries(), query).toEqual({ mariadb: 3, postgres: 3 });
    }
    expect(await serverFile('mariadb', outfile)).toBe(false);
    expect(await serverFile('postgres', loExport)).toBe(false);
    expect(await serverFile('mariadb', dumpfile)).toBe(false);
    await pgAdmin.query('SELECT lo_unlink($1)', [lo]);
  });

  it("runs a least-privilege user's query (SELECT on the database only)", async () => {
    const result = await cli(
      ['--source', `mariadb://rel_secret@127.0.0.1:3306/${DB}`, '--query', 'SELECT id, note FROM canary ORDER BY id', '--job-name', 'least_privilege', '--dest', `file://${dir}`, '--json'],
      { RDS_S3_EXPORT_DB_PASSWORD: SECRET },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 3 });
  }, 60_000);

  it('runs a privileged user\'s query only with --allow-privileged-query', async () => {
    const refused = await run(mariadb, 'SELECT COUNT(*) AS n FROM canary');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[config/PRIVILEGED_QUERY_USER]');
    expect(refused.stderr).toContain('README.md#least-privilege-database-user');
    const allowed = await run(mariadb, 'SELECT COUNT(*) AS n FROM canary', '--allow-privileged-query', '--json');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ rows: 1 });
  }, 60_000);
});

describe('Hostile data shapes', () => {
  const dialect = CsvDialectSchema.parse({});
  const exportTo = async (engine: 'mariadb' | 'postgres', table: string, job: string) => {
    const source = createRowSource(
      engine === 'postgres'
        ? { engine, host: '127.0.0.1', port: 5432, user: 'postgres', password: '', database: 'postgres' }
        : { engine, host: '127.0.0.1', port: 3306, user: 'root', password: '', database: DB },
    );
    const manifest = await runExport(
      { job, table, dialect, prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'flat', compression: 'none', runTime: new Date('2026-02-22T10:12:00Z') },
      { source, sink: new LocalFolderSink(dir), clock: systemClock, logger: silentLogger },
    );
    return { manifest, csv: parseCsv(await readFile(join(dir, manifest.objects[0]!.key), 'utf8')) };
  };

  it('text of 1 MB per cell (quotes, commas, newlines, 4-byte characters) is exported byte-exact on both engines', async () => {
    await my.query(`CREATE TABLE big_cells (id INT PRIMARY KEY, a LONGTEXT, b LONGTEXT)
      SELECT seq AS id, REPEAT(CONCAT('a,"b"\\n\\r😀€', seq), 70000) AS a, REPEAT('x', 1048576) AS b FROM seq_1_to_3`);
    await pgAdmin.query(`CREATE TABLE ${DB}.big_cells AS SELECT g AS id, repeat('a,"b"' || chr(10) || chr(13) || '😀€' || g, 70000) AS a, repeat('x', 1048576) AS b FROM generate_series(1, 3) g`);
    const [myHashes] = await my.query('SELECT SHA2(a, 256) AS a, SHA2(b, 256) AS b, LENGTH(a) AS bytes FROM big_cells ORDER BY id');
    const pgHashes = await pgAdmin.query(`SELECT encode(sha256(convert_to(a, 'UTF8')), 'hex') AS a, encode(sha256(convert_to(b, 'UTF8')), 'hex') AS b FROM ${DB}.big_cells ORDER BY id`);
    for (const [engine, table, expected] of [
      ['mariadb', 'big_cells', myHashes as { a: string; b: string; bytes: number }[]],
      ['postgres', `${DB}.big_cells`, pgHashes.rows as { a: string; b: string }[]],
    ] as const) {
      const { manifest, csv } = await exportTo(engine, table, `big_cells_${engine}`);
      expect(manifest.rows).toBe(3);
      const sha = (s: string | null) => createHash('sha256').update(s ?? '', 'utf8').digest('hex');
      expect(csv.rows.map((r) => ({ a: sha(r[1] ?? null), b: sha(r[2] ?? null) }))).toEqual(expected.map((e) => ({ a: e.a, b: e.b })));
    }
    expect((myHashes as { bytes: number }[])[0]!.bytes).toBeGreaterThan(1_000_000);
  });

  it('1,000 columns: header and every cell in order, on both engines', async () => {
    const cols = Array.from({ length: 1000 }, (_, i) => `c${i + 1}`);
    await my.query(`CREATE TABLE wide (${cols.map((c) => `${c} INT`).join(', ')}) ENGINE=InnoDB`);
    await pgAdmin.query(`CREATE TABLE ${DB}.wide (${cols.map((c) => `${c} int`).join(', ')})`);
    for (let row = 1; row <= 3; row++) {
      const values = cols.map((_, i) => row * (i + 1)).join(', ');
      await my.query(`INSERT INTO wide VALUES (${values})`);
      await pgAdmin.query(`INSERT INTO ${DB}.wide VALUES (${values})`);
    }
    for (const [engine, table] of [['mariadb', 'wide'], ['postgres', `${DB}.wide`]] as const) {
      const { manifest, csv } = await exportTo(engine, table, `wide_${engine}`);
      expect(manifest.columns).toHaveLength(1000);
      expect(csv.header).toEqual(cols);
      expect(csv.rows.map((r) => r.map(Number))).toEqual([1, 2, 3].map((row) => cols.map((_, i) => row * (i + 1))));
    }
  });

  describe('a table with no primary key', () => {
    let job: JobConfig;
    const { logger } = captureLogger();
    const handler = () => handlerFor({ stack, job: () => job, logger, adapters: () => ({ credentials: credentialsOf({ user: 'rel_secret', password: SECRET, host: '127.0.0.1', port: 3306, database: DB }) }) });

    beforeAll(async () => {
      await my.query(`CREATE TABLE no_key (updated_at DATETIME(6) NOT NULL, v INT, note VARCHAR(20))
        SELECT TIMESTAMP('2026-01-01') + INTERVAL (seq DIV 2) SECOND AS updated_at, seq MOD 3 AS v, 'dup' AS note FROM seq_1_to_10`);
      await my.query('INSERT INTO no_key VALUES (\'2026-01-01 00:00:01\', 1, \'dup\')'); // an exact duplicate row
    });

    it('full mode exports every row, duplicates included', async () => {
      job = JobConfigSchema.parse({ name: 'rel_no_key_full', engine: 'mariadb', connection: { url: `mariadb://rel_secret@127.0.0.1/${DB}` }, table: 'no_key', destination: { bucket: BUCKET } });
      const summary = await handler()({ job: job.name, scheduledTime: nextSlot() });
      expect(summary).toMatchObject({ status: 'committed', rows: 11 });
      expect(parseCsv(await objectText(stack.s3Client, BUCKET, summary.keys[0]!)).rows).toHaveLength(11);
    });

    it('incremental mode refuses with INCREMENTAL_NEEDS_KEY naming the column, before writing anything', async () => {
      job = JobConfigSchema.parse({
        name: 'rel_no_key_incr',
        engine: 'mariadb',
        connection: { url: `mariadb://rel_secret@127.0.0.1/${DB}` },
        table: 'no_key',
        incremental: { cursorColumn: 'updated_at', keyColumn: 'v', lagSeconds: 0 },
        destination: { bucket: BUCKET },
      });
      await expect(handler()({ job: job.name, scheduledTime: nextSlot() })).rejects.toMatchObject({
        errorClass: 'config',
        code: 'INCREMENTAL_NEEDS_KEY',
        message: expect.stringContaining('"v"'),
      });
      expect(await keysUnder(stack.s3Client, BUCKET, `rds_exports/${job.name}/`)).toEqual([]);
      expect(await keysUnder(stack.s3Client, BUCKET, `_manifests/${job.name}/`)).toEqual([]);
      expect((await stack.stateStore().getState(job.name)).cursor).toBeNull();
    });
  });
});

describe('Hostile data values: keys and stored cursors never become SQL', () => {
  // The review's reproduction: a 6-row table whose keys include `c' OR 1=1 -- ` exported 12 rows
  // with --chunks 2 on a server with NO_BACKSLASH_ESCAPES, and a stored cursor key
  // `zzz') OR 1=1 -- ` exported every row and moved the cursor back.
  const KEYS = ['a@example.com', 'b@example.com', "c' OR 1=1 -- ", 'd\\', 'e"\'', "zzz') OR 1=1 -- "];
  const LATER = "c2\\' OR 1=1 -- ";
  const at = (i: number) => `2026-01-01 00:00:${String(10 + i).padStart(2, '0')}`;
  let maria: PrivateMariadb;
  let strict: Connection;

  beforeAll(async () => {
    maria = await startPrivateMariadb(3392, ['--sql-mode=NO_BACKSLASH_ESCAPES']);
    strict = await maria.admin();
    await strict.query(`CREATE DATABASE ${DB}; USE ${DB}; CREATE TABLE people (email VARCHAR(100) PRIMARY KEY, updated_at DATETIME(6) NOT NULL)`);
    await pgAdmin.query(`CREATE TABLE ${DB}.people (email text PRIMARY KEY, updated_at timestamp(6) NOT NULL)`);
    for (const [i, key] of KEYS.entries()) {
      await strict.execute('INSERT INTO people VALUES (?, ?)', [key, at(i)]);
      await pgAdmin.query(`INSERT INTO ${DB}.people VALUES ($1, $2)`, [key, at(i)]);
    }
  }, 180_000);

  afterAll(async () => {
    await strict?.end();
    await maria?.stop();
  });

  const engines = () => [
    { engine: 'mariadb' as const, url: maria.url(DB), table: 'people', insert: (key: string, ts: string) => strict.execute('INSERT INTO people VALUES (?, ?)', [key, ts]) },
    { engine: 'postgres' as const, url: 'postgres://postgres@127.0.0.1:5432/postgres', table: `${DB}.people`, insert: (key: string, ts: string) => pgAdmin.query(`INSERT INTO ${DB}.people VALUES ($1, $2)`, [key, ts]) },
  ];

  it('--chunks 2 --chunk-key email exports the 6-row table exactly: same rows, no duplicates, counts agree', async () => {
    for (const { engine, url, table } of engines()) {
      for (const chunks of ['2', '6']) {
        const dest = join(dir, `chunks-${engine}-${chunks}`);
        const run = await cli(['--source', url, '--table', table, '--chunks', chunks, '--chunk-key', 'email', '--dest', `file://${dest}`, '--run-time', '2026-02-22T10:12:00Z', '--json']);
        expect(run.code, `${engine}: ${run.stderr}`).toBe(0);
        const manifest = JSON.parse(run.stdout) as { rows: number; reconciliation: unknown; objects: { key: string }[] };
        const emails: string[] = [];
        for (const object of manifest.objects) emails.push(...parseCsv(await readFile(join(dest, object.key), 'utf8')).rows.map((r) => r[0] as string));
        expect(emails.sort(), `${engine}, ${chunks} chunks`).toEqual([...KEYS].sort());
        expect(manifest.rows).toBe(KEYS.length);
        expect(manifest.reconciliation).toEqual({ sourceRows: KEYS.length, exportedRows: KEYS.length });
      }
    }
  });

  it('a stored cursor whose key is hostile: the next runs export only newer rows and the cursor never moves back', async () => {
    for (const { engine, url, table, insert } of engines()) {
      const job = JobConfigSchema.parse({
        name: `rel_hostile_cursor_${engine}`,
        engine,
        connection: { url },
        table,
        incremental: { cursorColumn: 'updated_at', keyColumn: 'email', lagSeconds: 0 },
        destination: { bucket: BUCKET },
      });
      const login = new URL(url);
      const handler = handlerFor({
        stack,
        job: () => job,
        logger: silentLogger,
        adapters: () => ({ credentials: credentialsOf({ user: login.username, password: '', host: login.hostname, port: Number(login.port), database: login.pathname.slice(1) }) }),
      });
      const first = await handler({ job: job.name, scheduledTime: nextSlot() });
      expect(first).toMatchObject({ status: 'committed', rows: KEYS.length });
      expect((await stack.stateStore().getState(job.name)).cursor?.key).toBe(KEYS.at(-1));

      await insert(LATER, '2026-01-01 00:01:00');
      const second = await handler({ job: job.name, scheduledTime: nextSlot() });
      expect(second, engine).toMatchObject({ status: 'committed', rows: 1 });
      expect(parseCsv(await objectText(stack.s3Client, BUCKET, second.keys[0]!)).rows.map((r) => r[0])).toEqual([LATER]);
      expect((await stack.stateStore().getState(job.name)).cursor?.key).toBe(LATER);

      const third = await handler({ job: job.name, scheduledTime: nextSlot() });
      expect(third.rows, engine).toBe(0);
      expect((await stack.stateStore().getState(job.name)).cursor?.key).toBe(LATER);
    }
  });
});

describe('Formula-like values in enum and domain columns, and slow statements', () => {
  it('formula-like enum (both engines) and domain-over-text (PostgreSQL) values are guarded', async () => {
    await my.query("CREATE TABLE moods (id INT PRIMARY KEY, m ENUM('=1+1', '@SUM(A1)', 'calm'))");
    await my.query("INSERT INTO moods VALUES (1, '=1+1'), (2, '@SUM(A1)'), (3, 'calm')");
    await pgAdmin.query(`CREATE TYPE ${DB}.mood AS ENUM ('=1+1', '@SUM(A1)', 'calm'); CREATE DOMAIN ${DB}.note AS text`);
    await pgAdmin.query(`CREATE TABLE ${DB}.moods (id int PRIMARY KEY, m ${DB}.mood, d ${DB}.note)`);
    await pgAdmin.query(`INSERT INTO ${DB}.moods VALUES (1, '=1+1', '+cmd'), (2, '@SUM(A1)', '-2+3'), (3, 'calm', 'calm')`);
    for (const [engine, table] of [['mariadb', 'moods'], ['postgres', `${DB}.moods`]] as const) {
      const source = createRowSource(
        engine === 'postgres'
          ? { engine, host: '127.0.0.1', port: 5432, user: 'postgres', password: '', database: 'postgres' }
          : { engine, host: '127.0.0.1', port: 3306, user: 'root', password: '', database: DB },
      );
      const manifest = await runExport(
        { job: `moods_${engine}`, table, dialect: CsvDialectSchema.parse({ formulaGuard: true }), prefix: 'rds_exports', manifestPrefix: '_manifests', layout: 'flat', compression: 'none', runTime: new Date('2026-02-22T10:12:00Z') },
        { source, sink: new LocalFolderSink(dir), clock: systemClock, logger: silentLogger },
      );
      const csv = parseCsv(await readFile(join(dir, manifest.objects[0]!.key), 'utf8'));
      expect(csv.rows.map((r) => r[1]), engine).toEqual(["'=1+1", "'@SUM(A1)", 'calm']);
      if (engine === 'postgres') expect(csv.rows.map((r) => r[2])).toEqual(["'+cmd", "'-2+3", 'calm']);
    }
  });

  it("a statement longer than the job's statementTimeoutSeconds fails the run as timeout, on both engines", async () => {
    await my.query('CREATE VIEW slow AS SELECT seq AS id, SLEEP(0.25) AS s FROM seq_1_to_12');
    await pgAdmin.query(`CREATE VIEW ${DB}.slow AS SELECT g AS id, pg_sleep(0.25)::text AS s FROM generate_series(1, 12) g`);
    for (const [engine, table, login] of [
      ['mariadb', 'slow', { user: 'rel_secret', password: SECRET, host: '127.0.0.1', port: 3306, database: DB }],
      ['postgres', `${DB}.slow`, { user: 'postgres', password: '', host: '127.0.0.1', port: 5432, database: 'postgres' }],
    ] as const) {
      const job = JobConfigSchema.parse({ name: `rel_slow_${engine}`, engine, connection: { url: `${engine}://x@127.0.0.1/db` }, table, statementTimeoutSeconds: 1, destination: { bucket: BUCKET } });
      const handler = handlerFor({ stack, job: () => job, logger: silentLogger, adapters: () => ({ credentials: credentialsOf(login) }) });
      await expect(handler({ job: job.name, scheduledTime: nextSlot() }), engine).rejects.toMatchObject({ errorClass: 'timeout', code: 'SOURCE_QUERY_TIMEOUT' });
      expect(await keysUnder(stack.s3Client, BUCKET, `_manifests/${job.name}/`)).toEqual([]);
    }
  });

  it('a job without statementTimeoutSeconds runs in AWS under the Lambda timeout minus its margin (60 s -> 48 s), on both engines', async () => {
    // Views that read the querying session's own limit.
    await my.query(
      "CREATE VIEW session_limit AS SELECT VARIABLE_VALUE AS statement_timeout FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME = 'MAX_STATEMENT_TIME'",
    );
    await pgAdmin.query(`CREATE VIEW ${DB}.session_limit AS SELECT current_setting('statement_timeout') AS statement_timeout`);
    for (const [engine, table, login, expected] of [
      ['mariadb', 'session_limit', { user: 'rel_secret', password: SECRET, host: '127.0.0.1', port: 3306, database: DB }, '48.000000'],
      ['postgres', `${DB}.session_limit`, { user: 'postgres', password: '', host: '127.0.0.1', port: 5432, database: 'postgres' }, '48s'],
    ] as const) {
      const job = JobConfigSchema.parse({ name: `rel_limit_${engine}`, engine, connection: { url: `${engine}://x@127.0.0.1/db` }, table, lambda: { timeoutSeconds: 60 }, destination: { bucket: BUCKET } });
      const handler = handlerFor({ stack, job: () => job, logger: silentLogger, adapters: () => ({ credentials: credentialsOf(login) }) });
      const summary = await handler({ job: job.name, scheduledTime: nextSlot() });
      expect(parseCsv(await objectText(stack.s3Client, BUCKET, summary.keys[0]!)).rows, engine).toEqual([[expected]]);
    }
  });
});

describe('Secrets: the database password appears in nothing a run produces', () => {
  it('log lines, errors (with their causes), run summaries, manifests, objects and CLI output of succeeding and failing runs', async () => {
    await my.query('CREATE TABLE secret_orders (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, note VARCHAR(40)) SELECT seq AS id, TIMESTAMP(\'2026-01-01\') + INTERVAL seq SECOND AS updated_at, \'n\' AS note FROM seq_1_to_5000');
    const job = JobConfigSchema.parse({
      name: 'rel_secret_orders',
      engine: 'mariadb',
      connection: { url: `mariadb://rel_secret@127.0.0.1/${DB}` },
      table: 'secret_orders',
      incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 0 },
      destination: { bucket: BUCKET },
    });
    const { logger, lines } = captureLogger();
    const produced: string[] = [];
    const login = { user: 'rel_secret', password: SECRET, host: '127.0.0.1', port: myProxy.port, database: DB };
    const handler = (sinkFaults?: ConstructorParameters<typeof FaultInjectingSink>[1], password = SECRET) =>
      handlerFor({
        stack,
        job: () => job,
        logger,
        adapters: (j) => ({
          credentials: credentialsOf({ ...login, password }),
          ...(sinkFaults ? { sink: new FaultInjectingSink(new S3ObjectSink({ client: stack.s3Client, bucket: j.destination.bucket }), sinkFaults) } : {}),
        }),
      });
    const capture = async (invoke: Promise<unknown>) => {
      try {
        produced.push(JSON.stringify(await invoke));
      } catch (error) {
        produced.push(inspect(error, { depth: 20 }), JSON.stringify(error), String(error), (error as Error).stack ?? '');
      }
    };

    myProxy.cut();
    await capture(handler()({ job: job.name, scheduledTime: nextSlot() })); // network: the database is unreachable
    myProxy.restore();
    await capture(handler({ failManifest: true })({ job: job.name, scheduledTime: nextSlot() })); // storage
    await capture(handler(undefined, `${SECRET}-wrong`)({ job: job.name, scheduledTime: nextSlot() })); // auth
    await capture(handler()({ job: job.name, scheduledTime: nextSlot() })); // success
    for (const key of await keysUnder(stack.s3Client, BUCKET, '')) produced.push(key, await objectText(stack.s3Client, BUCKET, key));

    // The CLI: password in the URL (percent-encoded) and in the environment, succeeding and failing.
    const url = `mariadb://rel_secret:${encodeURIComponent(SECRET)}@127.0.0.1:3306/${DB}`;
    for (const argv of [
      ['--source', url, '--table', 'secret_orders', '--dest', `file://${dir}`, '--json'],
      ['--source', url, '--table', 'no_such_table', '--dest', `file://${dir}`],
      ['--source', `mariadb://rel_secret@127.0.0.1:${myProxy.port}/${DB}`, '--table', 'secret_orders', '--dest', `s3://${BUCKET}`, '--s3-endpoint', 'http://127.0.0.1:1'],
      ['--source', url.replace(encodeURIComponent(SECRET), encodeURIComponent(`${SECRET}-wrong`)), '--table', 'secret_orders', '--dest', `file://${dir}`],
    ]) {
      const run = await cli(argv, { RDS_S3_EXPORT_DB_PASSWORD: SECRET });
      produced.push(run.stdout, run.stderr);
    }

    const statuses = lines.filter((l) => l.includes('"message":"run summary"')).map((l) => (JSON.parse(l) as { status: string; errorClass?: string }).errorClass ?? 'ok');
    expect(statuses).toEqual(['network', 'storage', 'auth', 'ok']);
    const everything = [...lines, ...produced].join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    for (const form of [SECRET, encodeURIComponent(SECRET), `${SECRET}-wrong`, Buffer.from(SECRET).toString('base64')]) {
      expect(everything).not.toContain(form);
    }
  });
});
