/**
 * Fault injection against real servers (MariaDB, PostgreSQL, s3rver, dynalite), through the
 * exporter handler. Every case asserts the same four things:
 *   1. the run fails with a clear error class (config|auth|network|database|storage|timeout) and code;
 *   2. nothing partial is visible: no new data object, no new manifest (and no multipart upload
 *      left behind where the abort can reach the server);
 *   3. the incremental cursor is unchanged (DynamoDbStateStore.getState);
 *   4. the next run recovers: it commits, and exports exactly the rows the failed run would have.
 * The cases already proven in runtime/run-semantics.integ.spec.ts (idempotent retries,
 * concurrent runs, crash before the manifest, rotation inside one run, timeout guard) are not repeated.
 */
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { S3ObjectSink } from '@rds-s3-export/aws';
import { FaultInjectingSink, freshMysqlDatabase, freshPostgresSchema, parseCsv, startFaultProxy, type FaultProxy } from '@rds-s3-export/export-core/testing';
import { JobConfigSchema, type JobConfig, type Manifest, type RunSummary } from '@rds-s3-export/shared-types';
import { localS3ClientConfig } from '@rds-s3-export/aws/testing';
import {
  captureLogger,
  credentialsOf,
  handlerFor,
  objectText,
  s3ClientFailing,
  slotClock,
  startStack,
  STATE_TABLE,
  visibleObjects,
  type DbLogin,
  type Stack,
} from '@rds-s3-export/export-runtime/testing';
import type { JobAdapters } from '@rds-s3-export/export-runtime';
import { runAndKill } from './kill-run.js';

const BUCKET = 'rel-faults';
const DB = 'rel_faults';
const PASSWORD = 'Rel-Faults-Pa55!';
const SMALL = 20_000;
const BIG = 100_000; // ~8 MB of CSV: two multipart parts at 5 MiB

let stack: Stack;
let my: Connection;
let pgAdmin: pg.Client;
let myProxy: FaultProxy;
let pgProxy: FaultProxy;
const nextSlot = slotClock();
let tableNo = 0;
const { logger, lines } = captureLogger();

const myLogin = (port = 3306): DbLogin => ({ user: 'rel_faults', password: PASSWORD, host: '127.0.0.1', port, database: DB });
const pgLogin = (port = 5432): DbLogin => ({ user: 'rel_faults_pg', password: 'unused-trust', host: '127.0.0.1', port, database: 'postgres' });

beforeAll(async () => {
  stack = await startStack([BUCKET]);
  my = (await freshMysqlDatabase(DB)).admin;
  for (const user of ['rel_faults', 'rel_slow']) {
    await my.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await my.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await my.query(`GRANT SELECT ON ${DB}.* TO '${user}'@'%'`);
  }
  pgAdmin = (await freshPostgresSchema(DB)).admin;
  for (const role of ['rel_faults_pg', 'rel_slow_pg']) {
    await pgAdmin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN; END IF; END $$`);
    await pgAdmin.query(`GRANT USAGE ON SCHEMA ${DB} TO ${role}`);
    await pgAdmin.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${DB} GRANT SELECT ON TABLES TO ${role}`);
  }
  await pgAdmin.query('ALTER ROLE rel_slow_pg RESET statement_timeout');
  myProxy = await startFaultProxy({ port: 3306 });
  pgProxy = await startFaultProxy({ port: 5432 });
}, 60_000);

afterAll(async () => {
  await myProxy?.stop();
  await pgProxy?.stop();
  await my?.end();
  await pgAdmin?.end();
  await stack?.stop();
});

beforeEach(() => {
  myProxy.restore();
  pgProxy.restore();
  myProxy.delay(0);
});

// ---------------------------------------------------------------------------------------------
// Tables, jobs and the four assertions
// ---------------------------------------------------------------------------------------------

