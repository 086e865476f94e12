import { describe, expect, it } from 'vitest';
import { readExporterEnv } from './exporter-env.js';

const base = { EXPORT_BUCKET: 'exports-bucket', STATE_TABLE: 'state', RDS_S3_EXPORT_CONFIG: '/tmp/config.json' };

describe('readExporterEnv: the Parquet jobs\' Glue tables', () => {
  it('reads GLUE_DATABASE and the GLUE_TABLES map the stack sets', () => {
    const env = readExporterEnv({ ...base, GLUE_DATABASE: ' exports_db ', GLUE_TABLES: '{"order-lines":"order_lines","revenue":"revenue"}' });
    expect(env.glue).toEqual({ databaseName: 'exports_db', tables: { 'order-lines': 'order_lines', revenue: 'revenue' } });
  });

  it('has no Glue tables when neither is set', () => {
    expect(readExporterEnv(base)).toEqual({ exportBucket: 'exports-bucket', stateTable: 'state', configFile: '/tmp/config.json' });
  });

  it('refuses one without the other, text that is not JSON and a map that is not job -> table name', () => {
    expect(() => readExporterEnv({ ...base, GLUE_DATABASE: 'db' })).toThrow(/set both or neither/);
    expect(() => readExporterEnv({ ...base, GLUE_TABLES: '{}' })).toThrow(/set both or neither/);
    expect(() => readExporterEnv({ ...base, GLUE_DATABASE: 'db', GLUE_TABLES: 'orders' })).toThrow(/GLUE_TABLES is not JSON/);
    expect(() => readExporterEnv({ ...base, GLUE_DATABASE: 'db', GLUE_TABLES: '["orders"]' })).toThrow(/JSON object of job name/);
    expect(() => readExporterEnv({ ...base, GLUE_DATABASE: 'db', GLUE_TABLES: '{"orders":""}' })).toThrow(/JSON object of job name/);
  });
});
