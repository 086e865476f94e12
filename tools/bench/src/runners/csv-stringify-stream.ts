/**
 * Naive baseline 1, the usual streaming code: mysql2 streams row objects, csv-stringify's
 * Transform encodes them, a file write stream stores them. Bounded in memory, but the
 * general-purpose encoder is the bottleneck.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import mysql from 'mysql2';
import { stringify } from 'csv-stringify';
import { argsOf, report, seconds } from './runner-io.js';

const { url, table, out } = argsOf(process.argv.slice(2), ['url', 'table', 'out']);
const started = process.hrtime.bigint();
const connection = mysql.createConnection({
  uri: url.replace(/^mariadb:/, 'mysql:'),
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  timezone: 'Z',
});
const file = createWriteStream(out);
const rowsStream = connection.query(`SELECT * FROM \`${table}\``).stream();
let rows = 0;
rowsStream.on('data', () => rows++);
await pipeline(rowsStream, stringify({ header: true }), file);
const elapsed = seconds(started);
connection.end();
report({ rows, bytes: file.bytesWritten, seconds: elapsed });
