/**
 * Hostile configuration, refused before anything connects: every value of the corpus goes
 * through the job schema (the catalog's validation) and, where the CLI takes it, through the
 * CLI with database and S3 endpoints that count connection attempts. Each refusal must name
 * the field (or option) and must not echo a password.
 */
import { createServer, type Server } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssues, JobConfigSchema } from '@rds-s3-export/shared-types';
import { runCliInProcess } from '../testing/run-cli-in-process.js';

const BASE = {
  name: 'orders',
  engine: 'mariadb',
  connection: { url: 'mariadb://exporter@127.0.0.1:3306/shop' },
  table: 'orders',
  destination: { bucket: 'exports' },
} as const;

type Patch = Record<string, unknown>;
function withPatch(patch: Patch): Record<string, unknown> {
  const job: Record<string, unknown> = structuredClone(BASE) as Record<string, unknown>;
  for (const [path, value] of Object.entries(patch)) {
    const parts = path.split('.');
    let target = job;
    for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[parts.at(-1) as string] = value;
  }
  return job;
}

/** Parses the job with one field replaced; returns the refusal text (or null if accepted). */
function refusal(field: string, value: unknown): string | null {
  const schedule = field.startsWith('schedule.') && field !== 'schedule.expression' ? { 'schedule.expression': 'rate(5 minutes)' } : {};
  const result = JobConfigSchema.safeParse(withPatch({ ...schedule, [field]: value }));
  return result.success ? null : formatIssues(result.error, 'job');
}

/**
 * Names the engines allow, however they look: accepted as exact names (the sources quote them
 * by the engine's rules; hostile-inputs.integ.spec.ts shows the canary survives them).
 */
const INJECTION_SHAPED_NAMES = [
  'users"; DROP TABLE canary; --',
  'orders`; DROP TABLE canary; --',
  'a`b',
  'a;b',
  '; DROP TABLE canary',
  'orders; DROP TABLE canary',
  "o'brien",
  'orders--',
  'orders/*x*/',
  'orders OR 1=1',
  'tëst',
  '表',
  'emoji😀',
  'a b',
  '1abc',
  'a'.repeat(64),
  'ord\ners',
  '$(reboot)',
];

/** Names no engine has, or text that is not a name: refused before anything connects. */
const HOSTILE_IDENTIFIERS = ['', '   ', 'a'.repeat(65), 'orders\u0000', '"orders', '`orders', '"a"b', 'a.b.c', 'shop.orders.x', 'shop.'];

const CORPUS: { field: string; values: unknown[] }[] = [
  {
    field: 'destination.bucket',
    values: ['my bucket', 'MyBucket', 'my_bucket', '192.168.1.1', 'a'.repeat(64), 'ab', '-bucket', 'bucket-', 'my..bucket', 'xn--bucket', 'bucket-s3alias', '', '   ', 'bu\ncket', 'bück', 'b/ucket', 'exports;rm'],
  },
  {
    field: 'destination.prefix',
    values: ['../etc', 'a/../b', '..', 'a/./b', 'a//b', 'exports\u0000x', 'exports\nx', 'tab\there', 'del\u007f', 'back\\slash', 'x'.repeat(600), 'a/%2e%2e/b', 'a/{b}', 'q"uote'],
  },
  { field: 'destination.manifestPrefix', values: ['..', '../_manifests', 'm\u0001'] },
  { field: 'destination.layout', values: ['tree', '', '../'] },
  { field: 'destination.compression', values: ['zip', 'gzip; rm -rf /'] },
  { field: 'table', values: HOSTILE_IDENTIFIERS },
  { field: 'columns', values: [[], ['id', ''], ['id', '"name'], ['id', 'x\u0000'], 'id'] },
  { field: 'primaryKey', values: [[], ['"a" b'], ['']] },
  { field: 'incremental.cursorColumn', values: ['', '`updated_at', '""'] },
  { field: 'incremental.keyColumn', values: ['', '   ', 'id\u0000'] },
  { field: 'incremental.lagSeconds', values: [-1, 0.5, 1e9, Number.NaN, Number.POSITIVE_INFINITY, '30'] },
  {
    field: 'schedule.expression',
    values: ['every 5 minutes', 'rate(5 fortnights)', 'rate(-5 minutes)', 'rate(five minutes)', 'rate(0 minutes)', 'cron(* * * * *)', 'cron(garbage; DROP TABLE canary)', 'cron()', 'at(2026-01-01T00:00:00)', '', '*/5 * * * *'],
  },
  { field: 'schedule.timeZone', values: ['Mars/Phobos', 'UTC; DROP TABLE canary', '+25:00'] },
  { field: 'limits.maxRowsPerFile', values: [-1, 0, 1.5, 1e20, '10', Number.NaN, Number.POSITIVE_INFINITY] },
  // 6 TiB: larger than S3's 5 TiB object limit, so no file could ever be written at that size.
  { field: 'limits.maxBytesPerFile', values: [1, -5, 1024, 6 * 1024 ** 4] },
  { field: 'lambda.memoryMb', values: [0, 64, 20_000, -1024] },
  { field: 'lambda.timeoutSeconds', values: [0, 901, 1e6] },
  // Reaches the session as a number only (SET SESSION max_statement_time = <int>).
  { field: 'statementTimeoutSeconds', values: [0, -1, 1.5, 86_401, '30', '30; SET GLOBAL read_only = 0', Number.NaN, Number.POSITIVE_INFINITY] },
  { field: 'name', values: ['Orders', '../x', 'a b', 'a'.repeat(64), '', 'x;y', 'jo\nb'] },
  { field: 'engine', values: ['oracle', 'mysql; DROP', ''] },
  { field: 'csv.delimiter', values: ['"', '\n', ',,', ''] },
  { field: 'connection.url', values: ['not a url', 'mariadb://exporter:hunter2-Pa55@127.0.0.1/shop'] },
];

