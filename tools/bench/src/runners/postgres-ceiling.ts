/**
 * The PostgreSQL ceiling: the server writes the CSV itself, `COPY (SELECT * FROM t) TO STDOUT
 * (FORMAT csv)`, and the client (pg + pg-copy-streams) reads it and discards it.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { argsOf, report, seconds } from './runner-io.js';

const { url, table } = argsOf(process.argv.slice(2), ['url', 'table']);
const started = process.hrtime.bigint();
const client = new pg.Client({ connectionString: url });
await client.connect();
const copy = client.query(copyTo(`COPY (SELECT * FROM ${table}) TO STDOUT (FORMAT csv)`));
let bytes = 0;
for await (const chunk of copy as AsyncIterable<Buffer>) bytes += chunk.length;
const elapsed = seconds(started);
const rows = copy.rowCount ?? 0;
await client.end();
report({ rows, bytes, seconds: elapsed });
