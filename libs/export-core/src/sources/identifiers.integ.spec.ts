/**
 * Names on the real servers (issue 14): tables and columns with spaces, dashes, mixed case and
 * unicode, schema-qualified and in the engines' quoted forms, are exported exactly; a missing
 * table, schema or column fails with the closest existing names; a custom query whose result
 * columns share a name (or have none) fails with one error that names them.
 */
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { CsvDialectSchema, RdsExportError } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase, freshPostgresSchema } from '../testing/index.js';
import type { SourceRequest } from '../ports.js';
import type { ConnectionSettings } from './connection-settings.js';
import { createRowSource } from './open-source.js';

const DB = 'ident_identifiers';
const OTHER_DB = 'ident_identifiers_sales';
const PG_SCHEMA = 'Ident Schema identifiers';
/** In `public`, so an unqualified name reaches it through the default search_path. */
const PG_PUBLIC_TABLE = 'ident_orderitems_lower_identifiers';

const dialect = CsvDialectSchema.parse({});
const mariadb: ConnectionSettings = { engine: 'mariadb', host: '127.0.0.1', port: 3306, user: 'root', password: '', database: DB };
const postgres: ConnectionSettings = { engine: 'postgres', host: '127.0.0.1', port: 5432, user: 'postgres', password: '', database: 'postgres' };

let my: Connection;
let pgAdmin: pg.Client;

beforeAll(async () => {
  my = (await freshMysqlDatabase(DB)).admin;
  await my.query(`DROP DATABASE IF EXISTS \`${OTHER_DB}\`; CREATE DATABASE \`${OTHER_DB}\` CHARACTER SET utf8mb4`);
  await my.query(
    `CREATE TABLE \`${DB}\`.\`order-items\` (\`Order ID\` INT PRIMARY KEY, \`First Name\` VARCHAR(40), \`Straße\` VARCHAR(40), \`a.b\` INT);` +
      `INSERT INTO \`${DB}\`.\`order-items\` VALUES (1, 'Ann', 'Hauptstraße 1', 10), (2, 'Bo', NULL, 20), (3, 'Cy', '', 30);` +
      `CREATE TABLE \`${DB}\`.customers (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO \`${DB}\`.customers VALUES (1, 'c1');` +
      `CREATE TABLE \`${OTHER_DB}\`.\`Order Items\` (id INT PRIMARY KEY, note VARCHAR(20)); INSERT INTO \`${OTHER_DB}\`.\`Order Items\` VALUES (7, 'sales');`,
  );
  pgAdmin = (await freshPostgresSchema(PG_SCHEMA)).admin;
  await pgAdmin.query(`
    CREATE TABLE "${PG_SCHEMA}"."Order Items" ("Order ID" int PRIMARY KEY, "First Name" text, "ÄÖÜ" text, "a""b" int);
    INSERT INTO "${PG_SCHEMA}"."Order Items" VALUES (1, 'Ann', 'ä', 10), (2, 'Bo', NULL, 20), (3, 'Cy', '', 30);
    CREATE TABLE "${PG_SCHEMA}".orders (id int PRIMARY KEY);
    DROP TABLE IF EXISTS public.${PG_PUBLIC_TABLE};
    CREATE TABLE public.${PG_PUBLIC_TABLE} (id int PRIMARY KEY); INSERT INTO public.${PG_PUBLIC_TABLE} VALUES (42);`);
}, 60_000);