describe('Hostile configuration: the job schema', () => {
  for (const { field, values } of CORPUS) {
    it(`refuses hostile ${field} values, naming the field`, () => {
      const accepted: unknown[] = [];
      for (const value of values) {
        const text = refusal(field, value);
        if (text === null) {
          accepted.push(value);
          continue;
        }
        expect(text, `refusal of ${JSON.stringify(value)}`).toContain(`job.${field}`);
        expect(text).not.toContain('hunter2-Pa55');
      }
      expect(accepted, `${field}: accepted although hostile`).toEqual([]);
    });
  }

  it('takes injection-shaped names as exact names, for the sources to quote', () => {
    for (const name of INJECTION_SHAPED_NAMES) {
      const job = JobConfigSchema.parse(withPatch({ table: name, columns: [name], primaryKey: [name], incremental: { cursorColumn: name, keyColumn: name } }));
      expect(job).toMatchObject({ table: name, columns: [name], primaryKey: [name], incremental: { cursorColumn: name, keyColumn: name } });
    }
  });

  it('a leading "/" in a prefix is trimmed (documented), never producing an absolute or empty-segment key', () => {
    const job = JobConfigSchema.parse(withPatch({ 'destination.prefix': '/exports/', 'destination.bucket': '  exports  ' }));
    expect(job.destination).toMatchObject({ prefix: 'exports', bucket: 'exports' });
  });

  it('surrounding whitespace (a trailing newline from a copy-paste) is trimmed, not refused: the trimmed value is what is used', () => {
    const job = JobConfigSchema.parse(withPatch({ name: ' orders\n', table: 'orders\n', 'destination.bucket': 'exports\t' }));
    expect(job).toMatchObject({ name: 'orders', table: 'orders', destination: { bucket: 'exports' } });
  });

  it('rejects unknown fields instead of silently ignoring them (typos, smuggled options)', () => {
    expect(refusal('destination.acl', 'public-read')).toContain('destination');
    expect(refusal('options', { multipleStatements: true })).toContain('job');
  });

  it('every refusal is a message, not a stack trace or an echo of the whole config', () => {
    const text = refusal('destination.bucket', 'Bad Bucket')!;
    expect(text).toBe('job.destination.bucket: may contain only lowercase letters, digits, dots and hyphens');
  });
});

// ---------------------------------------------------------------------------------------------
// CLI: refused before any connection (listeners count every connection attempt)
// ---------------------------------------------------------------------------------------------

let db: Server;
let s3: Server;
let connections = 0;
const listen = async () => {
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};
const portOf = (server: Server) => (server.address() as { port: number }).port;

beforeAll(async () => {
  db = await listen();
  s3 = await listen();
});
afterAll(async () => {
  await new Promise((r) => db.close(r));
  await new Promise((r) => s3.close(r));
});

async function cli(...argv: string[]) {
  return cliWithStdin(Readable.from([]), ...argv);
}

async function cliWithStdin(stdin: Readable & { isTTY?: boolean }, ...argv: string[]) {
  return runCliInProcess(argv, { env: {}, stdin });
}

