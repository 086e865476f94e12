/**
 * The run semantics of a scheduled job against real servers (MariaDB, s3rver, dynalite):
 * idempotent retries, no overlapping runs, incremental windows without gaps or duplicates,
 * a crash between upload and manifest, credential rotation and the timeout guard.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { GetTableCommand, GlueClient, UpdateTableCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { GlueTableColumns, S3ObjectSink } from '@rds-s3-export/aws';
import { JobConfigSchema, type JobConfig, type RunSummary } from '@rds-s3-export/shared-types';
import { systemClock, type Logger, type ObjectSink } from '@rds-s3-export/export-core';
import { FaultInjectingSink, freshMysqlDatabase, parseCsv } from '@rds-s3-export/export-core/testing';
import { createExporterHandler } from './exporter-handler.js';
import { keysUnder as keysIn, objectText as textOf, startStack, type Stack } from '../testing/harness.js';
import type { GlueTables } from './glue-table-update.js';
import type { RunMetrics } from './run-report.js';
import type { CredentialSource, JobAdapters } from '../job/run-job-with-credentials.js';

const BUCKET = 'runtime-semantics';
const PASSWORD = 'Rotating-Pa55-1';
let stack: Stack;
let db: Connection;
let dbUrl: URL;
let tableCounter = 0;
let job: JobConfig;
let logLines: string[];

beforeAll(async () => {
  stack = await startStack([BUCKET]);
  const fresh = await freshMysqlDatabase('runtime_semantics');
  db = fresh.admin;
  dbUrl = new URL(fresh.url);
  await db.query(`DROP USER IF EXISTS 'rotating'@'%'`);
  await db.query(`CREATE USER 'rotating'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await db.query(`GRANT SELECT ON runtime_semantics.* TO 'rotating'@'%'`);
}, 60_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

/** A fresh table and job per test, so tests do not share cursors or objects. */
beforeEach(async () => {
  const name = `orders${++tableCounter}`;
  await db.query(`CREATE TABLE ${name} (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, amount DECIMAL(12,2), note VARCHAR(40), KEY (updated_at, id))`);
  job = JobConfigSchema.parse({
    name,
    engine: 'mariadb',
    connection: { url: `mariadb://rotating@${dbUrl.host}/runtime_semantics` },
    table: name,
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 0 },
    destination: { bucket: BUCKET },
  });
  logLines = [];
});

const logger: Logger = {
  debug: () => undefined,
  info: (message, fields) => logLines.push(JSON.stringify({ level: 'INFO', message, ...fields })),
  warn: (message, fields) => logLines.push(JSON.stringify({ level: 'WARN', message, ...fields })),
  error: (message, fields) => logLines.push(JSON.stringify({ level: 'ERROR', message, ...fields })),
};

const fixedCredentials: CredentialSource = {
  get: async () => ({ username: 'rotating', password: PASSWORD, host: dbUrl.hostname, port: Number(dbUrl.port || 3306), database: 'runtime_semantics' }),
};

function handlerWith(overrides: Partial<JobAdapters> & { sink?: ObjectSink } = {}, extra: { glue?: GlueTables; metrics?: RunMetrics } = {}) {
  return createExporterHandler({
    logger,
    ...extra,
    jobs: (name) => {
      if (name !== job.name) throw new Error(`unexpected job ${name}`);
      return job;
    },
    adaptersFor: (_job, context, runLogger) => ({
      credentials: fixedCredentials,
      sink: new S3ObjectSink({ client: stack.s3Client, bucket: BUCKET }),
      state: stack.stateStore(),
      logger: runLogger,
      clock: systemClock,
      owner: context.awsRequestId ?? 'test',
      leaseTtlMs: 60_000,
      ...overrides,
    }),
  });
}

let slot = 0;
function nextSlot(): string {
  return new Date(Date.UTC(2026, 2, 1, 0, 0, 0) + ++slot * 60_000).toISOString();
}

async function keysUnder(prefix: string): Promise<string[]> {
  return keysIn(stack.s3Client, BUCKET, prefix);
}