async function mariadbTable(rows: number): Promise<string> {
  const name = `t${++tableNo}`;
  await my.query(`CREATE TABLE ${name} (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, amount DECIMAL(12,2), note VARCHAR(80), KEY (updated_at, id))
    SELECT seq AS id, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS updated_at, seq / 7 AS amount,
      CONCAT('row ', seq, ', "quoted", padded with text to make some bytes') AS note FROM seq_1_to_${rows}`);
  return name;
}

async function postgresTable(rows: number): Promise<string> {
  const name = `${DB}.t${++tableNo}`;
  await pgAdmin.query(`CREATE TABLE ${name} AS SELECT g::bigint AS id, timestamp '2026-01-01' + g * interval '1 second' AS updated_at,
      round(g / 7.0, 2)::numeric(12,2) AS amount, 'row ' || g || ', "quoted", padded with text to make some bytes' AS note FROM generate_series(1, ${rows}) g`);
  await pgAdmin.query(`ALTER TABLE ${name} ADD PRIMARY KEY (id)`);
  return name;
}

function jobFor(engine: 'mariadb' | 'postgres', table: string): JobConfig {
  return JobConfigSchema.parse({
    name: `rel_${engine}_${table.split('.').pop()}`,
    engine,
    connection: { url: engine === 'postgres' ? 'postgres://rel_faults_pg@127.0.0.1:5432/postgres' : `mariadb://rel_faults@127.0.0.1:3306/${DB}` },
    table,
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 0 },
    destination: { bucket: BUCKET },
  });
}

let job: JobConfig;
let overrides: (job: JobConfig) => Partial<JobAdapters> = () => ({});
let login: () => DbLogin = () => myLogin();
let s3ClientForRun: S3Client | undefined;

const handler = () =>
  handlerFor({
    stack,
    job: () => job,
    logger,
    s3Client: s3ClientForRun,
    adapters: (j) => ({ credentials: credentialsOf(login), ...overrides(j) }),
  });

beforeEach(() => {
  overrides = () => ({});
  login = () => myLogin();
  s3ClientForRun = undefined;
});

const run = (scheduledTime = nextSlot()) => handler()({ job: job.name, scheduledTime });
const state = () => stack.stateStore().getState(job.name);
const visible = () => visibleObjects(stack.s3Client, job);

/** Runs the failing invocation and checks 1-3; returns the error for further assertions. */
async function expectCleanFailure(expected: { errorClass: string; code?: string }, invoke: () => Promise<RunSummary> = run) {
  const before = { visible: await visible(), cursor: (await state()).cursor, uploads: await stack.s3.pendingMultipartUploads(BUCKET) };
  const error = await invoke().then(
    (summary) => {
      throw new Error(`expected the run to fail, it ended ${summary.status}`);
    },
    (e: unknown) => e as Error & { errorClass: string; code: string },
  );
  expect({ errorClass: error.errorClass, code: error.code }).toMatchObject(expected);
  expect(await visible()).toEqual(before.visible);
  expect((await state()).cursor).toEqual(before.cursor);
  expect(await stack.s3.pendingMultipartUploads(BUCKET)).toEqual(before.uploads);
  return error;
}

/** Row ids of a committed run, read back from its objects. */
async function idsOf(summary: RunSummary): Promise<string[]> {
  const ids: string[] = [];
  for (const key of summary.keys) for (const row of parseCsv(await objectText(stack.s3Client, BUCKET, key)).rows) ids.push(String(row[0]));
  return ids;
}

async function expectRecovery(rows: number, scheduledTime?: string): Promise<RunSummary> {
  const next = await run(scheduledTime);
  expect(next).toMatchObject({ status: 'committed', rows });
  const manifest = JSON.parse(await objectText(stack.s3Client, BUCKET, `_manifests/${job.name}/${next.runId}.json`)) as Manifest;
  expect(manifest.rows).toBe(rows);
  expect((await state()).cursor).toEqual(next.cursor?.to ?? null);
  return next;
}