afterAll(async () => {
  await my?.query(`DROP DATABASE IF EXISTS \`${DB}\`; DROP DATABASE IF EXISTS \`${OTHER_DB}\``);
  await my?.end();
  await pgAdmin?.query(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE; DROP TABLE IF EXISTS public.${PG_PUBLIC_TABLE}`);
  await pgAdmin?.end();
});

/** The CSV body (no header: the core writes that) and the column names the source reports. */
async function exported(settings: ConnectionSettings, request: Omit<SourceRequest, 'dialect'>): Promise<{ columns: string[]; csv: string; rows: number }> {
  const opened = await createRowSource(settings).open({ dialect, ...request });
  try {
    const stream = opened.stream();
    if (stream.kind !== 'csv') throw new Error('expected the CSV path');
    const parts: Buffer[] = [];
    for await (const part of stream.stream as Readable) parts.push(Buffer.from(part as Buffer));
    return { columns: opened.columns.map((c) => c.name), csv: Buffer.concat(parts).toString('utf8'), rows: opened.sourceRows };
  } finally {
    await opened.close();
  }
}

async function failure(settings: ConnectionSettings, request: Omit<SourceRequest, 'dialect'>): Promise<RdsExportError> {
  const error = await createRowSource(settings)
    .open({ dialect, ...request })
    .then(async (opened) => {
      await opened.close();
      return undefined;
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RdsExportError);
  return error as RdsExportError;
}

describe('MariaDB names', () => {
  it('exports a dashed table and columns with spaces, unicode and a dot, exactly', async () => {
    // Act
    const all = await exported(mariadb, { table: 'order-items' });
    const some = await exported(mariadb, { table: `\`${DB}\`.\`order-items\``, columns: ['First Name', 'a.b', 'Straße'], keyRange: { column: 'First Name', lower: 'Bo', upper: null } });

    // Assess
    expect(all.columns).toEqual(['Order ID', 'First Name', 'Straße', 'a.b']);
    expect(all.csv).toBe('1,Ann,Hauptstraße 1,10\n2,Bo,,20\n3,Cy,"",30\n');
    expect(some.columns).toEqual(['First Name', 'a.b', 'Straße']);
    expect(some.csv).toBe('Bo,20,\nCy,30,""\n');
  });

  it('exports a mixed-case table with a space from another database, schema-qualified', async () => {
    expect((await exported(mariadb, { table: `${OTHER_DB}."Order Items"` })).csv).toBe('7,sales\n');
  });

  it('runs an incremental window whose key and cursor columns have spaces', async () => {
    // Act
    const opened = await createRowSource(mariadb).open({
      dialect,
      table: 'order-items',
      window: { cursorColumn: 'Order ID', keyColumn: 'Order ID', after: { value: '1', key: '1' }, bound: { kind: 'until', cursor: { value: '3', key: '3' } } },
    });
    await opened.close();

    // Assess
    expect(opened.window).toMatchObject({ to: { value: '3', key: '3' }, rows: 2 });
  });

  it('names the closest tables when a table is missing, case-insensitive matches first', async () => {
    // Act
    const error = await failure(mariadb, { table: 'Order-Items' });

    // Assess
    expect(error.code).toBe('SOURCE_OBJECT_NOT_FOUND');
    expect(error.errorClass).toBe('config');
    expect(error.message).toMatch(/MySQL ER_NO_SUCH_TABLE: Table 'ident_identifiers\.Order-Items' doesn't exist \(names are taken exactly as written.*\); closest existing tables: "order-items"$/);
  });

  it('names the closest databases when the schema is missing, and the closest columns when a column is', async () => {
    // Act
    const schema = await failure(mariadb, { table: 'ident_identifiers_sale.invoices' });
    const column = await failure(mariadb, { table: 'order-items', columns: ['Order ID', 'FirstName'] });

    // Assess
    expect(schema.message).toMatch(/\); there is no schema ident_identifiers_sale; closest existing schemas: ident_identifiers_sales(,|$)/);
    expect(column.code).toBe('SOURCE_OBJECT_NOT_FOUND');
    expect(column.message).toMatch(/Unknown column 'FirstName' .*; closest existing columns: "First Name"(,|$)/);
  });

  it('names the closest column when a chunk key is not a column of the export', async () => {
    // Act
    const opened = await createRowSource(mariadb).open({ dialect, table: 'order-items' });
    const error = await opened.chunkBoundaries('OrderID', 2).catch((e: unknown) => e as RdsExportError);
    await opened.close();

    // Assess
    expect(error).toMatchObject({ code: 'CHUNK_KEY_MISSING', message: 'chunk key "OrderID" is not a column of the export; closest: "Order ID"' });
  });

  it('refuses a custom query whose result columns share a name, naming it and suggesting aliases', async () => {
    // Act
    const error = await failure(mariadb, {
      query: 'SELECT o.`Order ID` AS id, c.id FROM `order-items` o JOIN customers c ON c.id = o.`Order ID`',
      allowPrivilegedQuery: true,
    });

    // Assess
    expect(error.code).toBe('QUERY_COLUMNS_AMBIGUOUS');
    expect(error.message).toMatch(/^query refused: more than one column is named id\. .*give each an alias/);
  });

  it('exports the same join once its columns are aliased', async () => {
    const aliased = await exported(mariadb, {
      query: 'SELECT o.`Order ID` AS order_id, c.id AS customer_id FROM `order-items` o JOIN customers c ON c.id = o.`Order ID`',
      allowPrivilegedQuery: true,
    });
    expect(aliased.csv).toBe('1,1\n');
  });
});

