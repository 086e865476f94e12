/**
 * The CSV delimiter on PostgreSQL's COPY path: COPY takes it as a string literal and as one
 * byte. A backslash must not depend on `standard_conforming_strings` (here off for the role),
 * and a delimiter of more than one UTF-8 byte (é) is written by the row path's encoder instead.
 * Both paths must produce the same bytes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { CsvDialectSchema } from '@rds-s3-export/shared-types';
import { freshPostgresSchema } from '../../testing/index.js';
import { runExport } from '../../run/run-export.js';
import { LocalFolderSink } from '../../sinks/local-folder-sink.js';
import { systemClock, type Logger } from '../../ports.js';
import { PostgresRowSource } from './postgres-row-source.js';

const SCHEMA = 'rf_copy_delimiter';
/** A role of this run whose sessions start with standard_conforming_strings off. */
const ROLE = `rf_copy_delim_${process.pid}_${Date.now()}`;
const PASSWORD = 'Rf-copy-pw1';

let admin: pg.Client;
let out: string;
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), `${SCHEMA}-`));
  admin = (await freshPostgresSchema(SCHEMA)).admin;
  await admin.query(`CREATE TABLE ${SCHEMA}.t (id int PRIMARY KEY, note text)`);
  await admin.query(`INSERT INTO ${SCHEMA}.t VALUES (1, 'a\\b'), (2, 'café'), (3, NULL), (4, ''), (5, 'x"y'), (6, 'plain')`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query(`ALTER ROLE ${ROLE} SET standard_conforming_strings = off`);
  await admin.query(`GRANT USAGE ON SCHEMA ${SCHEMA} TO ${ROLE}; GRANT SELECT ON ${SCHEMA}.t TO ${ROLE}`);
}, 60_000);

afterAll(async () => {
  await admin?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin?.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin?.end();
  if (out) await rm(out, { recursive: true, force: true });
});

let runs = 0;
async function exportWith(delimiter: string, forceRowMode: boolean): Promise<string> {
  runs += 1;
  const source = new PostgresRowSource({ engine: 'postgres', host: '127.0.0.1', port: 5432, user: ROLE, password: PASSWORD, database: 'postgres' }, { forceRowMode });
  const manifest = await runExport(
    {
      job: `delim_${runs}`,
      table: `${SCHEMA}.t`,
      dialect: CsvDialectSchema.parse({ delimiter }),
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'flat',
      compression: 'none',
      runTime: new Date(Date.UTC(2026, 0, 2)),
    },
    { source, sink: new LocalFolderSink(out), clock: systemClock, logger: quiet },
  );
  return readFile(join(out, manifest.objects[0]!.key), 'utf8');
}

describe('PostgreSQL COPY delimiter', () => {
  it.each([
    ['\\', 'id\\note\n1\\"a\\b"\n2\\café\n3\\\n4\\""\n5\\"x""y"\n6\\plain\n'],
    ['é', 'idénote\n1éa\\b\n2é"café"\n3é\n4é""\n5é"x""y"\n6éplain\n'],
    [';', 'id;note\n1;a\\b\n2;café\n3;\n4;""\n5;"x""y"\n6;plain\n'],
  ])('exports with delimiter %j exactly, the same through COPY and the row encoder', async (delimiter, expected) => {
    expect(await exportWith(delimiter, false)).toBe(expected);
    expect(await exportWith(delimiter, true)).toBe(expected);
  });
});
