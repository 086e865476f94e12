/**
 * Naive baseline 2, the usual Lambda code: one buffered query (the whole result set in
 * memory), csv-stringify/sync builds the whole file as one string, one write. Memory grows
 * with the table.
 */
import { writeFile } from 'node:fs/promises';
import mysql from 'mysql2/promise';
import { stringify } from 'csv-stringify/sync';
import { argsOf, report, seconds } from './runner-io.js';

const { url, table, out } = argsOf(process.argv.slice(2), ['url', 'table', 'out']);
const started = process.hrtime.bigint();
const connection = await mysql.createConnection({
  uri: url.replace(/^mariadb:/, 'mysql:'),
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  timezone: 'Z',
});
const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${table}\``);
const csv = stringify(rows, { header: true });
await writeFile(out, csv);
const elapsed = seconds(started);
await connection.end();
report({ rows: rows.length, bytes: Buffer.byteLength(csv), seconds: elapsed });
