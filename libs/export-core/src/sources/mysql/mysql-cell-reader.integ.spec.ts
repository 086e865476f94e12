/**
 * The Parquet byte path's reader on a real MariaDB server: which route a result set takes
 * (bytes, or the row route for a column whose conversion the byte path leaves to it: a zero-date
 * policy), that both give the cells the row stream gives, and that pulling a batch at a time
 * pauses and resumes the connection without losing or reordering a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { CsvDialectSchema, type CsvDialectInput } from '@rds-s3-export/shared-types';
import { freshMysqlDatabase } from '../../testing/index.js';
import { parseConnectionUrl } from '../connection-settings.js';
import type { CellReader, Row } from '../../ports.js';
import { MysqlRowSource } from './mysql-row-source.js';

const DB = 'mysql_cell_reader';
const BIG_ROWS = 30_000;
let admin: Connection;
let url: string;

beforeAll(async () => {
  const db = await freshMysqlDatabase(DB);
  admin = db.admin;
  url = db.url;
  await admin.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
  await admin.query('CREATE TABLE dates (id INT PRIMARY KEY, d DATE NULL, txt VARCHAR(20) NULL) CHARACTER SET utf8mb4');
  await admin.query("INSERT INTO dates VALUES (1, '2026-02-22', 'café'), (2, '0000-00-00', ''), (3, NULL, NULL)");
  await admin.query(`CREATE TABLE big (id BIGINT PRIMARY KEY, txt VARCHAR(64)) SELECT seq AS id, IF(seq % 7 = 0, NULL, CONCAT('row ', seq)) AS txt FROM seq_1_to_${BIG_ROWS}`);
});

afterAll(async () => {
  await admin?.end();
});

/** Reads every row through the cell reader, `batch` rows per fill, as text cells. */
async function readAll(cells: CellReader, batch: number, delayMs = 0): Promise<{ rows: (string | null)[][]; fills: number }> {
  const rows: (string | null)[][] = [];
  let inBatch = 0;
  const full = () => {
    inBatch += 1;
    return inBatch >= batch;
  };
  const target = {
    appendBytes(bytes: Buffer, bounds: Int32Array) {
      const row: (string | null)[] = [];
      for (let c = 0; c < bounds.length / 2; c++) row.push((bounds[2 * c] as number) < 0 ? null : bytes.toString('utf8', bounds[2 * c], bounds[2 * c + 1]));
      rows.push(row);
      return full();
    },
    appendWire(): boolean {
      throw new Error('MySQL cells are text, never wire values');
    },
    appendRow(row: Row) {
      rows.push(row.map((cell) => (cell === null ? null : String(cell))));
      return full();
    },
  };
  let fills = 0;
  for (;;) {
    inBatch = 0;
    fills += 1;
    if (await cells.fill(target)) return { rows, fills };
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

async function readTable(table: string, dialect: CsvDialectInput, batch: number, delayMs = 0) {
  const source = new MysqlRowSource(parseConnectionUrl(url));
  const opened = await source.open({ table, dialect: CsvDialectSchema.parse(dialect), preferRows: true, preferCells: true });
  try {
    const data = opened.stream();
    if (data.kind !== 'cells') throw new Error(`expected cells, got ${data.kind}`);
    const read = await readAll(data.cells, batch, delayMs);
    return { ...read, path: data.cells.path };
  } finally {
    await opened.close();
  }
}

describe('readMysqlCells', () => {
  it('takes the byte path under zeroDates "keep": the zero date reaches the column buffers as the server wrote it', async () => {
    const { rows, path } = await readTable('dates', {}, 100);
    expect(path).toBe('bytes');
    expect(rows).toEqual([['1', '2026-02-22', 'café'], ['2', '0000-00-00', ''], ['3', null, null]]);
  });

  it('falls back to the row route for a zero-date policy, with its conversion applied', async () => {
    const { rows, path } = await readTable('dates', { zeroDates: 'null' }, 100);
    expect(path).toBe('rows');
    expect(rows).toEqual([['1', '2026-02-22', 'café'], ['2', null, ''], ['3', null, null]]);
  });

  it('pauses between pulls and loses or reorders no row', async () => {
    const { rows, fills, path } = await readTable('big', {}, 1000, 2);
    expect(path).toBe('bytes');
    expect(fills).toBe(BIG_ROWS / 1000 + 1);
    expect(rows).toHaveLength(BIG_ROWS);
    rows.forEach((row, i) => {
      const id = i + 1;
      expect(row).toEqual([String(id), id % 7 === 0 ? null : `row ${id}`]);
    });
  });
});
