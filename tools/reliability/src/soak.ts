/**
 * The soak: `npm run soak -- --minutes N` (default 10; `--minutes 0.5` for a smoke run; `--seed S`
 * replays a fault sequence).
 *
 * Writers insert, update and delete rows in MariaDB and PostgreSQL continuously while the
 * exporter handler (s3rver, dynalite, the real sources) runs both engines' incremental jobs
 * every few seconds, with a random fault in about one run in five:
 *   db-cut            the database connection is cut (TCP proxy) while rows stream
 *   sink-failure      the data stream to S3 fails after a few bytes
 *   manifest-failure  the manifest write (the commit marker) fails after the data object completed
 *   deadline          the Lambda deadline guard fires during the run
 *   process-kill      the run happens in a child process that is killed with SIGKILL mid-export
 *                     (its lease then blocks the job until it expires, as in production)
 * A failed slot is retried by the "scheduler" half of the time (same scheduled time), as
 * EventBridge Scheduler does. At the end the writers stop, one clean run per engine catches up,
 * and the committed exports (only the objects listed in manifests) are checked against the tables:
 *   lost        row versions in the table at the end with (cursor, key) <= the last committed
 *               bound that appear in no committed export (must be 0)
 *   duplicates  the same (key, cursor value) in two committed exports (must be 0)
 *   outOfWindow exported rows outside their manifest's cursor range (must be 0)
 *   orphans     data objects under the data prefix that no manifest lists (must be 0)
 * Deletes are not captured (no tombstones, documented in the README), so deleted rows are not checked.
 */
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { S3ObjectSink } from '@rds-s3-export/aws';
import { FaultInjectingSink, freshMysqlDatabase, freshPostgresSchema, parseCsv, TEST_MYSQL_URL, startFaultProxy, type FaultProxy, seededRandom } from '@rds-s3-export/export-core/testing';
import { JobConfigSchema, type JobConfig, type Manifest, type RunSummary } from '@rds-s3-export/shared-types';
import { credentialsOf, handlerFor, keysUnder, objectText, sleep, startStack, STATE_TABLE, type DbLogin, type Stack } from '@rds-s3-export/export-runtime/testing';
import { runAndKill } from './kill-run.js';
import type { JobAdapters } from '@rds-s3-export/export-runtime';