const killOnFirstChunk = (kill: () => Promise<unknown>) => (j: JobConfig) => ({
  sink: new FaultInjectingSink(new S3ObjectSink({ client: s3ClientForRun ?? stack.s3Client, bucket: j.destination.bucket, partSizeBytes: 5 * 1024 * 1024 }), {
    onFirstChunk: async () => {
      await kill();
    },
  }),
});

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

describe('Faults: database', () => {
  it('MariaDB: the connection is KILLed mid-stream -> network error, nothing committed, the next run exports the window', async () => {
    // Big enough that the result set cannot sit complete in socket buffers when the KILL lands.
    job = jobFor('mariadb', await mariadbTable(BIG));
    let killed = 0;
    overrides = killOnFirstChunk(async () => {
      const [rows] = await my.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'rel_faults'`);
      for (const { ID } of rows as { ID: number }[]) await my.query(`KILL CONNECTION ${ID}`).then(() => killed++);
    });

    const error = await expectCleanFailure({ errorClass: 'network', code: 'SOURCE_UNREACHABLE' });

    expect(killed).toBeGreaterThan(0);
    expect(error.message).toContain(`table ${job.table}`);
    overrides = () => ({});
    const next = await expectRecovery(BIG);
    expect(new Set(await idsOf(next)).size).toBe(BIG);
  });

  it('PostgreSQL: the backend is terminated mid-stream (pg_terminate_backend) -> network error, nothing committed, the next run recovers', async () => {
    job = jobFor('postgres', await postgresTable(BIG));
    login = () => pgLogin();
    let terminated = 0;
    overrides = killOnFirstChunk(async () => {
      const result = await pgAdmin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE usename = 'rel_faults_pg'`);
      terminated = result.rows.filter((r: { ok: boolean }) => r.ok).length;
    });

    await expectCleanFailure({ errorClass: 'network', code: 'SOURCE_UNREACHABLE' });

    expect(terminated).toBe(1);
    overrides = () => ({});
    await expectRecovery(BIG);
  });

  it('server down between runs (proxy refuses connections) -> network; when it comes back the next run exports what changed', async () => {
    job = jobFor('mariadb', await mariadbTable(100));
    login = () => myLogin(myProxy.port);
    const first = await run();
    expect(first).toMatchObject({ status: 'committed', rows: 100 });
    await my.query(`INSERT INTO ${job.table} (id, updated_at, note) VALUES (101, '2026-01-02 00:00:00', 'after the restart')`);

    myProxy.cut();
    const error = await expectCleanFailure({ errorClass: 'network', code: 'SOURCE_UNREACHABLE' });
    expect(error.message).toMatch(/connecting to mariadb 127\.0\.0\.1:\d+\/rel_faults/);

    myProxy.restore();
    const next = await expectRecovery(1);
    expect(await idsOf(next)).toEqual(['101']);
  });

  it('PostgreSQL: the network is cut mid-stream (proxy) -> network error, nothing committed, the next run recovers', async () => {
    job = jobFor('postgres', await postgresTable(BIG));
    login = () => pgLogin(pgProxy.port);
    overrides = killOnFirstChunk(async () => pgProxy.cut());

    await expectCleanFailure({ errorClass: 'network', code: 'SOURCE_UNREACHABLE' });

    pgProxy.restore();
    overrides = () => ({});
    await expectRecovery(BIG);
  });

  it('MariaDB: the network is cut mid-stream (proxy) -> network error, nothing committed, the next run recovers', async () => {
    job = jobFor('mariadb', await mariadbTable(BIG));
    login = () => myLogin(myProxy.port);
    overrides = killOnFirstChunk(async () => myProxy.cut());

    await expectCleanFailure({ errorClass: 'network', code: 'SOURCE_UNREACHABLE' });

    myProxy.restore();
    overrides = () => ({});
    await expectRecovery(BIG);
  }, 30_000);

  it('query timeout: MariaDB max_statement_time (per user) -> timeout error; with the limit lifted the next run recovers', async () => {
    job = jobFor('mariadb', await mariadbTable(BIG));
    await my.query(`ALTER USER 'rel_slow'@'%' WITH MAX_STATEMENT_TIME 0.001`);
    login = () => ({ ...myLogin(), user: 'rel_slow' });
    try {
      const error = await expectCleanFailure({ errorClass: 'timeout', code: 'SOURCE_QUERY_TIMEOUT' });
      expect(error.message).toMatch(/max_statement_time|maximum statement execution time/i);
    } finally {
      await my.query(`ALTER USER 'rel_slow'@'%' WITH MAX_STATEMENT_TIME 0`);
    }
    await expectRecovery(BIG);
  });

  it('query timeout: PostgreSQL statement_timeout (per role) -> timeout error; with the limit lifted the next run recovers', async () => {
    job = jobFor('postgres', await postgresTable(BIG));
    await pgAdmin.query(`ALTER ROLE rel_slow_pg SET statement_timeout = '5ms'`);
    login = () => ({ ...pgLogin(), user: 'rel_slow_pg' });
    try {
      const error = await expectCleanFailure({ errorClass: 'timeout', code: 'SOURCE_QUERY_TIMEOUT' });
      expect(error.message).toContain('statement timeout');
    } finally {
      await pgAdmin.query('ALTER ROLE rel_slow_pg RESET statement_timeout');
    }
    await expectRecovery(BIG);
  });

  it('credentials rotated between two runs: while the secret lags the database -> auth error (password never shown); once the secret has the new password the run recovers', async () => {
    job = jobFor('mariadb', await mariadbTable(10));
    const secret = { current: PASSWORD };
    login = () => ({ ...myLogin(), password: secret.current });
    try {
      expect(await run()).toMatchObject({ status: 'committed', rows: 10 });
      await my.query(`INSERT INTO ${job.table} (id, updated_at, note) VALUES (11, '2026-01-02 00:00:00', 'after rotation')`);
      // Rotation step 1: the database has the new password, the secret still the old one.
      await my.query(`ALTER USER 'rel_faults'@'%' IDENTIFIED BY 'Rotated-Pa55-2'`);
      const error = await expectCleanFailure({ errorClass: 'auth', code: 'SOURCE_AUTH_FAILED' });
      expect(error.message).toContain("Access denied for user 'rel_faults'");
      // Rotation step 2: the secret is updated; the next run (and its cache refresh) uses it.
      secret.current = 'Rotated-Pa55-2';
      const next = await expectRecovery(1);
      expect(await idsOf(next)).toEqual(['11']);
      for (const line of lines) for (const p of [PASSWORD, 'Rotated-Pa55-2']) expect(line).not.toContain(p);
    } finally {
      await my.query(`ALTER USER 'rel_faults'@'%' IDENTIFIED BY '${PASSWORD}'`);
    }
  });

  it('table dropped between runs -> config SOURCE_OBJECT_NOT_FOUND naming the table; recreated, the next run continues from the cursor', async () => {
    job = jobFor('mariadb', await mariadbTable(10));
    expect(await run()).toMatchObject({ status: 'committed', rows: 10 });
    await my.query(`DROP TABLE ${job.table}`);

    const error = await expectCleanFailure({ errorClass: 'config', code: 'SOURCE_OBJECT_NOT_FOUND' });
    expect(error.message).toContain(`${DB}.${job.table}' doesn't exist`);

    await my.query(`CREATE TABLE ${job.table} (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, amount DECIMAL(12,2), note VARCHAR(80))
      SELECT seq AS id, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND AS updated_at, NULL AS amount, 'again' AS note FROM seq_1_to_12`);
    const next = await expectRecovery(2);
    expect(await idsOf(next)).toEqual(['11', '12']);
  });

  it('PostgreSQL table dropped between runs -> config SOURCE_OBJECT_NOT_FOUND naming the relation', async () => {
    job = jobFor('postgres', await postgresTable(10));
    login = () => pgLogin();
    expect(await run()).toMatchObject({ status: 'committed', rows: 10 });
    await pgAdmin.query(`DROP TABLE ${job.table}`);
    const error = await expectCleanFailure({ errorClass: 'config', code: 'SOURCE_OBJECT_NOT_FOUND' });
    expect(error.message).toContain(`relation "${job.table}" does not exist`);
  });

  it('column renamed between runs -> the run fails with SCHEMA_CHANGED naming the column, instead of exporting a different header', async () => {
    job = jobFor('mariadb', await mariadbTable(10));
    expect(await run()).toMatchObject({ status: 'committed', rows: 10 });
    await my.query(`ALTER TABLE ${job.table} CHANGE note memo VARCHAR(80)`);
    await my.query(`INSERT INTO ${job.table} (id, updated_at, memo) VALUES (11, '2026-01-02 00:00:00', 'after the rename')`);

    const error = await expectCleanFailure({ errorClass: 'config', code: 'SCHEMA_CHANGED' });
    expect(error.message).toContain('note');
    expect(error.message).toContain('memo');

    await my.query(`ALTER TABLE ${job.table} CHANGE memo note VARCHAR(80)`);
    const next = await expectRecovery(1);
    expect(await idsOf(next)).toEqual(['11']);
  });
});