async function objectText(key: string): Promise<string> {
  return textOf(stack.s3Client, BUCKET, key);
}

/** Row versions (id@updated_at) in the CSV objects of a run summary. */
async function versionsOf(summary: RunSummary): Promise<string[]> {
  const versions: string[] = [];
  for (const key of summary.keys) for (const row of parseCsv(await objectText(key)).rows) versions.push(`${row[0]}@${row[1]}`);
  return versions;
}

async function insert(rows: [number, string][]): Promise<void> {
  await db.query(`INSERT INTO ${job.table} (id, updated_at, amount, note) VALUES ?`, [rows.map(([id, at]) => [id, at, id * 1.25, `n${id}`])]);
}

async function state() {
  return stack.stateStore().getState(job.name);
}

describe('Runtime: idempotency and leases', () => {
  it('a second invocation for the same scheduled time is a no-op that reports already-committed', async () => {
    await insert([[1, '2026-01-01 00:00:00'], [2, '2026-01-01 00:00:01']]);
    const handler = handlerWith();
    const scheduledTime = nextSlot();

    const first = await handler({ job: job.name, scheduledTime });
    const second = await handler({ job: job.name, scheduledTime });

    expect(first.status).toBe('committed');
    expect(first.rows).toBe(2);
    expect(second).toMatchObject({ status: 'already-committed', runId: first.runId, rows: 2, keys: first.keys });
    expect(await keysUnder(`_manifests/${job.name}/`)).toEqual([`_manifests/${job.name}/${first.runId}.json`]);
    expect(await keysUnder(`rds_exports/${job.name}/`)).toEqual(first.keys);
  });

  it('two concurrent invocations of one job: exactly one runs, the other is skipped', async () => {
    await insert([[1, '2026-01-01 00:00:00']]);
    let second: RunSummary | undefined;
    const other = handlerWith();
    const slow = handlerWith({
      sink: new FaultInjectingSink(new S3ObjectSink({ client: stack.s3Client, bucket: BUCKET }), {
        // While the first run holds the lease and is writing, a second one starts.
        onFirstChunk: async () => {
          second = await other({ job: job.name, scheduledTime: nextSlot() }, { awsRequestId: 'second' });
        },
      }),
    });

    const first = await slow({ job: job.name, scheduledTime: nextSlot() }, { awsRequestId: 'first' });

    expect(first.status).toBe('committed');
    expect(second).toMatchObject({ status: 'skipped', reason: 'another run of this job holds the lease', rows: 0 });
    expect(logLines.some((l) => l.includes('"status":"skipped"'))).toBe(true);
  });
});