export const FAULT_KINDS = ['db-cut', 'sink-failure', 'manifest-failure', 'deadline', 'process-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
type EngineName = 'mariadb' | 'postgres';

export interface SoakOptions {
  readonly durationMs: number;
  /** @default random */
  readonly seed?: number;
  /** Pause between two rounds (one run per engine each). @default 2000 */
  readonly intervalMs?: number;
  /** Share of runs with an injected fault. @default 0.2 */
  readonly faultRate?: number;
  /** @default every kind */
  readonly faultKinds?: readonly FaultKind[];
  /** Database, schema, user and job names (so a manual soak and the test soak never collide). @default 'rel_soak' */
  readonly namespace?: string;
  /** A line per round. @default false */
  readonly verbose?: boolean;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

export interface EngineFigures {
  runs: number;
  committed: number;
  failed: number;
  skipped: number;
  rowsInTable: number;
  rowsChecked: number;
  rowsExported: number;
  rowsLost: number;
  duplicates: number;
  outOfWindow: number;
  orphans: number;
  writes: { inserts: number; updates: number; deletes: number };
}

export interface SoakReport {
  readonly seed: number;
  readonly durationMs: number;
  runs: number;
  committed: number;
  failed: number;
  skipped: number;
  /** Faults that made their run fail (or killed it), by kind. */
  faultsInjected: Record<FaultKind, number>;
  /** Faults planned for a run that committed anyway (e.g. nothing left to stream when it fired). */
  faultsWithoutEffect: number;
  rowsChecked: number;
  rowsLost: number;
  duplicates: number;
  outOfWindow: number;
  orphans: number;
  readonly engines: Record<EngineName, EngineFigures>;
  /** Samples of what went wrong, for the report. */
  readonly problems: string[];
}

const BUCKET = 'rel-soak';
const PASSWORD = 'Rel-Soak-Pa55!';
const LAG_SECONDS = 1;
const CHILD_LEASE_MS = 2_000;
/** A run that takes longer than this is reported as hung (and the soak fails). */
const RUN_WATCHDOG_MS = 60_000;

/** Kills are slow (a process start) and block the job for a lease TTL: half as likely as the others. */
function pickFault(kinds: readonly FaultKind[], rand: () => number): FaultKind {
  const weights = kinds.map((k) => (k === 'process-kill' ? 0.5 : 1));
  let r = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kinds.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return kinds[i] as FaultKind;
  }
  return kinds[kinds.length - 1] as FaultKind;
}

/** Timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` (PostgreSQL trims trailing zeros, MariaDB does not). */
function canonicalTime(text: string): string {
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(6, '0')}`;
}

function compareTuple(a: { value: string; key: string }, b: { value: string; key: string }): number {
  const t = canonicalTime(a.value).localeCompare(canonicalTime(b.value));
  if (t !== 0) return t;
  const x = BigInt(a.key);
  const y = BigInt(b.key);
  return x < y ? -1 : x > y ? 1 : 0;
}

interface EngineRig {
  readonly name: EngineName;
  readonly job: JobConfig;
  readonly proxy: FaultProxy;
  readonly login: (port?: number) => DbLogin;
  /** Starts the writer loop; resolves when stopped. */
  writer(stop: () => boolean, figures: EngineFigures, rand: () => number): Promise<void>;
  /** Every row version now in the table: `id` and cursor text. */
  rows(): Promise<{ key: string; value: string }[]>;
  close(): Promise<void>;
}

async function mariadbRig(ns: string): Promise<EngineRig> {
  const { admin } = await freshMysqlDatabase(ns);
  await admin.query(`DROP USER IF EXISTS '${ns}'@'%'`);
  await admin.query(`CREATE USER '${ns}'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await admin.query(`GRANT SELECT ON ${ns}.* TO '${ns}'@'%'`);
  await admin.query(`CREATE TABLE items (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, val INT NOT NULL, note VARCHAR(64), KEY (updated_at, id))`);
  const proxy = await startFaultProxy({ port: 3306 });
  const job = JobConfigSchema.parse({
    name: `${ns}_mariadb`,
    engine: 'mariadb',
    connection: { url: `mariadb://${ns}@127.0.0.1:3306/${ns}` },
    table: 'items',
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: LAG_SECONDS },
    destination: { bucket: BUCKET },
  });
  return {
    name: 'mariadb',
    job,
    proxy,
    login: (port = 3306) => ({ user: ns, password: PASSWORD, host: '127.0.0.1', port, database: ns }),
    async writer(stop, figures, rand) {
      const base = new URL(TEST_MYSQL_URL);
      const w = await mysql.createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username || 'root'), password: decodeURIComponent(base.password), database: ns });
      let next = 1;
      try {
        while (!stop()) {
          const ids = [next, next + 1, next + 2];
          next += 3;
          await w.query(`INSERT INTO items (id, updated_at, val, note) VALUES ${ids.map(() => '(?, UTC_TIMESTAMP(6), 0, ?)').join(', ')}`, ids.flatMap((id) => [id, `note "${id}", v0`]));
          figures.writes.inserts += ids.length;
          for (let i = 0; i < 2; i++) {
            const id = 1 + Math.floor(rand() * (next - 1));
            const [r] = await w.query(`UPDATE items SET updated_at = UTC_TIMESTAMP(6), val = val + 1, note = CONCAT('note, ', id, ', v', val + 1) WHERE id = ?`, [id]);
            figures.writes.updates += (r as { affectedRows: number }).affectedRows;
          }
          if (rand() < 0.2) {
            const [r] = await w.query('DELETE FROM items WHERE id = ?', [1 + Math.floor(rand() * (next - 1))]);
            figures.writes.deletes += (r as { affectedRows: number }).affectedRows;
          }
          await sleep(15);
        }
      } finally {
        await w.end();
      }
    },
    async rows() {
      const [rows] = await admin.query(`SELECT CAST(id AS CHAR) AS k, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS v FROM items`);
      return (rows as { k: string; v: string }[]).map((r) => ({ key: r.k, value: r.v }));
    },
    async close() {
      await proxy.stop();
      await admin.end();
    },
  };
}

