/**
 * Names through the CLI (issue 14), against the real servers with a file:// destination: a
 * dashed MariaDB table and a `"My Schema"."Order Items"` PostgreSQL table are exported exactly,
 * under job names derived deterministically from the exact names; tables of the same name in
 * two schemas get two job names; a name in the wrong case is refused with the right one; a
 * custom query with unnamed columns is refused with one error that says how to fix it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { jobNameForTable } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema } from '@rds-s3-export/export-core/testing';
import { runCliInProcess } from '../testing/run-cli-in-process.js';

const MY_DB = 'cli_ident_identifiers';
const PG_SCHEMA = 'My Schema identifiers';
const SALES = 'ident_sales_identifiers';
const BILLING = 'ident_billing_identifiers';
const RUN_TIME = '2026-02-22T10:12:00Z';

let my: Connection;
let myUrl: string;
let pgAdmin: pg.Client;
let pgUrl: string;
let out: string;

beforeAll(async () => {
  const db = await freshMysqlDatabase(MY_DB);
  my = db.admin;
  myUrl = db.url;
  await my.query(
    "CREATE TABLE `order-items` (`Order ID` INT PRIMARY KEY, `First Name` VARCHAR(40), `Straße` VARCHAR(40)); " +
      "INSERT INTO `order-items` VALUES (1, 'Ann', 'Hauptstraße 1'), (2, 'Bo', NULL), (3, 'Cy, \"the\" third', '')",
  );
  const pgdb = await freshPostgresSchema(PG_SCHEMA);
  pgAdmin = pgdb.admin;
  pgUrl = pgdb.url;
  await pgAdmin.query(`
    CREATE TABLE "${PG_SCHEMA}"."Order Items" ("Order ID" int PRIMARY KEY, "First Name" text, "ÄÖÜ" text);
    INSERT INTO "${PG_SCHEMA}"."Order Items" VALUES (1, 'Ann', 'ä'), (2, 'Bo', NULL), (3, 'Cy', '');
    CREATE TABLE "${PG_SCHEMA}".orderitems_lower (id int);
    DROP SCHEMA IF EXISTS ${SALES} CASCADE; CREATE SCHEMA ${SALES}; CREATE TABLE ${SALES}.invoices AS SELECT 'sales' AS source;
    DROP SCHEMA IF EXISTS ${BILLING} CASCADE; CREATE SCHEMA ${BILLING}; CREATE TABLE ${BILLING}.invoices AS SELECT 'billing' AS source;`);
  out = await mkdtemp(join(tmpdir(), 'cli-ident-'));
}, 60_000);

afterAll(async () => {
  await my?.query(`DROP DATABASE IF EXISTS \`${MY_DB}\``);
  await my?.end();
  await pgAdmin?.query(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE; DROP SCHEMA IF EXISTS ${SALES} CASCADE; DROP SCHEMA IF EXISTS ${BILLING} CASCADE`);
  await pgAdmin?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  return runCliInProcess(argv, { env: { ...process.env, RDS_S3_EXPORT_DB_PASSWORD: '' } });
}

/** Runs an export to the file destination and returns the manifest's object keys and the first object's text. */
async function exportTo(...argv: string[]): Promise<{ keys: string[]; csv: string }> {
  const run = await cli(...argv, '--dest', `file://${out}`, '--run-time', RUN_TIME, '--json');
  expect(run.stderr).toMatch(/^exported /);
  expect(run.code).toBe(0);
  const manifest = JSON.parse(run.stdout) as { objects: { key: string }[] };
  const keys = manifest.objects.map((o) => o.key);
  return { keys, csv: await readFile(join(out, keys[0] as string), 'utf8') };
}

describe('CLI: names', () => {
  it('exports a dashed MariaDB table exactly, under a job name derived from the exact name', async () => {
    // Act
    const run = await exportTo('--source', myUrl, '--table', 'order-items');

    // Assess
    const job = jobNameForTable({ name: 'order-items' });
    expect(job).toMatch(/^order_items--[0-9a-f]{8}$/);
    expect(run.keys).toEqual([`rds_exports/${job}/dt=2026-02-22/${job}_20260222_101200.csv`]);
    expect(run.csv).toBe('Order ID,First Name,Straße\n1,Ann,Hauptstraße 1\n2,Bo,\n3,"Cy, ""the"" third",""\n');
  });

  it('exports "My Schema"."Order Items" from PostgreSQL exactly; the schema is part of the job name', async () => {
    // Act
    const run = await exportTo('--source', pgUrl, '--table', `"${PG_SCHEMA}"."Order Items"`);

    // Assess
    const job = jobNameForTable({ schema: PG_SCHEMA, name: 'Order Items' });
    expect(job).toMatch(/^my_schema_identifiers-order_items--[0-9a-f]{8}$/);
    expect(run.keys).toEqual([`rds_exports/${job}/dt=2026-02-22/${job}_20260222_101200.csv`]);
    expect(run.csv).toBe('Order ID,First Name,ÄÖÜ\n1,Ann,ä\n2,Bo,\n3,Cy,""\n');
  });

  it('gives tables of the same name in two schemas two job names; --job-name still wins', async () => {
    // Act
    const sales = await exportTo('--source', pgUrl, '--table', `${SALES}.invoices`);
    const billing = await exportTo('--source', pgUrl, '--table', `${BILLING}.invoices`);
    const named = await exportTo('--source', pgUrl, '--table', `${BILLING}.invoices`, '--job-name', 'invoices');

    // Assess
    expect(sales.keys).toEqual([`rds_exports/${SALES}-invoices/dt=2026-02-22/${SALES}-invoices_20260222_101200.csv`]);
    expect(billing.keys).toEqual([`rds_exports/${BILLING}-invoices/dt=2026-02-22/${BILLING}-invoices_20260222_101200.csv`]);
    expect([sales.csv, billing.csv]).toEqual(['source\nsales\n', 'source\nbilling\n']);
    expect(named.keys).toEqual(['rds_exports/invoices/dt=2026-02-22/invoices_20260222_101200.csv']);
  });

  it('refuses a name in the wrong case with exit 2, naming the existing one', async () => {
    // Act
    const run = await cli('--source', pgUrl, '--table', `"${PG_SCHEMA}".ORDERITEMS_LOWER`, '--dest', `file://${out}`);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[config\/SOURCE_OBJECT_NOT_FOUND\]: .*relation ".*ORDERITEMS_LOWER" does not exist .*; closest existing tables: "My Schema identifiers"\.orderitems_lower/);
  });

  it('refuses a custom query with unnamed columns with exit 2, suggesting aliases', async () => {
    // Act
    const run = await cli('--source', pgUrl, '--query', 'SELECT 1, 2', '--job-name', 'ones', '--allow-privileged-query', '--dest', `file://${out}`);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[config\/QUERY_COLUMNS_AMBIGUOUS\]: .*2 column\(s\) have no name .*give each an alias/);
  });
});