describe('Runtime: incremental windows', () => {
  it('keeps rows sharing the cursor timestamp, picks up updates, and writes an empty manifest when idle', async () => {
    const handler = handlerWith();
    const t = '2026-01-01 00:00:05.000000';
    await insert([[1, '2026-01-01 00:00:00'], [2, t], [3, t]]);

    const r1 = await handler({ job: job.name, scheduledTime: nextSlot() });
    // More rows with exactly the boundary timestamp (keys after the cursor), and an update.
    await insert([[4, t], [5, t]]);
    await db.query(`UPDATE ${job.table} SET updated_at = '2026-01-01 00:00:09', amount = 99 WHERE id = 1`);
    const r2 = await handler({ job: job.name, scheduledTime: nextSlot() });
    const r3 = await handler({ job: job.name, scheduledTime: nextSlot() });

    expect(await versionsOf(r1)).toEqual(['1@2026-01-01 00:00:00.000000', `2@${t}`, `3@${t}`]);
    expect(r1.cursor).toEqual({ from: null, to: { value: t, key: '3' } });
    expect(await versionsOf(r2)).toEqual([`4@${t}`, `5@${t}`, '1@2026-01-01 00:00:09.000000']);
    expect(r2.cursor).toEqual({ from: { value: t, key: '3' }, to: { value: '2026-01-01 00:00:09.000000', key: '1' } });
    expect(r3).toMatchObject({ status: 'committed', rows: 0, keys: [] });
    expect(JSON.parse(await objectText(`_manifests/${job.name}/${r3.runId}.json`))).toMatchObject({ rows: 0, objects: [] });
    expect((await state()).cursor).toEqual({ value: '2026-01-01 00:00:09.000000', key: '1' });
  });

  it('picks up a row whose transaction commits after a run started, thanks to the lag', async () => {
    job = { ...job, incremental: { ...job.incremental!, lagSeconds: 2 } };
    const handler = handlerWith();
    const writer = await (await import('mysql2/promise')).createConnection({ host: dbUrl.hostname, port: Number(dbUrl.port || 3306), user: 'root', database: 'runtime_semantics' });
    try {
      await insert([[1, '2026-01-01 00:00:00']]);
      await writer.query('START TRANSACTION');
      await writer.query(`INSERT INTO ${job.table} (id, updated_at) VALUES (2, UTC_TIMESTAMP(6))`);
      // Committed rows with timestamps around "now" also exist while the transaction is open.
      await db.query(`INSERT INTO ${job.table} (id, updated_at) VALUES (3, UTC_TIMESTAMP(6))`);
      const r1 = await handler({ job: job.name, scheduledTime: nextSlot() });
      await writer.query('COMMIT');
      await new Promise((r) => setTimeout(r, 2_200));
      const r2 = await handler({ job: job.name, scheduledTime: nextSlot() });

      const ids = (await Promise.all([r1, r2].map(versionsOf))).flat().map((v) => v.split('@')[0]);
      expect((await versionsOf(r1)).map((v) => v.split('@')[0])).toEqual(['1']); // rows 2 and 3 are inside the lag
      expect(ids.sort()).toEqual(['1', '2', '3']);
    } finally {
      await writer.end();
    }
  });

  it('20 runs with concurrent writers: the union equals the table, no row version twice', async () => {
    job = { ...job, incremental: { ...job.incremental!, lagSeconds: 1 } };
    const handler = handlerWith();
    let nextId = 1;
    let writing = true;
    const writerLoop = (async () => {
      const writer = await (await import('mysql2/promise')).createConnection({ host: dbUrl.hostname, port: Number(dbUrl.port || 3306), user: 'root', database: 'runtime_semantics' });
      while (writing) {
        await writer.query(`INSERT INTO ${job.table} (id, updated_at, amount) VALUES (?, UTC_TIMESTAMP(6), 1), (?, UTC_TIMESTAMP(6), 1)`, [nextId, nextId + 1]);
        nextId += 2;
        await writer.query(`UPDATE ${job.table} SET updated_at = UTC_TIMESTAMP(6), amount = amount + 1 WHERE id = ?`, [1 + ((nextId * 7) % nextId)]);
        await new Promise((r) => setTimeout(r, 5));
      }
      await writer.end();
    })();
    const exported: string[] = [];
    for (let i = 0; i < 20; i++) {
      const run = await handler({ job: job.name, scheduledTime: nextSlot() });
      expect(run.status).toBe('committed');
      exported.push(...(await versionsOf(run)));
      await new Promise((r) => setTimeout(r, 50));
    }
    writing = false;
    await writerLoop;
    await new Promise((r) => setTimeout(r, 1_100)); // let the lag pass, then catch up once
    exported.push(...(await versionsOf(await handler({ job: job.name, scheduledTime: nextSlot() }))));

    const [current] = await db.query(`SELECT CONCAT(id, '@', DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f')) AS v FROM ${job.table}`);
    const table = (current as { v: string }[]).map((r) => r.v);
    expect(new Set(exported).size).toBe(exported.length); // no row version in two committed exports
    const latest = new Set(exported);
    expect(table.filter((v) => !latest.has(v))).toEqual([]); // every current row version was exported
    expect(table.length).toBeGreaterThan(40);
  }, 120_000);
});