async function postgresRig(ns: string): Promise<EngineRig> {
  const { admin, url } = await freshPostgresSchema(ns);
  const role = `${ns}_pg`;
  await admin.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN; END IF; END $$`);
  await admin.query(`CREATE TABLE ${ns}.items (id bigint PRIMARY KEY, updated_at timestamp(6) NOT NULL, val int NOT NULL, note text)`);
  await admin.query(`CREATE INDEX ON ${ns}.items (updated_at, id)`);
  await admin.query(`GRANT USAGE ON SCHEMA ${ns} TO ${role}; GRANT SELECT ON ${ns}.items TO ${role}`);
  const proxy = await startFaultProxy({ port: 5432 });
  const job = JobConfigSchema.parse({
    name: `${ns}_postgres`,
    engine: 'postgres',
    connection: { url: `postgres://${role}@127.0.0.1:5432/postgres` },
    table: `${ns}.items`,
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: LAG_SECONDS },
    destination: { bucket: BUCKET },
  });
  return {
    name: 'postgres',
    job,
    proxy,
    login: (port = 5432) => ({ user: role, password: 'unused-trust', host: '127.0.0.1', port, database: new URL(url).pathname.slice(1) || 'postgres' }),
    async writer(stop, figures, rand) {
      const w = new pg.Client({ connectionString: url });
      await w.connect();
      let next = 1;
      const now = "(clock_timestamp() AT TIME ZONE 'UTC')";
      try {
        while (!stop()) {
          const ids = [next, next + 1, next + 2];
          next += 3;
          await w.query(`INSERT INTO ${ns}.items (id, updated_at, val, note) SELECT g, ${now}, 0, 'note "' || g || '", v0' FROM unnest($1::bigint[]) g`, [ids]);
          figures.writes.inserts += ids.length;
          for (let i = 0; i < 2; i++) {
            const r = await w.query(`UPDATE ${ns}.items SET updated_at = ${now}, val = val + 1, note = 'note, ' || id || ', v' || (val + 1) WHERE id = $1`, [
              1 + Math.floor(rand() * (next - 1)),
            ]);
            figures.writes.updates += r.rowCount ?? 0;
          }
          if (rand() < 0.2) {
            const r = await w.query(`DELETE FROM ${ns}.items WHERE id = $1`, [1 + Math.floor(rand() * (next - 1))]);
            figures.writes.deletes += r.rowCount ?? 0;
          }
          await sleep(15);
        }
      } finally {
        await w.end();
      }
    },
    async rows() {
      const result = await admin.query<{ k: string; v: string }>(`SELECT id::text AS k, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') AS v FROM ${ns}.items`);
      return result.rows.map((r) => ({ key: r.k, value: r.v }));
    },
    async close() {
      await proxy.stop();
      await admin.end();
    },
  };
}

