import { describe, expect, it } from 'vitest';
import { planKeys, runIdFor, runStamp, type KeyPlanInput } from './object-keys.js';

const RUN_TIME = new Date('2026-02-22T10:12:00Z');

function plan(overrides: Partial<KeyPlanInput> = {}) {
  return planKeys({
    job: 'employees',
    runTime: RUN_TIME,
    prefix: 'rds_exports',
    manifestPrefix: '_manifests',
    layout: 'hive',
    compression: 'none',
    ...overrides,
  });
}

describe('Function: runStamp', () => {
  it('formats the run time as YYYYMMDD_HHMMSS in UTC', () => {
    expect(runStamp(RUN_TIME)).toBe('20260222_101200');
  });

  it('drops milliseconds and converts a non-UTC offset to UTC', () => {
    // Prepare
    const time = new Date('2026-02-22T12:12:00.999+02:00');

    // Act
    const stamp = runStamp(time);

    // Assess
    expect(stamp).toBe('20260222_101200');
  });

  it('pads single-digit fields', () => {
    expect(runStamp(new Date('2026-01-02T03:04:05.006Z'))).toBe('20260102_030405');
  });

  it('refuses an invalid date', () => {
    expect(() => runStamp(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('Function: runIdFor', () => {
  it('joins the job name and the UTC stamp', () => {
    expect(runIdFor('employees', RUN_TIME)).toBe('employees_20260222_101200');
  });

  it('is the same for a retry of the same schedule slot, whatever the offset and milliseconds', () => {
    // Prepare
    const first = new Date('2026-02-22T10:12:00.000Z');
    const retry = new Date('2026-02-22T05:12:00.450-05:00');

    // Act / Assess
    expect(runIdFor('employees', retry)).toBe(runIdFor('employees', first));
  });
});

describe('Function: planKeys', () => {
  it('uses the hive layout by default: <prefix>/<job>/dt=YYYY-MM-DD/<runId>.csv', () => {
    // Act
    const keys = plan();

    // Assess
    expect(keys.runId).toBe('employees_20260222_101200');
    expect(keys.dataKey()).toBe('rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv');
  });

  it('reproduces the seed layout exactly with layout "flat"', () => {
    expect(plan({ layout: 'flat' }).dataKey()).toBe('rds_exports/employees_20260222_101200.csv');
  });

  it('names gzip objects .csv.gz', () => {
    expect(plan({ compression: 'gzip' }).dataKey()).toBe('rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv.gz');
    expect(plan({ compression: 'gzip', layout: 'flat' }).dataKey()).toBe('rds_exports/employees_20260222_101200.csv.gz');
  });

  it('names Parquet objects .parquet, parts included, whatever the CSV compression', () => {
    expect(plan({ format: 'parquet' }).dataKey()).toBe('rds_exports/employees/dt=2026-02-22/employees_20260222_101200.parquet');
    expect(plan({ format: 'parquet', compression: 'gzip' }).dataKey(3)).toBe('rds_exports/employees/dt=2026-02-22/employees_20260222_101200_part0003.parquet');
    expect(plan({ format: 'csv' }).dataKey()).toBe('rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv');
  });

  it('numbers parts with four digits, before the extension', () => {
    // Prepare
    const keys = plan({ compression: 'gzip' });

    // Act
    const parts = [1, 2, 10, 9999, 12345].map((part) => keys.dataKey(part));

    // Assess
    expect(parts).toEqual([
      'rds_exports/employees/dt=2026-02-22/employees_20260222_101200_part0001.csv.gz',
      'rds_exports/employees/dt=2026-02-22/employees_20260222_101200_part0002.csv.gz',
      'rds_exports/employees/dt=2026-02-22/employees_20260222_101200_part0010.csv.gz',
      'rds_exports/employees/dt=2026-02-22/employees_20260222_101200_part9999.csv.gz',
      'rds_exports/employees/dt=2026-02-22/employees_20260222_101200_part12345.csv.gz',
    ]);
    expect(plan({ layout: 'flat' }).dataKey(1)).toBe('rds_exports/employees_20260222_101200_part0001.csv');
  });

  it('puts the manifest under the manifest prefix, outside the data prefix', () => {
    // Act
    const hive = plan();
    const flat = plan({ layout: 'flat', compression: 'gzip' });

    // Assess
    expect(hive.manifestKey).toBe('_manifests/employees/employees_20260222_101200.json');
    expect(flat.manifestKey).toBe('_manifests/employees/employees_20260222_101200.json');
  });

  it('names the run and the partition in UTC for a non-UTC run time with milliseconds', () => {
    // Prepare: 01:30 on the 23rd in UTC+02:00 is still the 22nd in UTC
    const keys = plan({ runTime: new Date('2026-02-23T01:30:00.999+02:00') });

    // Act / Assess
    expect(keys.runId).toBe('employees_20260222_233000');
    expect(keys.dataKey()).toBe('rds_exports/employees/dt=2026-02-22/employees_20260222_233000.csv');
    expect(keys.manifestKey).toBe('_manifests/employees/employees_20260222_233000.json');
    expect(plan({ runTime: new Date('2026-02-22T12:12:00.999+02:00') }).dataKey()).toBe(
      'rds_exports/employees/dt=2026-02-22/employees_20260222_101200.csv',
    );
  });

  it('leaves out empty prefixes instead of writing a leading slash', () => {
    // Act
    const keys = plan({ prefix: '', manifestPrefix: '' });

    // Assess
    expect(keys.dataKey()).toBe('employees/dt=2026-02-22/employees_20260222_101200.csv');
    expect(plan({ prefix: '', layout: 'flat' }).dataKey()).toBe('employees_20260222_101200.csv');
    expect(keys.manifestKey).toBe('employees/employees_20260222_101200.json');
  });

  it('keeps a nested prefix as is', () => {
    expect(plan({ prefix: 'team/a/exports' }).dataKey()).toBe('team/a/exports/employees/dt=2026-02-22/employees_20260222_101200.csv');
  });

  it('refuses an invalid run time', () => {
    expect(() => plan({ runTime: new Date(Number.NaN) })).toThrow(new RangeError('run time is not a valid date'));
  });
});
