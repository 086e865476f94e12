/**
 * The CLI's connection end to end, as a data engineer meets it: TLS by the URL parameters their
 * clients know (against a PostgreSQL cluster and a MariaDB server of the suite's own that take
 * only TLS, with a CA and server certificate the suite makes), a URL pointed at the other
 * engine's port, a server that never answers, and a user without the privilege to read.
 * Each asserts the exit code and the one error line.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import {
  freshMysqlDatabase,
  freshPostgresSchema,
  makeTestCertificates,
  startPrivateMariadb,
  startPrivatePostgres,
  TEST_MYSQL_URL,
  TEST_POSTGRES_URL,
  type PrivateMariadb,
  type PrivatePostgres,
  type TestCertificates,
} from '@rds-s3-export/export-core/testing';
import { runCliInProcess } from '../testing/run-cli-in-process.js';

/** Ports and names of this suite only (other suites run at the same time on the same machine). */
// Below Linux's ephemeral range (32768-60999): a port in it can be taken at any moment by an
// outgoing connection of another suite running at the same time (a CI run once saw the private
// PostgreSQL fail with "Address already in use" on 54938).
const PG_PORT = 25_437;
const MARIADB_PORT = 25_537;
const SUFFIX = 'cli_tls_errors';
const RUN_TIME = '2026-03-01T08:00:00Z';

let work: string;
let certs: TestCertificates;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-connect-'));
  certs = await makeTestCertificates(work);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const run = await runCliInProcess(argv, { env: { ...process.env, RDS_S3_EXPORT_DB_PASSWORD: '', ...env } });
  return { ...run, ms: Date.now() - started };
}

/** Exports `table` from `source` to a fresh folder; returns the run and the CSV it wrote (if any). */
async function exportTable(source: string, table: string, extra: readonly string[] = []) {
  const dest = await mkdtemp(join(work, 'out-'));
  const run = await cli(['--source', source, '--table', table, '--dest', `file://${dest}`, '--layout', 'flat', '--run-time', RUN_TIME, ...extra]);
  const files = await readdir(join(dest, 'rds_exports')).catch(() => [] as string[]);
  const csv = files.length === 1 ? await readFile(join(dest, 'rds_exports', files[0] as string), 'utf8') : undefined;
  return { ...run, csv };
}

