/**
 * The exporter's own SQL on PostgreSQL calls built-ins as `pg_catalog.` functions: a role whose
 * search_path puts a schema of look-alike functions before pg_catalog (format_type,
 * current_setting, set_config, encode, replace, to_regclass) still gets the exact export, its
 * column types, and its chunk bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { freshPostgresSchema } from '../../testing/index.js';
import { PostgresRowSource } from './postgres-row-source.js';

const SCHEMA = 'rf_search_path';
const SHADOW = 'rf_search_path_shadow';
const ROLE = `rf_search_path_${process.pid}_${Date.now()}`;
const PASSWORD = 'Rf-search-pw1';

let admin: pg.Client;

beforeAll(async () => {
  admin = (await freshPostgresSchema(SCHEMA)).admin;
  await admin.query(`DROP SCHEMA IF EXISTS ${SHADOW} CASCADE; CREATE SCHEMA ${SHADOW}`);
  await admin.query(`CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, b bytea, ts timestamptz, note text)`);
  await admin.query(
    `INSERT INTO ${SCHEMA}.t SELECT g, pg_catalog.convert_to('row ' || g, 'UTF8'), timestamptz '2026-01-02 03:04:05+00' + g * interval '1 day', 'n' || g FROM generate_series(1, 5) g`,
  );
  // Same names and argument types as the built-ins, so they win where the search_path lists them first.
  await admin.query(`
    CREATE FUNCTION ${SHADOW}.format_type(oid, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'shadowed' $$;
    CREATE FUNCTION ${SHADOW}.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT '1' $$;
    CREATE FUNCTION ${SHADOW}.set_config(text, text, boolean) RETURNS text LANGUAGE sql AS $$ SELECT 'shadowed' $$;
    CREATE FUNCTION ${SHADOW}.encode(bytea, text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadowed' $$;
    CREATE FUNCTION ${SHADOW}.replace(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadowed' $$;
    CREATE FUNCTION ${SHADOW}.to_regclass(text) RETURNS regclass LANGUAGE sql AS $$ SELECT NULL::regclass $$;`);
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query(`ALTER ROLE ${ROLE} SET search_path = ${SHADOW}, pg_catalog, public`);
  await admin.query(`GRANT USAGE ON SCHEMA ${SCHEMA}, ${SHADOW} TO ${ROLE}; GRANT SELECT ON ${SCHEMA}.t TO ${ROLE}`);
}, 60_000);

afterAll(async () => {
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.query(`DROP SCHEMA IF EXISTS ${SHADOW} CASCADE`);
  await admin?.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin?.end();
});

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

describe('PostgreSQL search_path', () => {
  it('exports exactly for a role whose search_path shadows the built-ins the exporter calls', async () => {
    const source = new PostgresRowSource({ engine: 'postgres', host: '127.0.0.1', port: 5432, user: ROLE, password: PASSWORD, database: 'postgres' });
    const opened = await source.open({
      table: `${SCHEMA}.t`,
      dialect: CsvDialectSchema.parse({ timestampFormat: 'iso8601' }),
      keyRange: { column: 'id', lower: '2', upper: '4' },
    });
    try {
      expect(opened.columns.map((c) => c.sourceType)).toEqual(['integer', 'bytea', 'timestamp with time zone', 'text']);
      expect(opened.sourceRows).toBe(2);
      const stream = opened.stream();
      expect(stream.kind).toBe('csv');
      expect(await text((stream as { stream: Readable }).stream)).toBe(
        `2,${Buffer.from('row 2').toString('base64')},2026-01-04T03:04:05Z,n2\n3,${Buffer.from('row 3').toString('base64')},2026-01-05T03:04:05Z,n3\n`,
      );
    } finally {
      await opened.close();
    }
  });
});
