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
});
