import { describe, expect, it } from 'vitest';
import { CsvDialectSchema } from './csv-dialect.js';
import { parseManifest, type Manifest } from './manifest.js';

const manifest: Manifest = {
  manifestVersion: 1,
  runId: 'orders_20260301_100000',
  job: 'orders',
  status: 'committed',
  startedAt: '2026-03-01T10:00:00.000Z',
  finishedAt: '2026-03-01T10:00:01.000Z',
  durationMs: 1000,
  rows: 0,
  bytes: 0,
  objects: [],
  columns: [{ name: 'id', sourceType: 'bigint' }],
  cursor: null,
  reconciliation: { sourceRows: 0, exportedRows: 0 },
  engine: 'mariadb',
  source: { table: 'orders' },
  csv: CsvDialectSchema.parse({}),
  compression: 'none',
  timeZone: 'UTC',
  exporterVersion: '0.1.0',
};

describe('Function: parseManifest', () => {
  it('parses a stored manifest', () => {
    expect(parseManifest(JSON.stringify(manifest))).toEqual({ manifest });
  });

  it('names what is wrong, never echoing the text', () => {
    expect(parseManifest('{"secret": ')).toEqual({ problem: 'is not JSON' });
    const parsed = parseManifest(JSON.stringify({ ...manifest, rows: -1 }));
    expect('problem' in parsed && parsed.problem).toMatch(/^is invalid: .*rows/);
  });

  it('reads a manifest written before kinds, row groups and the Parquet schema were recorded (CSV manifests unchanged)', () => {
    // The manifest above has none of them: it is what older exporters wrote.
    const parsed = parseManifest(JSON.stringify(manifest));
    expect('manifest' in parsed && [parsed.manifest.columns[0]?.kind, parsed.manifest.parquet, parsed.manifest.format]).toEqual([undefined, undefined, undefined]);
  });

  it('parses a Parquet manifest: column kinds, row groups per object, the Parquet schema with its string reasons', () => {
    const parquet: Manifest = {
      ...manifest,
      format: 'parquet',
      rows: 2,
      bytes: 900,
      objects: [{ key: 'rds_exports/orders_20260301_100000.parquet', rows: 2, bytes: 900, sha256: 'a'.repeat(64), rowGroups: 1 }],
      columns: [
        { name: 'id', sourceType: 'bigint', kind: 'number' },
        { name: 'total', sourceType: 'decimal(12,2)', kind: 'number' },
        { name: 'at', sourceType: 'timestamp(6)', kind: 'temporal' },
        { name: 'tm', sourceType: 'time', kind: 'temporal' },
        { name: 'photo', sourceType: 'blob', kind: 'binary' },
      ],
      parquet: {
        columns: [
          { name: 'id', physicalType: 'INT64', nullable: true },
          { name: 'total', physicalType: 'INT64', logicalType: { type: 'DECIMAL', precision: 12, scale: 2 }, nullable: true },
          { name: 'at', physicalType: 'INT64', logicalType: { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: true }, nullable: true },
          { name: 'tm', physicalType: 'BYTE_ARRAY', logicalType: { type: 'STRING' }, nullable: true, stringReason: 'mysql-time-range' },
          { name: 'photo', physicalType: 'BYTE_ARRAY', nullable: true },
        ],
      },
    };
    expect(parseManifest(JSON.stringify(parquet))).toEqual({ manifest: parquet });
    const unknownReason = { ...parquet, parquet: { columns: [{ name: 'tm', physicalType: 'BYTE_ARRAY', nullable: true, stringReason: 'because' }] } };
    expect('problem' in parseManifest(JSON.stringify(unknownReason))).toBe(true);
  });
});