describe('Hostile custom queries: the CLI refuses them before any connection, on both engines', () => {
  const sources = () => [`mariadb://root:hunter2-Pa55@127.0.0.1:${portOf(db)}/shop`, `postgres://postgres:hunter2-Pa55@127.0.0.1:${portOf(db)}/shop`];
  // The security review's reproductions (issue 11) and their neighbours; each names where it is refused.
  const both: [string, string][] = [
    ["SELECT 1 AS a) AS t INTO OUTFILE '/tmp/x' #", 'QUERY_UNBALANCED'],
    ["SELECT * FROM canary INTO OUTFILE '/tmp/x'", 'QUERY_CLAUSE_REFUSED'],
    ['SELECT id FROM canary FOR UPDATE', 'QUERY_CLAUSE_REFUSED'],
    ['SELECT id FROM canary FOR SHARE', 'QUERY_CLAUSE_REFUSED'],
    ['SELECT 1; DELETE FROM canary', 'QUERY_MULTIPLE_STATEMENTS'],
    ['WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d', 'QUERY_CLAUSE_REFUSED'],
    ["SELECT ')' AS a FROM canary WHERE (1 = 1", 'QUERY_UNBALANCED'],
    ['SELECT 1 /*+ MAX_EXECUTION_TIME(0) */', 'QUERY_EXECUTABLE_COMMENT'],
  ];
  const mysqlOnly: [string, string][] = [
    ['SELECT id FROM canary LOCK IN SHARE MODE', 'QUERY_CLAUSE_REFUSED'],
    ['SELECT id FROM canary PROCEDURE ANALYSE()', 'QUERY_CLAUSE_REFUSED'],
    ["SELECT 1 /*!50000 ) AS t INTO OUTFILE '/tmp/x' */", 'QUERY_EXECUTABLE_COMMENT'],
    ["SELECT '\\' ) AS t INTO OUTFILE '/tmp/x' -- '", 'QUERY_AMBIGUOUS'],
  ];
  const postgresOnly: [string, string][] = [
    ['SELECT id FROM canary FOR NO KEY UPDATE', 'QUERY_CLAUSE_REFUSED'],
    ["SELECT $$ ) $$ ) AS t; DELETE FROM canary; --", 'QUERY_UNBALANCED'],
    ["SELECT lo_export(1, '/tmp/x') INTO t", 'QUERY_CLAUSE_REFUSED'],
  ];
  const cases = [
    ...both.flatMap(([query, code]) => [0, 1].map((engine) => ({ query, code, engine }))),
    ...mysqlOnly.map(([query, code]) => ({ query, code, engine: 0 })),
    ...postgresOnly.map(([query, code]) => ({ query, code, engine: 1 })),
  ];

  for (const { query, code, engine } of cases) {
    it(`refuses ${JSON.stringify(query)} on ${engine === 0 ? 'MariaDB' : 'PostgreSQL'} with ${code}, even with --allow-privileged-query`, async () => {
      const before = connections;
      const run = await cli('--source', sources()[engine] as string, '--query', query, '--job-name', 'q', '--dest', 's3://exports', '--allow-privileged-query', '--s3-endpoint', `http://127.0.0.1:${portOf(s3)}`);
      expect(run.code).toBe(2);
      // Optionally preceded by the one-line warning about a password in --source (it names none).
      expect(run.stderr).toMatch(new RegExp(`^(warning: [^\\n]*\\n)?error \\[config/${code}\\]`));
      expect(run.stderr).toMatch(/at line \d+, column \d+|query reads differently/);
      expect(run.stderr).not.toContain('hunter2-Pa55');
      expect(connections).toBe(before);
    });
  }
});

