import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMatrixFile, MATRIX_ROWS, MATRIX_SPEC } from './matrix.js';
import { WRITERS, type Cell, type Codec, type TableSpec, type WriterName } from './writers.js';

const dir = mkdtempSync(join(tmpdir(), 'parquet-writers-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases: [WriterName, Codec][] = [
  ['hyparquet', 'snappy'],
  ['parquet-wasm', 'snappy'],
  ['parquet-wasm', 'zstd'],
  ['duckdb', 'snappy'],
  ['duckdb', 'zstd'],
];

describe('Parquet writers under comparison, read back by DuckDB', () => {
  it.each(cases)('%s with %s writes every matrix value exactly, with the logical types of parquet-types.ts', async (writer, codec) => {
    const path = join(dir, `${writer}-${codec}.parquet`);
    await WRITERS[writer](path, MATRIX_SPEC, [MATRIX_ROWS], codec);
    const check = await checkMatrixFile(path);
    expect(check.wrong).toEqual([]);
    expect(check.codecs).toEqual([codec.toUpperCase()]);
    expect(check.schema).toEqual(
      expect.arrayContaining([
        'd38_10: FIXED_LEN_BYTE_ARRAY(16) DecimalType(scale=10, precision=38)',
        'd12_2: INT64 DecimalType(scale=2, precision=12)',
        'ts_utc: INT64 TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))',
        'ts_local: INT64 TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))',
        'tod: INT64 TimeType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))',
      ]),
    );
  }, 60_000);

  it('the check catches a value that differs (a timestamp one microsecond off)', async () => {
    const path = join(dir, 'off-by-one.parquet');
    const rows = MATRIX_ROWS.map((row) => [...row]);
    const ts = MATRIX_SPEC.names.indexOf('ts_local');
    (rows[0] as Cell[])[ts] = '1900-01-01 00:00:00.000002';
    await WRITERS.hyparquet(path, MATRIX_SPEC, [rows], 'snappy');
    expect((await checkMatrixFile(path)).wrong).toEqual(['ts_local[0]="1900-01-01 00:00:00.000002"≠"1900-01-01 00:00:00.000001"']);
  }, 60_000);
});

describe('Streaming: bytes reach the file before the last row group is produced', () => {
  const spec: TableSpec = { names: ['id', 'note'], columns: [{ type: 'int', bits: 64 }, { type: 'string' }] };
  // parquet-wasm closes a row group at 100,000 rows (its max row group size in writers.ts).
  const batch = (n: number): Cell[][] => Array.from({ length: 100_000 }, (_, i) => [String(n * 100_000 + i), `row ${i}`]);

  it.each(['hyparquet', 'parquet-wasm'] as const)('%s', async (writer) => {
    const path = join(dir, `stream-${writer}.parquet`);
    const sizes: number[] = [];
    async function* batches() {
      for (let n = 0; n < 3; n += 1) {
        // Give the output stream a turn to write what the writer handed it.
        await new Promise((resolve) => setTimeout(resolve, 50));
        sizes.push(n === 0 ? 0 : statSync(path).size);
        yield batch(n);
      }
    }
    await WRITERS[writer](path, spec, batches(), 'snappy');
    expect(sizes[2]).toBeGreaterThan(100_000);
    expect(statSync(path).size).toBeGreaterThan(sizes[2] as number);
  }, 120_000);
});