describe('Runtime: failures', () => {
  it('a failure after the upload but before the manifest: the retry writes the same object and advances the cursor once', async () => {
    await insert([[1, '2026-01-01 00:00:00'], [2, '2026-01-01 00:00:01']]);
    const scheduledTime = nextSlot();
    const firstBytes: Buffer[] = [];
    const recording = new S3ObjectSink({ client: stack.s3Client, bucket: BUCKET });
    const tee: ObjectSink = {
      describe: (k) => recording.describe(k),
      openWriter: (key, options) => {
        const writer = recording.openWriter(key, options);
        const copy = new Transform({ transform: (chunk: Buffer, _e, cb) => (firstBytes.push(chunk), cb(null, chunk)) });
        copy.pipe(writer.stream);
        return { stream: copy, complete: async () => { await new Promise((r) => (writer.stream.writableFinished ? r(null) : writer.stream.once('finish', r))); await writer.complete(); }, abort: (r) => writer.abort(r) };
      },
      putObject: () => Promise.reject(new Error('injected: manifest write failed')),
      getObject: (k) => recording.getObject(k),
      deleteObject: (k) => recording.deleteObject(k),
      listKeys: (p) => recording.listKeys(p),
    };

    await expect(handlerWith({ sink: tee })({ job: job.name, scheduledTime })).rejects.toThrow('injected: manifest write failed');
    expect(await keysUnder(`rds_exports/${job.name}/`)).toEqual([]); // nothing visible
    expect((await state())).toMatchObject({ cursor: null, pending: { to: { value: '2026-01-01 00:00:01.000000', key: '2' } } });
    // A newer row arrives before the retry: the retry re-exports exactly the recorded window.
    await insert([[3, '2026-01-01 00:00:02']]);

    const retry = await handlerWith()({ job: job.name, scheduledTime });
    const again = await handlerWith()({ job: job.name, scheduledTime });

    expect(retry.status).toBe('committed');
    const retried = Buffer.from(await (await stack.s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: retry.keys[0] }))).Body!.transformToByteArray());
    expect(createHash('sha256').update(retried).digest('hex')).toBe(createHash('sha256').update(Buffer.concat(firstBytes)).digest('hex'));
    expect(again.status).toBe('already-committed');
    expect(await state()).toMatchObject({ cursor: { value: '2026-01-01 00:00:01.000000', key: '2' }, pending: null, lastRunId: retry.runId });
    const next = await handlerWith()({ job: job.name, scheduledTime: nextSlot() });
    expect(await versionsOf(next)).toEqual(['3@2026-01-01 00:00:02.000000']);
  });

  it('rotation: a rejected cached secret is fetched again once; a wrong secret is an auth error that never shows the password', async () => {
    await insert([[1, '2026-01-01 00:00:00']]);
    const calls: boolean[] = [];
    const rotating: CredentialSource = {
      get: async (options) => {
        calls.push(Boolean(options?.forceRefresh));
        const base = await fixedCredentials.get();
        return options?.forceRefresh ? base : { ...base, password: 'Stale-Pa55-0' };
      },
    };
    const ok = await handlerWith({ credentials: rotating })({ job: job.name, scheduledTime: nextSlot() });
    expect(ok.status).toBe('committed');
    expect(calls).toEqual([false, true]);
    expect(logLines.some((l) => l.includes('reading the secret again (rotation)'))).toBe(true);

    const wrong: CredentialSource = { get: async () => ({ ...(await fixedCredentials.get()), password: 'Wrong-Pa55-9' }) };
    await expect(handlerWith({ credentials: wrong })({ job: job.name, scheduledTime: nextSlot() })).rejects.toMatchObject({ errorClass: 'auth' });
    const summary = JSON.parse(logLines.filter((l) => l.includes('"message":"run summary"')).at(-1)!) as RunSummary;
    expect(summary).toMatchObject({ status: 'failed', errorClass: 'auth', code: 'SOURCE_AUTH_FAILED' });
    const all = logLines.join('\n');
    for (const secret of [PASSWORD, 'Stale-Pa55-0', 'Wrong-Pa55-9']) expect(all).not.toContain(secret);
  });

  it('timeout guard: with no time left the run aborts cleanly, leaves nothing and releases the lease', async () => {
    await insert([[1, '2026-01-01 00:00:00']]);
    const scheduledTime = nextSlot();
    await expect(handlerWith({ remainingTimeMs: () => 5_000, deadlineMarginMs: 20_000 })({ job: job.name, scheduledTime })).rejects.toMatchObject({
      errorClass: 'timeout',
      message: expect.stringContaining('before the time limit'),
    });
    expect(await keysUnder(`rds_exports/${job.name}/`)).toEqual([]);
    expect(await keysUnder(`_manifests/${job.name}/`)).toEqual([]);
    expect(await stack.stateStore().acquireLease(job.name, 'someone-else', 1000)).toBe(true);
    expect(logLines.some((l) => l.includes('"errorClass":"timeout"'))).toBe(true);
  });
});