// ---------------------------------------------------------------------------------------------
// S3
// ---------------------------------------------------------------------------------------------

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Faults: S3', () => {
  it('endpoint refusing connections -> network S3_UNREACHABLE; the next run (endpoint back) commits', async () => {
    job = jobFor('mariadb', await mariadbTable(100));
    s3ClientForRun = new S3Client({ ...localS3ClientConfig(`http://127.0.0.1:${await closedPort()}`), maxAttempts: 2 });

    const error = await expectCleanFailure({ errorClass: 'network', code: 'S3_UNREACHABLE' });
    expect(error.message).toContain('ECONNREFUSED');

    s3ClientForRun = undefined;
    await expectRecovery(100);
  });

  it('a 500 on the 2nd UploadPart (once): the SDK retries the part and the run commits byte-exact data', async () => {
    job = jobFor('mariadb', await mariadbTable(BIG));
    const attempts: number[] = [];
    let failed = false;
    s3ClientForRun = s3ClientFailing(localS3ClientConfig(stack.s3.endpoint), ({ method, query }) => {
      if (method !== 'PUT' || query['partNumber'] === undefined) return false;
      attempts.push(Number(query['partNumber']));
      if (query['partNumber'] === '2' && !failed) return (failed = true);
      return false;
    });

    const summary = await run();

    expect(summary).toMatchObject({ status: 'committed', rows: BIG });
    expect(attempts.filter((p) => p === 2)).toHaveLength(2);
    expect(attempts.filter((p) => p === 1)).toHaveLength(1);
    const manifest = JSON.parse(await objectText(stack.s3Client, BUCKET, `_manifests/${job.name}/${summary.runId}.json`)) as Manifest;
    const body = Buffer.from(await (await stack.s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: summary.keys[0] }))).Body!.transformToByteArray());
    expect(createHash('sha256').update(body).digest('hex')).toBe(manifest.objects[0]?.sha256);
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    expect(await stack.s3.pendingMultipartUploads(BUCKET)).toEqual([]);
  });

  it('a part that keeps failing with 500 -> storage error after the retries; the multipart upload is aborted; the next run commits', async () => {
    job = jobFor('mariadb', await mariadbTable(BIG));
    s3ClientForRun = s3ClientFailing({ ...localS3ClientConfig(stack.s3.endpoint), maxAttempts: 2 }, ({ method, query }) => method === 'PUT' && query['partNumber'] === '2');

    const error = await expectCleanFailure({ errorClass: 'storage', code: 'S3_WRITE_FAILED' });
    expect(error.message).toContain('InternalError');

    s3ClientForRun = undefined;
    await expectRecovery(BIG);
  });

  it('endpoint dying mid-upload (real s3rver behind a proxy) -> network error, nothing visible; the next run commits', async () => {
    job = jobFor('mariadb', await mariadbTable(BIG));
    const s3Proxy = await startFaultProxy({ port: stack.s3.port });
    try {
      s3ClientForRun = new S3Client({ ...localS3ClientConfig(s3Proxy.endpoint), maxAttempts: 1 });
      overrides = killOnFirstChunk(async () => s3Proxy.cutAfter(3 * 1024 * 1024));
      // The abort cannot reach a dead endpoint, so the staged upload may stay (an S3 lifecycle
      // rule AbortIncompleteMultipartUpload removes it in AWS); what matters is that nothing is visible.
      const before = { visible: await visible(), cursor: (await state()).cursor };
      await expect(run()).rejects.toMatchObject({ errorClass: 'network', code: 'S3_UNREACHABLE' });
      expect(await visible()).toEqual(before.visible);
      expect((await state()).cursor).toEqual(before.cursor);
    } finally {
      await s3Proxy.stop();
    }
    s3ClientForRun = undefined;
    overrides = () => ({});
    await expectRecovery(BIG);
  });

  it('endpoint dying mid-upload (SDK client mock): AbortMultipartUpload is sent for the upload, nothing is completed, no manifest', async () => {
    job = jobFor('mariadb', await mariadbTable(BIG));
    const mocked = new S3Client(localS3ClientConfig('http://127.0.0.1:1'));
    const s3mock = mockClient(mocked);
    const notFound = Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    const reset = Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    s3mock.on(GetObjectCommand).rejects(notFound);
    s3mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-under-test' });
    s3mock.on(UploadPartCommand).resolvesOnce({ ETag: '"part-1"' }).rejects(reset);
    s3mock.on(AbortMultipartUploadCommand).resolves({});
    s3ClientForRun = mocked;
    try {
      const before = (await state()).cursor;
      await expect(run()).rejects.toMatchObject({ errorClass: 'network', code: 'S3_UNREACHABLE' });
      const aborts = s3mock.commandCalls(AbortMultipartUploadCommand);
      expect(aborts.map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: expect.stringContaining(`rds_exports/${job.name}/`), UploadId: 'upload-under-test' }]);
      expect(s3mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
      expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0); // no manifest
      expect((await state()).cursor).toEqual(before);
    } finally {
      s3mock.restore();
    }
    s3ClientForRun = undefined;
    await expectRecovery(BIG);
  });

  it('a bucket that does not exist -> config S3_NO_SUCH_BUCKET naming the bucket, before any data is read', async () => {
    job = { ...jobFor('mariadb', await mariadbTable(10)), destination: { ...jobFor('mariadb', 'x').destination, bucket: 'rel-no-such-bucket' } };
    await expect(run()).rejects.toMatchObject({ errorClass: 'config', code: 'S3_NO_SUCH_BUCKET', message: expect.stringContaining('"rel-no-such-bucket" does not exist') });
    expect((await state()).cursor).toBeNull();
    expect((await state()).pending).toBeNull();
    job = { ...job, destination: { ...job.destination, bucket: BUCKET } };
    await expectRecovery(10);
  });

  it('access denied (unknown access key) -> auth S3_ACCESS_DENIED, no key material in the message; the next run commits', async () => {
    job = jobFor('mariadb', await mariadbTable(10));
    s3ClientForRun = new S3Client({ ...localS3ClientConfig(stack.s3.endpoint), credentials: { accessKeyId: 'ASIAREL0FAULTS0DENY0', secretAccessKey: 'rel-secret-key-never-shown' } });

    const error = await expectCleanFailure({ errorClass: 'auth', code: 'S3_ACCESS_DENIED' });
    expect(error.message).not.toContain('ASIAREL0FAULTS0DENY0');
    expect(error.message).not.toContain('rel-secret-key-never-shown');

    s3ClientForRun = undefined;
    await expectRecovery(10);
  });
});