function emptyFigures(): EngineFigures {
  return {
    runs: 0,
    committed: 0,
    failed: 0,
    skipped: 0,
    rowsInTable: 0,
    rowsChecked: 0,
    rowsExported: 0,
    rowsLost: 0,
    duplicates: 0,
    outOfWindow: 0,
    orphans: 0,
    writes: { inserts: 0, updates: 0, deletes: 0 },
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = seededRandom(seed);
  const log = options.log ?? (() => undefined);
  const kinds = options.faultKinds ?? FAULT_KINDS;
  const report: SoakReport = {
    seed,
    durationMs: options.durationMs,
    runs: 0,
    committed: 0,
    failed: 0,
    skipped: 0,
    faultsInjected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    faultsWithoutEffect: 0,
    rowsChecked: 0,
    rowsLost: 0,
    duplicates: 0,
    outOfWindow: 0,
    orphans: 0,
    engines: { mariadb: emptyFigures(), postgres: emptyFigures() },
    problems: [],
  };

  const stack: Stack = await startStack([BUCKET]);
  const rigs: EngineRig[] = [];
  let stopWriters = false;
  const writers: Promise<void>[] = [];
  try {
    const ns = options.namespace ?? 'rel_soak';
    rigs.push(await mariadbRig(ns), await postgresRig(ns));
    for (const rig of rigs) {
      writers.push(
        rig.writer(() => stopWriters, report.engines[rig.name], seededRandom(seed ^ rig.name.length)).catch((error: unknown) => {
          report.problems.push(`${rig.name}: the writer stopped: ${error instanceof Error ? error.message : String(error)}`);
        }),
      );
    }
    // The last lines of the current run, for the report if a run hangs.
    const lastLines: string[] = [];
    const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      lastLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`.slice(0, 300));
      if (lastLines.length > 20) lastLines.shift();
    };
    const runLogger = { debug: () => undefined, info: keep('INFO'), warn: keep('WARN'), error: keep('ERROR') };
    let slot = Date.UTC(2026, 6, 1);
    const nextSlot: Record<EngineName, string | undefined> = { mariadb: undefined, postgres: undefined };

    const runOne = async (rig: EngineRig, fault: FaultKind | undefined): Promise<RunSummary['status'] | 'failed' | 'killed'> => {
      const scheduledTime = nextSlot[rig.name] ?? new Date((slot += 60_000)).toISOString();
      nextSlot[rig.name] = undefined;
      const figures = report.engines[rig.name];
      figures.runs++;
      report.runs++;
      let outcome: RunSummary['status'] | 'failed' | 'killed';
      if (fault === 'process-kill') {
        const child = await runAndKill(
          {
            job: rig.job,
            scheduledTime,
            s3Endpoint: stack.s3.endpoint,
            dynamoEndpoint: stack.dynamo.endpoint,
            stateTable: STATE_TABLE,
            login: rig.login(),
            leaseTtlMs: CHILD_LEASE_MS,
            delayPerChunkMs: 5,
            owner: `child-${scheduledTime}`,
          },
          { afterMs: Math.floor(rand() * 30) },
        ).catch((error: unknown) => {
          report.problems.push(`${rig.name} run ${scheduledTime}: the child run failed to start or hung: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
          return { killed: false, output: '' };
        });
        outcome = child.killed ? 'killed' : child.output.includes('"status":"committed"') ? 'committed' : child.output.includes('"status":"skipped"') ? 'skipped' : 'failed';
      } else {
        const adapters = (job: JobConfig): Partial<JobAdapters> & { credentials: ReturnType<typeof credentialsOf> } => {
          const s3Sink = new S3ObjectSink({ client: stack.s3Client, bucket: job.destination.bucket });
          const base = { credentials: credentialsOf(rig.login(rig.proxy.port)), leaseTtlMs: 30_000 };
          switch (fault) {
            case 'db-cut':
              // At a random point of the run's database conversation: handshake, window query, count or rows.
              rig.proxy.cutAfterDown(200 + Math.floor(rand() * 40_000));
              return { ...base, sink: s3Sink };
            case 'sink-failure':
              return { ...base, sink: new FaultInjectingSink(s3Sink, { failAfterBytes: 1 + Math.floor(rand() * 4096) }) };
            case 'manifest-failure':
              return { ...base, sink: new FaultInjectingSink(s3Sink, { failManifest: true }) };
            case 'deadline':
              return { ...base, sink: new FaultInjectingSink(s3Sink, { delayPerChunkMs: 20 }), remainingTimeMs: () => 20_000 + 5 + Math.floor(rand() * 30), deadlineMarginMs: 20_000 };
            default:
              return { ...base, sink: s3Sink };
          }
        };
        const handler = handlerFor({ stack, job: () => rig.job, logger: runLogger, adapters });
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), RUN_WATCHDOG_MS)));
        const result = await Promise.race([
          handler({ job: rig.job.name, scheduledTime }).then(
            (s) => s.status,
            () => 'failed' as const,
          ),
          hung,
        ]);
        clearTimeout(timer);
        if (result === 'hung') {
          report.problems.push(`${rig.name} run ${scheduledTime} (fault ${fault ?? 'none'}) did not finish in ${RUN_WATCHDOG_MS / 1000} s; last log: ${lastLines.slice(-3).join(' | ')}`);
          outcome = 'failed';
        } else outcome = result;
        rig.proxy.restore();
      }
      if (outcome === 'committed' || outcome === 'already-committed') {
        figures.committed++;
        report.committed++;
      } else if (outcome === 'skipped') {
        figures.skipped++;
        report.skipped++;
      } else {
        figures.failed++;
        report.failed++;
        // The scheduler retries a failed slot (same scheduled time) about half of the time.
        if (rand() < 0.5) nextSlot[rig.name] = scheduledTime;
      }
      if (fault) {
        if (outcome === 'failed' || outcome === 'killed') report.faultsInjected[fault]++;
        else report.faultsWithoutEffect++;
      }
      if (outcome === 'failed' && !fault) report.problems.push(`${rig.name} run ${scheduledTime} failed without an injected fault`);
      return outcome;
    };

    const started = Date.now();
    let round = 0;
    while (Date.now() - started < options.durationMs) {
      round++;
      for (const rig of rigs) {
        const fault = rand() < (options.faultRate ?? 0.2) ? pickFault(kinds, rand) : undefined;
        if (options.verbose) log(`${new Date().toISOString()} ${rig.name} run, fault ${fault ?? 'none'}`);
        await runOne(rig, fault);
      }
      if (options.verbose) log(`round ${round}: ${report.runs} runs`);
      if (round % 10 === 0) log(`soak: ${Math.round((Date.now() - started) / 1000)} s, ${report.runs} runs, ${report.committed} committed, ${report.failed} failed, ${report.skipped} skipped`);
      await sleep(options.intervalMs ?? 2_000);
    }

    // Writers stop; after the lag, one clean run per engine catches up with everything.
    stopWriters = true;
    await Promise.all(writers);
    await sleep(LAG_SECONDS * 1000 + 200);
    for (const rig of rigs) {
      let last: string = 'failed';
      for (let attempt = 0; attempt < 20 && last !== 'committed'; attempt++) {
        last = await runOne(rig, undefined);
        if (last !== 'committed') await sleep(CHILD_LEASE_MS / 4);
      }
      if (last !== 'committed') report.problems.push(`${rig.name}: the final catch-up run never committed`);
    }

    for (const rig of rigs) await verify(rig, stack, report);
  } finally {
    stopWriters = true;
    await Promise.allSettled(writers);
    for (const rig of rigs) await rig.close().catch(() => undefined);
    await stack.stop();
  }
  return report;
}