describe('Runtime: Parquet jobs', () => {
  it('a job with format parquet writes .parquet objects with the Parquet content type, incrementally, and records the format', async () => {
    // Prepare
    job = JobConfigSchema.parse({ ...job, format: 'parquet' });
    await insert([[1, '2026-01-01 00:00:00'], [2, '2026-01-01 00:00:01']]);
    const handler = handlerWith();

    // Act
    const first = await handler({ job: job.name, scheduledTime: nextSlot() });
    await insert([[3, '2026-01-01 00:00:02']]);
    const second = await handler({ job: job.name, scheduledTime: nextSlot() });

    // Assess
    expect([first.status, first.rows, second.status, second.rows]).toEqual(['committed', 2, 'committed', 1]);
    for (const key of [...first.keys, ...second.keys]) {
      expect(key).toMatch(new RegExp(`^rds_exports/${job.name}/dt=2026-03-01/${job.name}_20260301_\\d{6}\\.parquet$`));
      const object = await stack.s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(object.ContentType).toBe('application/vnd.apache.parquet');
      expect(object.ContentEncoding).toBeUndefined();
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      expect([bytes.subarray(0, 4).toString(), bytes.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);
    }
    const manifest = JSON.parse(await objectText(`_manifests/${job.name}/${second.runId}.json`)) as { format: string; compression: string; cursor: unknown };
    expect(manifest).toMatchObject({ format: 'parquet', compression: 'none', cursor: { from: { value: '2026-01-01 00:00:01.000000', key: '2' }, to: { value: '2026-01-01 00:00:02.000000', key: '3' } } });
  });
});

describe('Runtime: the Glue table of a Parquet job follows the committed run', () => {
  // Glue has no local server: its client is mocked (the project's rule allows it for Glue only).
  const glueMock = mockClient(GlueClient);
  const glueClient = new GlueClient({ region: 'eu-west-1' });
  const glueTables = (): GlueTables => ({ columns: new GlueTableColumns({ client: glueClient }), databaseName: 'exports', tables: { [job.name]: job.name } });
  const stackTable = () => ({
    Name: job.name,
    DatabaseName: 'exports',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { 'projection.enabled': 'true' },
    PartitionKeys: [{ Name: 'dt', Type: 'string' }],
    StorageDescriptor: { Location: 's3://b/p/', Columns: [{ Name: 'pending_first_run', Type: 'string' }] },
  });
  const recorded: string[] = [];
  const metrics: RunMetrics = {
    addDimension: (name, value) => recorded.push(`${name}=${value}`),
    addMetric: (name, _unit, value) => recorded.push(`${name}:${value}`),
    publishStoredMetrics: () => recorded.push('publish'),
  };

  afterAll(() => glueMock.restore());

  beforeEach(() => {
    glueMock.reset();
    recorded.length = 0;
    job = { ...job, format: 'parquet' };
  });

  it('sets the typed columns of the run after the commit', async () => {
    // Prepare
    glueMock.on(GetTableCommand).resolves({ Table: stackTable() });
    glueMock.on(UpdateTableCommand).resolves({});
    await insert([[1, '2026-03-01 00:00:00.000000']]);

    // Act
    const summary = await handlerWith({}, { glue: glueTables(), metrics })({ job: job.name, scheduledTime: nextSlot() });

    // Assess
    expect(summary.status).toBe('committed');
    const update = glueMock.commandCalls(UpdateTableCommand);
    expect(update).toHaveLength(1);
    expect(update[0]!.args[0].input.TableInput?.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'bigint' },
      { Name: 'updated_at', Type: 'timestamp' },
      { Name: 'amount', Type: 'decimal(12,2)' },
      { Name: 'note', Type: 'string' },
    ]);
    expect(logLines.some((l) => l.includes('glue table columns updated'))).toBe(true);
    expect(recorded).toContain('GlueTableUpdateFailed:0');
  });

  it('gives MariaDB BLOB, BINARY and VARBINARY columns the Glue type binary (the manifest records each column\'s kind)', async () => {
    // Prepare: without the kind, `blob` or `varbinary(8)` alone would read as text (a custom
    // query's TEXT is reported as a blob type too), and Glue would get `string`.
    glueMock.on(GetTableCommand).resolves({ Table: stackTable() });
    glueMock.on(UpdateTableCommand).resolves({});
    await db.query(`ALTER TABLE ${job.name} ADD photo BLOB, ADD digest BINARY(4), ADD tag VARBINARY(8), ADD memo TEXT`);
    await db.query(`INSERT INTO ${job.name} (id, updated_at, photo, digest, tag, memo) VALUES (1, '2026-03-01 00:00:00', X'00ff', X'01020304', X'', 'm')`);

    // Act
    const summary = await handlerWith({}, { glue: glueTables(), metrics })({ job: job.name, scheduledTime: nextSlot() });

    // Assess
    expect(summary.status).toBe('committed');
    const manifest = JSON.parse(await objectText(`_manifests/${job.name}/${summary.runId}.json`)) as { columns: { name: string; kind?: string }[] };
    expect(manifest.columns.map((c) => [c.name, c.kind])).toEqual([
      ['id', 'number'], ['updated_at', 'temporal'], ['amount', 'number'], ['note', 'text'], ['photo', 'binary'], ['digest', 'binary'], ['tag', 'binary'], ['memo', 'text'],
    ]);
    expect(glueMock.commandCalls(UpdateTableCommand)[0]!.args[0].input.TableInput?.StorageDescriptor?.Columns?.slice(4)).toEqual([
      { Name: 'photo', Type: 'binary' },
      { Name: 'digest', Type: 'binary' },
      { Name: 'tag', Type: 'binary' },
      { Name: 'memo', Type: 'string' },
    ]);
  });

  it('keeps the run committed when Glue refuses: a warning line and a metric, not a failed export', async () => {
    glueMock.on(GetTableCommand).rejects(Object.assign(new Error('not authorized to perform glue:GetTable'), { name: 'AccessDeniedException' }));
    await insert([[1, '2026-03-01 00:00:00.000000']]);

    const summary = await handlerWith({}, { glue: glueTables(), metrics })({ job: job.name, scheduledTime: nextSlot() });

    expect(summary.status).toBe('committed');
    const warning = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'glue table not updated');
    expect(warning).toMatchObject({ level: 'WARN', code: 'GLUE_ACCESS_DENIED', errorClass: 'auth', table: `exports.${job.name}` });
    expect(recorded.slice(recorded.lastIndexOf(`job=${job.name}`))).toEqual([`job=${job.name}`, 'GlueTableUpdateFailed:1', 'publish']);
  });

  it('leaves Glue alone for a CSV job and for a job without a table', async () => {
    await insert([[1, '2026-03-01 00:00:00.000000']]);
    job = { ...job, format: 'csv' };
    expect((await handlerWith({}, { glue: glueTables(), metrics })({ job: job.name, scheduledTime: nextSlot() })).status).toBe('committed');
    job = { ...job, format: 'parquet' };
    const noTable: GlueTables = { ...glueTables(), tables: {} };
    expect((await handlerWith({}, { glue: noTable, metrics })({ job: job.name, scheduledTime: nextSlot() })).status).toBe('committed');
    expect(glueMock.calls()).toHaveLength(0);
    expect(recorded.filter((r) => r.startsWith('GlueTableUpdateFailed'))).toEqual([]);
  });
});
