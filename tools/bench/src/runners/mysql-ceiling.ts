/**
 * The MariaDB driver ceiling: mysql2 streams every row of the table (text protocol, rows as
 * arrays, big numbers and dates as strings: the exporter's own driver settings) and discards
 * it. No CSV, no output: the fastest a mysql2-based exporter could possibly be.
 */
import mysql from 'mysql2';
import { argsOf, report, seconds } from './runner-io.js';
import { DEFAULT_PORTS } from '@rds-s3-export/shared-types';

const { url, table } = argsOf(process.argv.slice(2), ['url', 'table']);
const started = process.hrtime.bigint();
const u = new URL(url);
const connection = mysql.createConnection({
  host: u.hostname,
  port: Number(u.port || DEFAULT_PORTS.mariadb),
  user: decodeURIComponent(u.username || 'root'),
  password: decodeURIComponent(u.password),
  database: u.pathname.slice(1),
  charset: 'UTF8MB4_UNICODE_CI',
  timezone: 'Z',
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  jsonStrings: true,
  rowsAsArray: true,
});
let rows = 0;
const stream = connection.query({ sql: `SELECT * FROM \`${table}\``, rowsAsArray: true }).stream({ highWaterMark: 2000 });
for await (const _row of stream) rows++;
const elapsed = seconds(started);
connection.end();
report({ rows, bytes: 0, seconds: elapsed });
