/**
 * `bytea_output` changes the server's text of bytea inside arrays and composites (`\x00ff` in
 * `hex`, `\000\377` in `escape`). A plain bytea column is encoded by the export itself, but a
 * `bytea[]` or a composite is the server's text, so the session pins `hex` (the default since
 * PostgreSQL 9.0). The exporter connects as a role whose bytea_output is `escape` (ALTER ROLE …
 * SET), the way a DBA might have left it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { freshPostgresSchema, TEST_POSTGRES_URL } from '../../testing/index.js';
import { parseConnectionUrl } from '../connection-settings.js';
import { PostgresRowSource } from './postgres-row-source.js';

const SCHEMA = 'bytea_output_pinned';
const ROLE = `bytea_output_${process.pid}_${Date.now()}`;
const PASSWORD = 'Bytea-output-pw1';

let admin: pg.Client;
let hexText: string[];

beforeAll(async () => {
  admin = (await freshPostgresSchema(SCHEMA)).admin;
  await admin.query(`CREATE TYPE ${SCHEMA}.blob_pair AS (name text, data bytea)`);
  await admin.query(`CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, arr bytea[], pair ${SCHEMA}.blob_pair)`);
  await admin.query(`INSERT INTO ${SCHEMA}.t VALUES (1, ARRAY['\\x00ff'::bytea, '\\x41'::bytea], ROW('a', '\\x0a22'::bytea))`);
  await admin.query("SET bytea_output = 'hex'");
  const row = await admin.query<{ arr: string; pair: string }>(`SELECT arr::text AS arr, pair::text AS pair FROM ${SCHEMA}.t`);
  hexText = [row.rows[0]!.arr, row.rows[0]!.pair];
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query(`ALTER ROLE ${ROLE} SET bytea_output = 'escape'`);
  await admin.query(`GRANT USAGE ON SCHEMA ${SCHEMA} TO ${ROLE}; GRANT SELECT ON ${SCHEMA}.t TO ${ROLE}`);
}, 60_000);

afterAll(async () => {
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin?.end();
});

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

describe('PostgreSQL bytea_output', () => {
  it('the role used for the export prints bytea in escape form', async () => {
    const settings = parseConnectionUrl(TEST_POSTGRES_URL);
    const client = new pg.Client({ host: settings.host, port: settings.port, user: ROLE, password: PASSWORD, database: settings.database });
    await client.connect();
    try {
      const shown = await client.query<{ arr: string }>(`SELECT arr::text AS arr FROM ${SCHEMA}.t`);
      expect(shown.rows[0]?.arr).not.toBe(hexText[0]);
    } finally {
      await client.end();
    }
  });

  it.each([
    { path: 'COPY', forceRowMode: false },
    { path: 'row cursor', forceRowMode: true },
  ])('arrays and composites of bytea are exported in hex form whatever the role says ($path)', async ({ forceRowMode }) => {
    const settings = parseConnectionUrl(TEST_POSTGRES_URL);
    const source = new PostgresRowSource({ ...settings, user: ROLE, password: PASSWORD }, { forceRowMode });
    const opened = await source.open({ table: `${SCHEMA}.t`, dialect: CsvDialectSchema.parse({}) });
    try {
      const stream = opened.stream();
      let cells: unknown[];
      if (stream.kind === 'csv') {
        const csv = await text(stream.stream as Readable);
        const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
        expect(csv).toBe(`1,${quote(hexText[0]!)},${quote(hexText[1]!)}\n`);
        cells = hexText;
      } else {
        const rows: unknown[][] = [];
        for await (const row of (stream as { stream: AsyncIterable<unknown> }).stream) rows.push(row as unknown[]);
        cells = rows[0]!.slice(1);
      }
      expect(cells).toEqual(hexText);
    } finally {
      await opened.close();
    }
  });
});