describe('Hostile configuration: the CLI', () => {
  const source = () => `mariadb://root:hunter2-Pa55@127.0.0.1:${portOf(db)}/shop`;
  const dest = 's3://exports';
  const common = () => ['--s3-endpoint', `http://127.0.0.1:${portOf(s3)}`];

  const cases: { what: string; argv: () => string[]; names: string }[] = [
    ...HOSTILE_IDENTIFIERS.filter((t) => t.trim() !== '').map((table) => ({ what: `--table ${JSON.stringify(table)}`, argv: () => ['--source', source(), '--table', table, '--dest', dest], names: '--table' })),
    ...['my bucket', 'MyBucket', 'my_bucket', '192.168.1.1', 'a'.repeat(64), 'ab'].map((bucket) => ({
      what: `bucket ${JSON.stringify(bucket)}`,
      argv: () => ['--source', source(), '--table', 'orders', '--dest', `s3://${bucket}`],
      names: '--dest',
    })),
    ...['../etc', 'a/../b', 'x\u0001y', 'a//b', 'back\\slash'].map((prefix) => ({
      what: `prefix ${JSON.stringify(prefix)}`,
      argv: () => ['--source', source(), '--table', 'orders', '--dest', `s3://exports/${prefix}`],
      names: '--dest',
    })),
    { what: 'a relative file:// destination', argv: () => ['--source', source(), '--table', 'orders', '--dest', 'file://tmp/x'], names: '--dest' },
    { what: 'a query that is not a SELECT', argv: () => ['--source', source(), '--query', 'DELETE FROM canary', '--job-name', 'q', '--dest', dest], names: 'query' },
    { what: 'a query with a second statement up front', argv: () => ['--source', source(), '--query', 'DROP TABLE canary; SELECT 1', '--job-name', 'q', '--dest', dest], names: 'query' },
    { what: 'a hostile job name', argv: () => ['--source', source(), '--query', 'SELECT 1', '--job-name', '../../etc', '--dest', dest], names: 'job name' },
    { what: 'a run time that is not ISO-8601', argv: () => ['--source', source(), '--table', 'orders', '--dest', dest, '--run-time', 'yesterday; rm -rf /'], names: '--run-time' },
    { what: 'an S3 endpoint that is not http(s)', argv: () => ['--source', source(), '--table', 'orders', '--dest', dest, '--s3-endpoint', 'file:///etc/passwd'], names: '--s3-endpoint' },
    { what: 'an unknown layout', argv: () => ['--source', source(), '--table', 'orders', '--dest', dest, '--layout', '../tree'], names: '--layout' },
    { what: 'an unknown compression', argv: () => ['--source', source(), '--table', 'orders', '--dest', dest, '--compression', 'zip'], names: '--compression' },
    { what: 'an unknown option', argv: () => ['--source', source(), '--table', 'orders', '--dest', dest, '--multiple-statements'], names: '--multiple-statements' },
    { what: 'a source URL with an unknown scheme', argv: () => ['--source', 'oracle://u:hunter2-Pa55@127.0.0.1/x', '--table', 'orders', '--dest', dest], names: 'scheme' },
    { what: '--password-stdin with a password in --source', argv: () => ['--source', source(), '--password-stdin', '--table', 'orders', '--dest', dest], names: '--password-stdin conflicts with the password in --source' },
    { what: '--password-stdin given a value', argv: () => ['--source', source(), '--password-stdin=hunter2-Pa55', '--table', 'orders', '--dest', dest], names: '--password-stdin' },
  ];

  for (const c of cases) {
    it(`refuses ${c.what} with exit code 2, naming it, before any connection`, async () => {
      const before = connections;
      const run = await cli(...c.argv(), ...(c.argv().includes('--s3-endpoint') ? [] : common()));
      expect(run.code).toBe(2);
      // Refused while parsing: the error alone. Refused later (the URL, the query): the warning
      // about the password in --source first, which names no password.
      expect(run.stderr).toMatch(/^(warning: the password in --source is visible [^\n]*\n)?error \[config\/[^\n]*\n/);
      expect(run.stderr).toContain(c.names);
      expect(run.stderr).not.toContain('hunter2-Pa55');
      expect(run.stdout).toBe('');
      expect(connections).toBe(before);
    });
  }
});

describe('Hostile configuration: --password-stdin', () => {
  const argv = () => ['--source', `mariadb://root@127.0.0.1:${portOf(db)}/shop`, '--password-stdin', '--table', 'orders', '--dest', 's3://exports', '--s3-endpoint', `http://127.0.0.1:${portOf(s3)}`];

  it('refuses a terminal on stdin with exit code 2, saying how to pipe it, before any connection', async () => {
    const before = connections;
    const run = await cliWithStdin(Object.assign(Readable.from(['hunter2-Pa55']), { isTTY: true }), ...argv());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[config\/CLI_USAGE\]: --password-stdin reads the password from a pipe or a file, but stdin is a terminal; e\.g\. printf/);
    expect(connections).toBe(before);
  });

  it('refuses an oversized stdin without buffering it or echoing it, before any connection', async () => {
    const before = connections;
    const run = await cliWithStdin(Readable.from([Buffer.alloc(70 * 1024, 'hunter2-Pa55')]), ...argv());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[config\/CLI_USAGE\]: --password-stdin read more than 65536 bytes from stdin; pipe only the password/);
    expect(run.stderr).not.toContain('hunter2-Pa55');
    expect(connections).toBe(before);
  });
});
