/**
 * The type matrix of the Parquet writer comparison: every typed column at its edges (min/max
 * integers, DECIMAL(38,x) extremes, dates in years 1 and 9999, microseconds, NaN/±Infinity,
 * binary, NULL), written by a writer and read back by DuckDB, the independent reader: values
 * as DuckDB's own text, logical types from parquet_schema(), codec from parquet_metadata().
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { WRITERS, type Cell, type Codec, type TableSpec, type WriterName } from './writers.js';

/** [column name, typed column, cells of rows 0..2 as server text, what DuckDB should print]; row 3 is all NULL. */
export const MATRIX: [string, TableSpec['columns'][number], [Cell, string][]][] = [
  ['i8', { type: 'int', bits: 8 }, [['-128', '-128'], ['127', '127'], ['0', '0']]],
  ['i16', { type: 'int', bits: 16 }, [['-32768', '-32768'], ['32767', '32767'], ['2155', '2155']]],
  ['i32', { type: 'int', bits: 32 }, [['-2147483648', '-2147483648'], ['2147483647', '2147483647'], ['16777215', '16777215']]],
  ['i64', { type: 'int', bits: 64 }, [['-9223372036854775808', '-9223372036854775808'], ['9223372036854775807', '9223372036854775807'], ['9007199254740993', '9007199254740993']]],
  ['u64', { type: 'decimal', precision: 20, scale: 0 }, [['0', '0'], ['18446744073709551615', '18446744073709551615'], ['9223372036854775808', '9223372036854775808']]],
  ['d9_2', { type: 'decimal', precision: 9, scale: 2 }, [['-9999999.99', '-9999999.99'], ['9999999.99', '9999999.99'], ['0.01', '0.01']]],
  ['d12_2', { type: 'decimal', precision: 12, scale: 2 }, [['-9999999999.99', '-9999999999.99'], ['9999999999.99', '9999999999.99'], ['-0.05', '-0.05']]],
  ['d38_10', { type: 'decimal', precision: 38, scale: 10 }, [['-9999999999999999999999999999.9999999999', '-9999999999999999999999999999.9999999999'], ['9999999999999999999999999999.9999999999', '9999999999999999999999999999.9999999999'], ['-0.0000000001', '-0.0000000001']]],
  ['d38_0', { type: 'decimal', precision: 38, scale: 0 }, [['-' + '9'.repeat(38), '-' + '9'.repeat(38)], ['9'.repeat(38), '9'.repeat(38)], ['1', '1']]],
  ['f32', { type: 'float' }, [['NaN', 'nan'], ['-Infinity', '-inf'], ['1.5', '1.5']]],
  ['f64', { type: 'double' }, [['Infinity', 'inf'], ['-1.7976931348623157e308', '-1.7976931348623157e+308'], ['-0', '-0.0']]],
  ['day', { type: 'date' }, [['0001-01-01', '0001-01-01'], ['9999-12-31', '9999-12-31'], ['1969-12-31', '1969-12-31']]],
  ['tod', { type: 'time' }, [['00:00:00', '00:00:00'], ['23:59:59.999999', '23:59:59.999999'], ['12:00:00.000001', '12:00:00.000001']]],
  ['ts_local', { type: 'timestamp', utc: false }, [['1900-01-01 00:00:00.000001', '1900-01-01 00:00:00.000001'], ['9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999'], ['1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999']]],
  ['ts_utc', { type: 'timestamp', utc: true }, [['1970-01-01 00:00:00', '1970-01-01 00:00:00+00'], ['2038-01-19 03:14:08.123456', '2038-01-19 03:14:08.123456+00'], ['1000-01-01 00:00:00', '1000-01-01 00:00:00+00']]],
  ['flag', { type: 'boolean' }, [['true', 'true'], ['false', 'false'], ['t', 'true']]],
  ['bytes', { type: 'binary' }, [['00ff', '00FF'], ['', ''], ['7b2261223a317d', '7B2261223A317D']]],
  ['text', { type: 'string' }, [['héllo, "wörld"', 'héllo, "wörld"'], ['', ''], ['-838:59:59', '-838:59:59']]],
];