describe('PostgreSQL names', () => {
  it('exports "Schema"."Order Items" with quoted, unicode and quote-holding columns, exactly', async () => {
    // Act
    const all = await exported(postgres, { table: `"${PG_SCHEMA}"."Order Items"` });
    const some = await exported(postgres, { table: `\`${PG_SCHEMA}\`.\`Order Items\``, columns: ['ÄÖÜ', 'a"b'], keyRange: { column: 'a"b', lower: '20', upper: null } });

    // Assess
    expect(all.columns).toEqual(['Order ID', 'First Name', 'ÄÖÜ', 'a"b']);
    expect(all.csv).toBe('1,Ann,ä,10\n2,Bo,,20\n3,Cy,"",30\n');
    expect(some.csv).toBe(',20\n"",30\n');
  });

  it('runs an incremental window on a quoted schema-qualified table (unique key found through to_regclass)', async () => {
    const opened = await createRowSource(postgres).open({
      dialect,
      table: `"${PG_SCHEMA}"."Order Items"`,
      window: { cursorColumn: 'Order ID', keyColumn: 'Order ID', after: null, bound: { kind: 'until', cursor: { value: '2', key: '2' } } },
    });
    await opened.close();
    expect(opened.window).toMatchObject({ to: { value: '2', key: '2' }, rows: 2 });
  });

  it('names the closest column when a chunk range names no column of the export', async () => {
    const error = await failure(postgres, { table: `"${PG_SCHEMA}"."Order Items"`, keyRange: { column: 'order id', lower: '1', upper: null } });
    expect(error).toMatchObject({ code: 'CHUNK_KEY_MISSING', message: 'chunk key "order id" is not a column of the export; closest: "Order ID"' });
  });

  it('does not fold case: an upper-case name for a table created unquoted fails, suggesting the lowercase one first', async () => {
    // Act
    const error = await failure(postgres, { table: PG_PUBLIC_TABLE.toUpperCase() });

    // Assess
    expect(error.code).toBe('SOURCE_OBJECT_NOT_FOUND');
    expect(error.message).toMatch(new RegExp(`relation "${PG_PUBLIC_TABLE.toUpperCase()}" does not exist \\(names are taken exactly as written.*\\); closest existing tables: ${PG_PUBLIC_TABLE}(,|$)`));
  });

  it('suggests the tables of a named schema schema-qualified, and the closest schemas and columns', async () => {
    // Act
    const table = await failure(postgres, { table: `"${PG_SCHEMA}"."order items"` });
    const schema = await failure(postgres, { table: `"Ident Schema identifier"."Order Items"` });
    const column = await failure(postgres, { table: `"${PG_SCHEMA}"."Order Items"`, columns: ['first name'] });

    // Assess
    expect(table.message).toMatch(new RegExp(`; closest existing tables: "${PG_SCHEMA}"\\."Order Items"(,|$)`));
    expect(schema.message).toMatch(new RegExp(`; there is no schema "Ident Schema identifier"; closest existing schemas: "${PG_SCHEMA}"(,|$)`));
    expect(column.message).toMatch(/column "first name" does not exist .*; closest existing columns: "First Name"$/);
  });

  it('refuses unnamed and duplicate result columns of a custom query with one error naming them', async () => {
    // Act
    const unnamed = await failure(postgres, { query: 'SELECT 1, 2', allowPrivilegedQuery: true });
    const duplicate = await failure(postgres, {
      query: `SELECT o."Order ID" AS id, c.id FROM "${PG_SCHEMA}"."Order Items" o JOIN public.${PG_PUBLIC_TABLE} c ON true`,
      allowPrivilegedQuery: true,
    });

    // Assess
    expect(unnamed.code).toBe('QUERY_COLUMNS_AMBIGUOUS');
    expect(unnamed.message).toContain('2 column(s) have no name (PostgreSQL calls them "?column?")');
    expect(duplicate.code).toBe('QUERY_COLUMNS_AMBIGUOUS');
    expect(duplicate.message).toMatch(/more than one column is named id\. .*give each an alias/);
  });
});
