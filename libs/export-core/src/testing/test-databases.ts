/**
 * The real database servers the integration suites run against. Defaults are this project's
 * machines (MariaDB 127.0.0.1:3306 root/no password, PostgreSQL 127.0.0.1:5432 postgres/trust);
 * override with TEST_MYSQL_URL / TEST_POSTGRES_URL. A server that does not answer fails the
 * suite (never a skip): CI must not go green on tests that did not run.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306';
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates (or recreates) a MariaDB database and returns its URL and an admin connection. */
export async function freshMysqlDatabase(name: string) {
  const base = new URL(TEST_MYSQL_URL);
  const admin = await mysql
    .createConnection({
      host: base.hostname,
      port: Number(base.port || 3306),
      user: decodeURIComponent(base.username || 'root'),
      password: decodeURIComponent(base.password),
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    })
    .catch((error: unknown) => {
      throw new Error(`MariaDB test server at ${base.host} is not reachable (start it; see .ci/run): ${(error as Error).message}`);
    });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4; USE \`${name}\``);
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), admin };
}

/** Creates (or recreates) a PostgreSQL schema in the test database; the URL sets search_path via the table names. */
export async function freshPostgresSchema(name: string) {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect().catch((error: unknown) => {
    throw new Error(`PostgreSQL test server at ${new URL(TEST_POSTGRES_URL).host} is not reachable (start it; see .ci/run): ${(error as Error).message}`);
  });
  await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE; CREATE SCHEMA "${name}"`);
  return { url: TEST_POSTGRES_URL, admin };
}