describe('CLI: a PostgreSQL server that takes only TLS (pg_hba hostssl only)', () => {
  let server: PrivatePostgres;
  const url = (host: string, query: string) => `postgres://postgres@${host}:${PG_PORT}/postgres${query}`;

  beforeAll(async () => {
    server = await startPrivatePostgres(PG_PORT, { tls: certs });
    const admin = await server.admin();
    await admin.query(`CREATE TABLE tls_${SUFFIX} AS SELECT g AS id, 'row ' || g AS label FROM generate_series(1, 3) g`);
    await admin.end();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('exports with sslmode=require (encrypted, certificate not checked)', async () => {
    const run = await exportTable(url('127.0.0.1', '?sslmode=require'), `tls_${SUFFIX}`);
    expect(run.stderr).toMatch(/^exported 3 rows/);
    expect(run.code).toBe(0);
    expect(run.csv).toBe('id,label\n1,row 1\n2,row 2\n3,row 3\n');
  });

  it('exports with verify-full against the CA that signed the certificate, by the name it carries; verify-ca by IP', async () => {
    const ca = encodeURIComponent(certs.caFile);
    const full = await exportTable(url(certs.hostName, `?sslmode=verify-full&sslrootcert=${ca}`), `tls_${SUFFIX}`);
    expect(full.stderr).toMatch(/^exported 3 rows/);
    expect(full.code).toBe(0);
    const byIp = await exportTable(url('127.0.0.1', `?sslmode=verify-ca&sslrootcert=${ca}`), `tls_${SUFFIX}`);
    expect(byIp.stderr).toMatch(/^exported 3 rows/);
    expect(byIp.code).toBe(0);
  });

  it('refuses a certificate of another CA, the RDS bundle by default, and a host name the certificate does not carry', async () => {
    const wrongCa = await exportTable(url(certs.hostName, `?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.wrongCaFile)}`), `tls_${SUFFIX}`);
    expect(wrongCa.code).toBe(4);
    expect(wrongCa.stderr).toMatch(/^error \[network\/TLS_CERT_UNTRUSTED\]: .*connecting to postgres localhost:\d+\/postgres: the server's certificate is not signed by the CA of sslrootcert/);
    expect(wrongCa.csv).toBeUndefined();

    const rdsDefault = await exportTable(url(certs.hostName, '?sslmode=verify-full'), `tls_${SUFFIX}`);
    expect(rdsDefault.code).toBe(4);
    expect(rdsDefault.stderr).toMatch(/^error \[network\/TLS_CERT_UNTRUSTED\]: .*not signed by the RDS CA bundle \(the default of the verify modes\).*sslrootcert=<file\.pem>/);

    const wrongName = await exportTable(url('127.0.0.1', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.caFile)}`), `tls_${SUFFIX}`);
    expect(wrongName.code).toBe(4);
    expect(wrongName.stderr).toMatch(/^error \[network\/TLS_HOST_NAME_MISMATCH\]: .*the server's certificate does not name "127\.0\.0\.1".*use sslmode=verify-ca to check the CA only/);
  });

  it('refuses a plain connection, saying the server wants TLS and which parameter to add', async () => {
    for (const query of ['', '?sslmode=disable']) {
      const run = await exportTable(url('127.0.0.1', query), `tls_${SUFFIX}`);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/^error \[network\/TLS_REQUIRED\]: .*the server accepts only encrypted connections \(no pg_hba\.conf entry .*no encryption\); add \?sslmode=verify-full to the URL/);
    }
  });

  it('--job: the URL\'s sslmode wins over the connection\'s tls; without one, the connection\'s tls applies', async () => {
    const file = join(await mkdtemp(join(work, 'config-')), 'deploy.yaml');
    const config = (url: string, tls: string) =>
      ['connections:', '  tlsdb:', '    engine: postgres', `    url: "${url}"`, `    tls: ${tls}`, 'jobs:', '  - name: tls-job', '    connection: tlsdb', `    table: tls_${SUFFIX}`, ''].join('\n');
    const run = async () => {
      const dest = await mkdtemp(join(work, 'out-'));
      return cli(['--config', file, '--job', 'tls-job', '--dest', `file://${dest}`, '--run-time', RUN_TIME]);
    };

    await writeFile(file, config(url('127.0.0.1', ''), 'require'));
    const fromConfig = await run();
    expect(fromConfig.stderr).toMatch(/^exported 3 rows/);
    expect(fromConfig.code).toBe(0);

    await writeFile(file, config(url('127.0.0.1', '?sslmode=require'), 'disable'));
    const urlWins = await run();
    expect(urlWins.stderr).toMatch(/^exported 3 rows/);
    expect(urlWins.code).toBe(0);

    await writeFile(file, config(url('127.0.0.1', '?sslmode=disable'), 'require'));
    const urlDisables = await run();
    expect(urlDisables.code).toBe(4);
    expect(urlDisables.stderr).toMatch(/^error \[network\/TLS_REQUIRED\]/);
  });

  it('refuses ssl=true by name instead of ignoring it', async () => {
    const run = await exportTable(url('127.0.0.1', '?ssl=true'), `tls_${SUFFIX}`);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error [config/SOURCE_URL_PARAMETER_UNKNOWN]: source URL parameter "ssl" is not supported; say how: sslmode=require or sslmode=verify-full (postgres URLs take sslmode, sslrootcert, connect_timeout)\n',
    );
  });
});

describe('CLI: a MariaDB server that takes only TLS (--require-secure-transport)', () => {
  let server: PrivateMariadb;
  const url = (host: string, query: string) => `mariadb://root@${host}:${MARIADB_PORT}/${SUFFIX}${query}`;

  beforeAll(async () => {
    server = await startPrivateMariadb(
      MARIADB_PORT,
      ['--require-secure-transport=ON', `--ssl-cert=${certs.certFile}`, `--ssl-key=${certs.keyFile}`, `--ssl-ca=${certs.caFile}`],
      { grantTables: true, adminSsl: { rejectUnauthorized: false } },
    );
    const admin = await server.admin();
    await admin.query(`CREATE DATABASE ${SUFFIX}; CREATE TABLE ${SUFFIX}.tls_people (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO ${SUFFIX}.tls_people VALUES (1, 'ada'), (2, 'grace')`);
    await admin.end();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('exports with ssl-mode=REQUIRED, and with VERIFY_IDENTITY and ssl-ca by the certificate\'s name; VERIFY_CA by IP', async () => {
    for (const [host, query] of [
      ['127.0.0.1', '?ssl-mode=REQUIRED'],
      [certs.hostName, `?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(certs.caFile)}`],
      ['127.0.0.1', `?ssl-mode=VERIFY_CA&ssl-ca=${encodeURIComponent(certs.caFile)}`],
    ] as const) {
      const run = await exportTable(url(host, query), 'tls_people');
      expect(run.stderr).toMatch(/^exported 2 rows/);
      expect(run.code).toBe(0);
      expect(run.csv).toBe('id,name\n1,ada\n2,grace\n');
    }
  });

  it('refuses a certificate of another CA, the RDS bundle by default, and a host name the certificate does not carry', async () => {
    const wrongCa = await exportTable(url(certs.hostName, `?ssl-mode=VERIFY_CA&ssl-ca=${encodeURIComponent(certs.wrongCaFile)}`), 'tls_people');
    expect(wrongCa.code).toBe(4);
    expect(wrongCa.stderr).toMatch(/^error \[network\/TLS_CERT_UNTRUSTED\]: .*the server's certificate is not signed by the CA of ssl-ca/);

    const rdsDefault = await exportTable(url(certs.hostName, '?ssl-mode=VERIFY_IDENTITY'), 'tls_people');
    expect(rdsDefault.code).toBe(4);
    expect(rdsDefault.stderr).toMatch(/^error \[network\/TLS_CERT_UNTRUSTED\]: .*not signed by the RDS CA bundle/);

    // mysql2 checks names only for a host name; the CLI checks an IP address itself.
    const wrongName = await exportTable(url('127.0.0.1', `?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(certs.caFile)}`), 'tls_people');
    expect(wrongName.code).toBe(4);
    expect(wrongName.stderr).toMatch(/^error \[network\/TLS_HOST_NAME_MISMATCH\]: .*does not name "127\.0\.0\.1".*ssl-mode=VERIFY_CA/);
  });

  it('refuses a plain connection as TLS_REQUIRED, not as a wrong password', async () => {
    for (const query of ['', '?ssl-mode=DISABLED']) {
      const run = await exportTable(url('127.0.0.1', query), 'tls_people');
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/^error \[network\/TLS_REQUIRED\]: .*the server accepts this user only over TLS .*add \?ssl-mode=VERIFY_IDENTITY to the URL/);
    }
  });
});

describe('CLI: TLS asked of servers that have none', () => {
  let pgPlain: PrivatePostgres;
  let myPlain: PrivateMariadb;

  beforeAll(async () => {
    [pgPlain, myPlain] = await Promise.all([startPrivatePostgres(PG_PORT + 1), startPrivateMariadb(MARIADB_PORT + 1)]);
  }, 120_000);

  afterAll(async () => {
    await pgPlain?.stop();
    await myPlain?.stop();
  });

  it('is network/TLS_UNAVAILABLE, exit 4, not a database error', async () => {
    const pgRun = await exportTable(`postgres://postgres@127.0.0.1:${PG_PORT + 1}/postgres?sslmode=require`, 'anything');
    expect(pgRun.code).toBe(4);
    expect(pgRun.stderr).toMatch(/^error \[network\/TLS_UNAVAILABLE\]: .*TLS was asked for \(sslmode=require\) and the server does not offer it; enable TLS on the server, or use sslmode=disable/);

    const myRun = await exportTable(`mariadb://root@127.0.0.1:${MARIADB_PORT + 1}/mysql?ssl-mode=VERIFY_IDENTITY`, 'db');
    expect(myRun.code).toBe(4);
    expect(myRun.stderr).toMatch(/^error \[network\/TLS_UNAVAILABLE\]: .*TLS was asked for \(ssl-mode=VERIFY_IDENTITY\) and the server does not offer it; .*ssl-mode=DISABLED/);
  });
});

describe('CLI: a URL pointed at the other engine\'s port', () => {
  const shared = { mariadb: new URL(TEST_MYSQL_URL), postgres: new URL(TEST_POSTGRES_URL) };

  it('says a PostgreSQL URL reached a MySQL server, at once', async () => {
    for (const query of ['', '?sslmode=require']) {
      const run = await exportTable(`postgres://postgres@${shared.mariadb.hostname}:${shared.mariadb.port || 3306}/postgres${query}`, 'anything');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error \[config\/SOURCE_PROTOCOL_MISMATCH\]: .*this port speaks MySQL, not PostgreSQL .*use a mysql:\/\/ or mariadb:\/\/ URL/);
      expect(run.ms).toBeLessThan(3000);
    }
  });

  it('says a MariaDB URL reached a PostgreSQL server within seconds, not after the connect timeout', async () => {
    for (const query of ['', '?ssl-mode=REQUIRED']) {
      const run = await exportTable(`mariadb://root@${shared.postgres.hostname}:${shared.postgres.port || 5432}/db${query}`, 'anything', ['--connect-timeout', '30']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error \[config\/SOURCE_PROTOCOL_MISMATCH\]: .*this port speaks PostgreSQL, not MySQL .*use a postgres:\/\/ URL/);
      expect(run.ms).toBeLessThan(4000);
    }
  });
});

describe('CLI: a server that accepts the connection and never answers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let port: number;

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    port = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((done) => silent.close(done));
  });

  it('gives up after --connect-timeout or the URL\'s connect_timeout/connect-timeout, naming both', async () => {
    const flag = await exportTable(`mariadb://root@127.0.0.1:${port}/db`, 't', ['--connect-timeout', '1']);
    expect(flag.code).toBe(4);
    expect(flag.stderr).toMatch(/^error \[network\/SOURCE_UNREACHABLE\]: .*no answer within 1s \(the connect timeout; .*--connect-timeout, the URL's connect-timeout, or the connection's connectTimeoutSeconds\)/);
    expect(flag.ms).toBeGreaterThanOrEqual(900);
    expect(flag.ms).toBeLessThan(3000);

    const pgUrl = await exportTable(`postgres://postgres@127.0.0.1:${port}/db?connect_timeout=2`, 't');
    expect(pgUrl.code).toBe(4);
    expect(pgUrl.stderr).toMatch(/^error \[network\/SOURCE_UNREACHABLE\]: .*no answer within 2s .*the URL's connect_timeout, or/);
    expect(pgUrl.ms).toBeGreaterThanOrEqual(1900);
    expect(pgUrl.ms).toBeLessThan(4000);

    const myUrl = await exportTable(`mysql://root@127.0.0.1:${port}/db?connect-timeout=1`, 't');
    expect(myUrl.code).toBe(4);
    expect(myUrl.stderr).toMatch(/no answer within 1s/);
  });

  it('--job: the connection\'s connectTimeoutSeconds applies; --connect-timeout wins over it', async () => {
    const file = join(await mkdtemp(join(work, 'config-')), 'deploy.yaml');
    await writeFile(
      file,
      ['connections:', '  slow:', '    engine: postgres', `    url: postgres://postgres@127.0.0.1:${port}/db`, '    connectTimeoutSeconds: 1', 'jobs:', '  - name: slow-job', '    connection: slow', '    table: t', ''].join('\n'),
    );
    const dest = await mkdtemp(join(work, 'out-'));
    const fromConfig = await cli(['--config', file, '--job', 'slow-job', '--dest', `file://${dest}`]);
    expect(fromConfig.code).toBe(4);
    expect(fromConfig.stderr).toMatch(/^error \[network\/SOURCE_UNREACHABLE\]: .*no answer within 1s/);
    expect(fromConfig.ms).toBeLessThan(3000);

    const flagWins = await cli(['--config', file, '--job', 'slow-job', '--dest', `file://${dest}`, '--connect-timeout', '2']);
    expect(flagWins.stderr).toMatch(/no answer within 2s/);
    expect(flagWins.ms).toBeGreaterThanOrEqual(1900);
  });

  it('gives up after 5 seconds by default', async () => {
    const run = await exportTable(`postgres://postgres@127.0.0.1:${port}/db`, 't');
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^error \[network\/SOURCE_UNREACHABLE\]: .*no answer within 5s/);
    expect(run.ms).toBeGreaterThanOrEqual(4900);
    expect(run.ms).toBeLessThan(8000);
  });
});

