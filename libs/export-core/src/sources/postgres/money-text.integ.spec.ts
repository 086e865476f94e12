/**
 * PostgreSQL `money` prints per lc_monetary (`-$1,234.56` in C, `-1.234,56 €` in de_DE): the
 * export writes numeric text instead (`-1234.56`), the same in every locale, on COPY and on the
 * row cursor, also through a domain over money. The exporter connects as a role whose lc_monetary is set apart from the server
 * default (ALTER ROLE … SET), the way a DBA would; the first locale of LOCALES the server
 * accepts is used (machines without other locales installed get `C`, which still prints the
 * currency symbol and the thousands separator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { freshPostgresSchema, TEST_POSTGRES_URL } from '../../testing/index.js';
import { parseConnectionUrl } from '../connection-settings.js';
import { PostgresRowSource } from './postgres-row-source.js';

const SCHEMA = 'money_text_exact';
const ROLE = `money_text_exact_${process.pid}_${Date.now()}`;
const PASSWORD = 'Money-text-pw1';
/** Locales with two fractional digits, as the stored values were written under C (money's value scales with frac_digits). */
const LOCALES = ['de_DE.UTF-8', 'de_DE.utf8', 'fr_FR.UTF-8', 'fr_FR.utf8', 'en_GB.UTF-8', 'en_US.UTF-8', 'en_US.utf8', 'C'];

let admin: pg.Client;
let locale: string;

beforeAll(async () => {
  admin = (await freshPostgresSchema(SCHEMA)).admin;
  await admin.query(`SET lc_monetary = 'C'; CREATE DOMAIN ${SCHEMA}.cash AS money; CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, m money, ms money[], d ${SCHEMA}.cash)`);
  await admin.query(`INSERT INTO ${SCHEMA}.t VALUES (1, '-1234.56', '{1234567.89,-0.01}', '-0.5'), (2, '0', '{}', '1000'), (3, NULL, NULL, NULL), (4, '92233720368547758.07', '{NULL}', '-92233720368547758.08')`);
  locale = 'C';
  for (const candidate of LOCALES) {
    // A locale the operating system lacks is refused by SET; the first accepted one wins.
    const accepted = await admin.query('SELECT pg_catalog.set_config($1, $2, false)', ['lc_monetary', candidate]).then(
      () => true,
      () => false,
    );
    if (accepted) {
      locale = candidate;
      break;
    }
  }
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query(`ALTER ROLE ${ROLE} SET lc_monetary = '${locale}'`);
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

describe('PostgreSQL money', () => {
  it('the role used for the export has a non-default lc_monetary under which money prints its locale text', async () => {
    const settings = parseConnectionUrl(TEST_POSTGRES_URL);
    const client = new pg.Client({ host: settings.host, port: settings.port, user: ROLE, password: PASSWORD, database: settings.database });
    await client.connect();
    try {
      const shown = await client.query<{ lc: string; m: string }>(`SELECT pg_catalog.current_setting('lc_monetary') AS lc, m::text AS m FROM ${SCHEMA}.t WHERE id = 1`);
      expect(shown.rows[0]?.lc).toBe(locale);
      // What a plain export of the column would have written: not the locale-free numeric text.
      expect(shown.rows[0]?.m).not.toBe('-1234.56');
    } finally {
      await client.end();
    }
  });

  it.each([
    { path: 'COPY', forceRowMode: false, kind: 'csv' },
    { path: 'row cursor', forceRowMode: true, kind: 'rows' },
  ])('is exported as numeric text whatever lc_monetary says ($path)', async ({ forceRowMode, kind }) => {
    const settings = parseConnectionUrl(TEST_POSTGRES_URL);
    const source = new PostgresRowSource({ ...settings, user: ROLE, password: PASSWORD }, { forceRowMode });
    const opened = await source.open({ table: `${SCHEMA}.t`, dialect: CsvDialectSchema.parse({}) });
    try {
      expect(opened.columns.map((c) => [c.sourceType, c.kind])).toEqual([['integer', 'number'], ['money', 'number'], ['money[]', 'other'], ['money', 'number']]);
      const stream = opened.stream();
      expect(stream.kind).toBe(kind);
      if (stream.kind === 'csv') {
        expect(await text(stream.stream as Readable)).toBe(
          '1,-1234.56,"{1234567.89,-0.01}",-0.50\n2,0.00,{},1000.00\n3,,,\n4,92233720368547758.07,{NULL},-92233720368547758.08\n',
        );
      } else {
        const rows: unknown[] = [];
        for await (const row of (stream as { stream: AsyncIterable<unknown> }).stream) rows.push(row);
        expect(rows).toEqual([
          ['1', '-1234.56', '{1234567.89,-0.01}', '-0.50'],
          ['2', '0.00', '{}', '1000.00'],
          ['3', null, null, null],
          ['4', '92233720368547758.07', '{NULL}', '-92233720368547758.08'],
        ]);
      }
    } finally {
      await opened.close();
    }
  });
});