export const MATRIX_SPEC: TableSpec = { names: MATRIX.map(([name]) => name), columns: MATRIX.map(([, column]) => column) };
export const MATRIX_ROWS: Cell[][] = [0, 1, 2, 3].map((r) => MATRIX.map(([, , cells]) => (r < 3 ? (cells[r] as [Cell, string])[0] : null)));

/** What DuckDB prints for a column: text, except binary as hex (its blob text escapes bytes). */
function duckText(name: string, column: TableSpec['columns'][number]): string {
  const q = `"${name}"`;
  return column.type === 'binary' ? `hex(${q})` : `${q}::VARCHAR`;
}

export interface MatrixCheck {
  /** Cells DuckDB read differently from the expected text, as `column[row]=got≠expected`. */
  readonly wrong: readonly string[];
  readonly codecs: readonly string[];
  /** `name: PHYSICAL(length) logical-or-converted type` per column. */
  readonly schema: readonly string[];
}

/** Reads a matrix file back with DuckDB and compares every cell. */
export async function checkMatrixFile(path: string): Promise<MatrixCheck> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run(`SET TimeZone = 'UTC'`);
    const file = path.replaceAll("'", "''");
    const select = MATRIX.map(([name, column]) => duckText(name, column)).join(', ');
    const read = await db.runAndReadAll(`SELECT ${select} FROM read_parquet('${file}')`);
    const got = read.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
    const wrong: string[] = [];
    MATRIX.forEach(([name, , cells], c) => {
      for (let r = 0; r < 4; r += 1) {
        const expected = r < 3 ? (cells[r] as [Cell, string])[1] : null;
        if (got[r]?.[c] !== expected) wrong.push(`${name}[${r}]=${JSON.stringify(got[r]?.[c])}≠${JSON.stringify(expected)}`);
      }
    });
    if (got.length !== 4) wrong.push(`rows=${got.length}≠4`);
    const codecs = await db.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    const schema = await db.runAndReadAll(`SELECT name, type, type_length, converted_type, logical_type FROM parquet_schema('${file}') WHERE num_children IS NULL`);
    return {
      wrong,
      codecs: codecs.getRows().map((r) => String(r[0])),
      schema: schema.getRows().map(([name, type, length, converted, logical]) => `${String(name)}: ${String(type)}${length ? `(${String(length)})` : ''} ${String(logical ?? converted ?? '')}`.trim()),
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** Every writer × codec: the markdown tables of the comparison. */
export async function coverage(dir: string): Promise<string> {
  const lines: string[] = [];
  const schemaLines: string[] = [];
  for (const writer of Object.keys(WRITERS) as WriterName[]) {
    for (const codec of ['snappy', 'zstd'] as Codec[]) {
      const path = join(dir, `matrix-${writer}-${codec}.parquet`);
      try {
        await WRITERS[writer](path, MATRIX_SPEC, [MATRIX_ROWS], codec);
      } catch (e) {
        lines.push(`| ${writer} | ${codec} | write failed: ${(e as Error).message.split('\n')[0]} | |`);
        continue;
      }
      const check = await checkMatrixFile(path);
      lines.push(`| ${writer} | ${codec} | ${check.wrong.length === 0 ? 'all values exact' : check.wrong.join('; ')} | ${check.codecs.join(',')} |`);
      if (codec === 'snappy') schemaLines.push(`| ${writer} | ${check.schema.join('<br>')} |`);
    }
  }
  return [
    '| writer | codec | values read back by DuckDB | codec in file |',
    '|---|---|---|---|',
    ...lines,
    '',
    '| writer | parquet_schema() as DuckDB reports it |',
    '|---|---|',
    ...schemaLines,
  ].join('\n');
}