/** Reads back every committed export of an engine's job and checks it against the table. */
async function verify(rig: EngineRig, stack: Stack, report: SoakReport): Promise<void> {
  const figures = report.engines[rig.name];
  const { job } = rig;
  const manifestKeys = await keysUnder(stack.s3Client, BUCKET, `${job.destination.manifestPrefix}/${job.name}/`);
  const seen = new Map<string, string>(); // version -> run id
  const listed = new Set<string>();
  let lastBound: { value: string; key: string } | null = null;
  for (const key of manifestKeys) {
    const manifest = JSON.parse(await objectText(stack.s3Client, BUCKET, key)) as Manifest;
    if (manifest.status !== 'committed') continue;
    const to = manifest.cursor?.to ?? null;
    const from = manifest.cursor?.from ?? null;
    if (to && (!lastBound || compareTuple(to, lastBound) > 0)) lastBound = to;
    for (const object of manifest.objects) {
      listed.add(object.key);
      const csv = parseCsv(await objectText(stack.s3Client, BUCKET, object.key));
      const idAt = csv.header.indexOf('id');
      const tsAt = csv.header.indexOf('updated_at');
      for (const row of csv.rows) {
        const version = { key: String(row[idAt]), value: canonicalTime(String(row[tsAt])) };
        const id = `${version.key}@${version.value}`;
        figures.rowsExported++;
        const previous = seen.get(id);
        if (previous !== undefined) {
          figures.duplicates++;
          if (report.problems.length < 20) report.problems.push(`${rig.name}: ${id} in ${previous} and ${manifest.runId}`);
        } else seen.set(id, manifest.runId);
        if ((from && compareTuple(version, from) <= 0) || !to || compareTuple(version, to) > 0) {
          figures.outOfWindow++;
          if (report.problems.length < 20) report.problems.push(`${rig.name}: ${id} outside the window of ${manifest.runId}`);
        }
      }
    }
  }
  const dataKeys = await keysUnder(stack.s3Client, BUCKET, `${job.destination.prefix}/${job.name}/`);
  figures.orphans = dataKeys.filter((k) => !listed.has(k)).length;
  if (figures.orphans > 0) report.problems.push(`${rig.name}: data objects no manifest lists: ${dataKeys.filter((k) => !listed.has(k)).slice(0, 3).join(', ')}`);

  const table = await rig.rows();
  figures.rowsInTable = table.length;
  for (const row of table) {
    const version = { key: row.key, value: canonicalTime(row.value) };
    if (!lastBound || compareTuple(version, lastBound) > 0) continue;
    figures.rowsChecked++;
    if (!seen.has(`${version.key}@${version.value}`)) {
      figures.rowsLost++;
      if (report.problems.length < 20) report.problems.push(`${rig.name}: ${version.key}@${version.value} is in the table but in no committed export`);
    }
  }
  report.rowsChecked += figures.rowsChecked;
  report.rowsLost += figures.rowsLost;
  report.duplicates += figures.duplicates;
  report.outOfWindow += figures.outOfWindow;
  report.orphans += figures.orphans;
}