// ---------------------------------------------------------------------------------------------
// State store
// ---------------------------------------------------------------------------------------------

describe('Faults: state store', () => {
  it('a lease held by a crashed run blocks the job until it expires, then the job proceeds', async () => {
    job = jobFor('mariadb', await mariadbTable(10));
    const t0 = Date.now();
    expect(await stack.stateStore(() => t0).acquireLease(job.name, 'crashed-run', 60_000)).toBe(true);

    overrides = () => ({ state: stack.stateStore(() => t0 + 30_000) });
    expect(await run()).toMatchObject({ status: 'skipped', reason: 'another run of this job holds the lease' });
    expect(await visible()).toEqual({ data: [], manifests: [] });

    overrides = () => ({ state: stack.stateStore(() => t0 + 60_001) });
    expect(await run()).toMatchObject({ status: 'committed', rows: 10 });
  });

  it('two beginCommit racers on the same cursor: exactly one wins, the loser changes nothing', async () => {
    const store = stack.stateStore();
    const name = `rel_race_${++tableNo}`;
    const to = (key: string) => ({ value: '2026-01-01 00:00:10.000000', key });
    const results = await Promise.all([
      store.beginCommit(name, { runId: `${name}_a`, from: null, to: to('1') }),
      store.beginCommit(name, { runId: `${name}_b`, from: null, to: to('2') }),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? `${name}_a` : `${name}_b`;
    const loser = results[0] ? `${name}_b` : `${name}_a`;
    expect(await store.finishCommit(name, loser)).toBe(false);
    expect((await store.getState(name)).cursor).toBeNull();
    expect(await store.finishCommit(name, winner)).toBe(true);
    expect((await store.getState(name)).cursor).toEqual(to(winner.endsWith('_a') ? '1' : '2'));
  });

  it('two runs racing past an expired lease: the loser of beginCommit fails with STATE_CONFLICT before writing data; the winner commits', async () => {
    job = jobFor('mariadb', await mariadbTable(50));
    const t0 = Date.now();
    let winner: Promise<RunSummary> | undefined;
    let winnerBegan!: () => void;
    const began = new Promise<void>((resolve) => (winnerBegan = resolve));
    const winnerStore = stack.stateStore(() => t0 + 120_000); // sees run A's lease as expired
    const loserStore = stack.stateStore(() => t0);
    // Run A (the loser) has read the state; before it records its window, run B takes over.
    overrides = () => ({
      owner: 'run-a',
      state: Object.assign(Object.create(loserStore) as typeof loserStore, {
        beginCommit: async (...args: Parameters<typeof loserStore.beginCommit>) => {
          winner = handlerFor({
            stack,
            job: () => job,
            logger,
            adapters: () => ({
              credentials: credentialsOf(myLogin()),
              owner: 'run-b',
              state: Object.assign(Object.create(winnerStore) as typeof winnerStore, {
                beginCommit: async (...b: Parameters<typeof winnerStore.beginCommit>) => {
                  const ok = await winnerStore.beginCommit(...b);
                  winnerBegan();
                  return ok;
                },
              }),
            }),
          })({ job: job.name, scheduledTime: nextSlot() });
          await began;
          return loserStore.beginCommit(...args);
        },
      }),
    });

    const loser = await run().then(
      () => undefined,
      (e: unknown) => e as { errorClass: string; code: string },
    );
    const won = await winner!;

    expect(loser).toMatchObject({ errorClass: 'storage', code: 'STATE_CONFLICT' });
    expect(won).toMatchObject({ status: 'committed', rows: 50 });
    expect(await visible()).toEqual({ data: won.keys, manifests: [`_manifests/${job.name}/${won.runId}.json`] });
    expect(await state()).toMatchObject({ cursor: won.cursor?.to, pending: null });
  });

  it('a run that outlived its lease (another run took over and committed) must not commit a second copy of the window', async () => {
    job = jobFor('mariadb', await mariadbTable(50));
    const t0 = Date.now();
    let takeover: RunSummary | undefined;
    // Run A is slow: while it streams, its lease expires and run B exports the same window.
    overrides = (j) => ({
      owner: 'slow-run',
      state: stack.stateStore(() => t0),
      sink: new FaultInjectingSink(new S3ObjectSink({ client: stack.s3Client, bucket: j.destination.bucket }), {
        onFirstChunk: async () => {
          takeover = await handlerFor({
            stack,
            job: () => job,
            logger,
            adapters: () => ({ credentials: credentialsOf(myLogin()), owner: 'takeover', state: stack.stateStore(() => t0 + 120_000) }),
          })({ job: job.name, scheduledTime: nextSlot() });
        },
      }),
    });

    const slow = await run().then(
      (summary) => summary,
      (e: unknown) => e as { errorClass: string; code: string },
    );

    expect(takeover).toMatchObject({ status: 'committed', rows: 50 });
    // Consumers read every manifest: the same 50 rows must not be listed twice.
    const { manifests } = await visible();
    expect(manifests).toEqual([`_manifests/${job.name}/${takeover!.runId}.json`]);
    expect(slow).toMatchObject({ errorClass: 'storage', code: 'STATE_CONFLICT' });
  });
});

// ---------------------------------------------------------------------------------------------
// Process
// ---------------------------------------------------------------------------------------------

describe('Faults: process', () => {
  it('killed with SIGKILL mid-export: nothing visible, cursor unchanged, the lease blocks until it expires, then the next run redoes the window', async () => {
    job = jobFor('mariadb', await mariadbTable(SMALL));
    const scheduledTime = nextSlot();
    const leaseTtlMs = 60_000;

    const child = await runAndKill({
      job,
      scheduledTime,
      s3Endpoint: stack.s3.endpoint,
      dynamoEndpoint: stack.dynamo.endpoint,
      stateTable: STATE_TABLE,
      login: myLogin(),
      leaseTtlMs,
      delayPerChunkMs: 20,
      owner: 'killed-child',
    });

    expect(child.killed).toBe(true);
    expect(child.output).not.toContain('SUMMARY');
    expect(await visible()).toEqual({ data: [], manifests: [] });
    const left = await state();
    expect(left.cursor).toBeNull();
    expect(left.pending).toMatchObject({ runId: expect.stringContaining(job.name) }); // the window it had recorded
    // The dead process still holds the lease: the scheduler's retry is skipped until it expires.
    expect(await run(scheduledTime)).toMatchObject({ status: 'skipped' });
    const expired = Date.now() + leaseTtlMs + 1;
    overrides = () => ({ state: stack.stateStore(() => expired) });
    const next = await expectRecovery(SMALL, scheduledTime);
    expect(new Set(await idsOf(next)).size).toBe(SMALL);
    expect(lines.some((l) => l.includes('"phase":"idempotency"'))).toBe(false);
  });

  it('killed between the data object and the manifest: the next run (another slot) drops the window AND removes the orphaned data object', async () => {
    job = jobFor('mariadb', await mariadbTable(100));
    const child = await runAndKill(
      {
        job,
        scheduledTime: nextSlot(),
        s3Endpoint: stack.s3.endpoint,
        dynamoEndpoint: stack.dynamo.endpoint,
        stateTable: STATE_TABLE,
        login: myLogin(),
        leaseTtlMs: 60_000,
        delayPerChunkMs: 0,
        owner: 'killed-before-manifest',
        hangOnManifest: true,
      },
      { afterMs: 0 },
    );
    expect(child.killed).toBe(true);
    const left = await visible();
    expect(left.manifests).toEqual([]);
    expect(left.data).toHaveLength(1); // complete, but never committed: Athena over the data prefix would read it

    const expired = Date.now() + 60_001;
    overrides = () => ({ state: stack.stateStore(() => expired) });
    const next = await expectRecovery(100);
    // Recovery rolled the pending window back; the data object of that run must go with it.
    expect(await visible()).toEqual({ data: next.keys, manifests: [`_manifests/${job.name}/${next.runId}.json`] });
  });
});