describe('CLI: a user who may log in but not read the table', () => {
  const MY_USER = `noread_${SUFFIX}`;
  const PG_ROLE = `noread_${SUFFIX}`;
  let my: Connection;
  let pgAdmin: pg.Client;
  let myUrl: URL;

  beforeAll(async () => {
    const db = await freshMysqlDatabase(`perm_${SUFFIX}`);
    my = db.admin;
    await my.query(`CREATE TABLE readable (id INT PRIMARY KEY); CREATE TABLE secret (id INT PRIMARY KEY); INSERT INTO secret VALUES (1)`);
    await my.query(`DROP USER IF EXISTS '${MY_USER}'@'%'; CREATE USER '${MY_USER}'@'%'; GRANT SELECT ON perm_${SUFFIX}.readable TO '${MY_USER}'@'%'`);
    myUrl = new URL(db.url);
    myUrl.username = MY_USER;
    myUrl.password = '';

    const pgdb = await freshPostgresSchema(`perm_${SUFFIX}`);
    pgAdmin = pgdb.admin;
    await pgAdmin.query(`CREATE TABLE perm_${SUFFIX}.secret AS SELECT 1 AS id`);
    await pgAdmin.query(`DROP ROLE IF EXISTS ${PG_ROLE}; CREATE ROLE ${PG_ROLE} LOGIN; GRANT USAGE ON SCHEMA perm_${SUFFIX} TO ${PG_ROLE}`);
  }, 60_000);

  afterAll(async () => {
    await my?.query(`DROP USER IF EXISTS '${MY_USER}'@'%'; DROP DATABASE IF EXISTS perm_${SUFFIX}`);
    await my?.end();
    await pgAdmin?.query(`DROP SCHEMA IF EXISTS perm_${SUFFIX} CASCADE; DROP ROLE IF EXISTS ${PG_ROLE}`);
    await pgAdmin?.end();
  });

  it('MariaDB: auth/SOURCE_PERMISSION_DENIED naming the table and the GRANT, exit 3', async () => {
    const run = await exportTable(myUrl.toString(), 'secret');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(`^error \\[auth/SOURCE_PERMISSION_DENIED\\]: .*SELECT command denied to user '${MY_USER}'@'[^']+' for table .*secret.*; the user may not read it: GRANT SELECT ON \`perm_${SUFFIX}\`\\.\`secret\` TO '${MY_USER}'@'[^']+'\\n$`),
    );
  });

  it('MariaDB: a database the user has no grant on names the GRANT for the database', async () => {
    const other = new URL(myUrl);
    other.pathname = '/mysql';
    const run = await exportTable(other.toString(), 'user');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^error \\[auth/SOURCE_PERMISSION_DENIED\\]: .*Access denied for user '${MY_USER}'@'[^']+' to database 'mysql'; the user may not use it: GRANT SELECT ON \`mysql\`\\.\\* TO '${MY_USER}'`));
  });

  it('PostgreSQL: auth/SOURCE_PERMISSION_DENIED naming the table and the GRANT, exit 3', async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.username = PG_ROLE;
    url.password = '';
    const run = await exportTable(url.toString(), `perm_${SUFFIX}.secret`);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^error \\[auth/SOURCE_PERMISSION_DENIED\\]: .*42501: permission denied for table secret; the user may not read it: GRANT SELECT ON perm_${SUFFIX}\\.secret TO ${PG_ROLE}\\n$`));
  });
});