/** True when the soak proved what it must: something was checked, nothing lost or repeated. */
export function soakPassed(report: SoakReport): boolean {
  return (
    report.committed > 0 &&
    report.rowsChecked > 0 &&
    report.rowsLost === 0 &&
    report.duplicates === 0 &&
    report.outOfWindow === 0 &&
    report.orphans === 0 &&
    report.problems.length === 0
  );
}

export function formatReport(report: SoakReport): string {
  const faults = Object.entries(report.faultsInjected)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const engine = (name: EngineName) => {
    const e = report.engines[name];
    return (
      `  ${name.padEnd(8)} runs ${e.runs} (committed ${e.committed}, failed ${e.failed}, skipped ${e.skipped}); ` +
      `writes ${e.writes.inserts} inserts, ${e.writes.updates} updates, ${e.writes.deletes} deletes; ` +
      `rows exported ${e.rowsExported}, in table ${e.rowsInTable}, checked ${e.rowsChecked}, lost ${e.rowsLost}, duplicates ${e.duplicates}`
    );
  };
  return [
    `soak: ${(report.durationMs / 60_000).toFixed(2)} min, seed ${report.seed}`,
    `  runs ${report.runs}: committed ${report.committed}, failed ${report.failed}, skipped ${report.skipped} (lease held by a killed run)`,
    `  faults injected: ${faults} (planned but without effect: ${report.faultsWithoutEffect})`,
    engine('mariadb'),
    engine('postgres'),
    `  rows checked ${report.rowsChecked}, rows lost ${report.rowsLost}, duplicates ${report.duplicates}, outside their window ${report.outOfWindow}, orphan objects ${report.orphans}`,
    ...report.problems.map((p) => `  problem: ${p}`),
    `  result: ${soakPassed(report) ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}

async function cli(argv: readonly string[]): Promise<number> {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const minutes = Number(value('minutes') ?? 10);
  const seed = value('seed') === undefined ? undefined : Number(value('seed'));
  if (!Number.isFinite(minutes) || minutes < 0 || minutes > 24 * 60) {
    process.stderr.write('--minutes must be a number of minutes between 0 and 1440\n');
    return 2;
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    process.stderr.write('--seed must be an integer\n');
    return 2;
  }
  process.stdout.write(`soak: ${minutes} min of writers + exporter runs with injected faults (MariaDB, PostgreSQL, s3rver, dynalite)\n`);
  const report = await runSoak({ durationMs: minutes * 60_000, seed, verbose: argv.includes('--verbose'), log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${formatReport(report)}\n`);
  return soakPassed(report) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`soak failed to run: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
