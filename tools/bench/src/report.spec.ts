import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICING, impliedBilledSeconds, lambdaUsdPerMillionRows } from './cost.js';
import { evaluateTargets, renderMarkdown, summarizeVariants, type Sample, type VariantResult } from './report.js';
import { selectVariants } from './variants.js';

const MIB = 1024 * 1024;

function sample(rep: number, seconds: number, extra: Partial<Sample> = {}): Sample {
  return {
    rep,
    slot: 0,
    seconds,
    wallSeconds: seconds + 0.3,
    rows: 1_000_000,
    bytes: 130_000_000,
    peakRssBytes: 100 * MIB,
    cpuSeconds: seconds,
    dbCpuSeconds: 1,
    s3ServerCpuSeconds: null,
    otherCpuSeconds: 0,
    retries: 0,
    ...extra,
  };
}

const variants: VariantResult[] = [
  { id: 'mariadb.ceiling', engine: 'mariadb', kind: 'ceiling', label: 'ceiling', samples: [sample(0, 2), sample(1, 2.2), sample(2, 4)] },
  {
    id: 'mariadb.exporter.file.none',
    engine: 'mariadb',
    kind: 'exporter',
    label: 'exporter -> folder',
    samples: [sample(0, 2.4), sample(1, 2.6), sample(2, 2.5, { peakRssBytes: 150 * MIB })],
  },
  {
    id: 'mariadb.exporter.s3.none',
    engine: 'mariadb',
    kind: 'exporter',
    label: 'exporter -> s3rver',
    samples: [sample(0, 3, { s3ServerCpuSeconds: 1, cpuSeconds: 3 }), sample(1, 3, { s3ServerCpuSeconds: 1, cpuSeconds: 3 })],
  },
  { id: 'postgres.ceiling', engine: 'postgres', kind: 'ceiling', label: 'copy', samples: [] },
];

describe('Function: summarizeVariants', () => {
  const summaries = summarizeVariants(variants);
  const byId = new Map(summaries.map((s) => [s.id, s]));

  it('leaves out variants that did not run', () => {
    expect(summaries.map((s) => s.id)).toEqual(['mariadb.ceiling', 'mariadb.exporter.file.none', 'mariadb.exporter.s3.none']);
  });

  it('divides medians for the ratio to the ceiling, and pairs repetitions for the paired ratio', () => {
    const exporter = byId.get('mariadb.exporter.file.none')!;
    expect(exporter.ratioToCeiling).toBeCloseTo(2.5 / 2.2, 10);
    // per rep: 2.4/2, 2.6/2.2, 2.5/4 -> median 2.6/2.2
    expect(exporter.pairedRatioToCeiling).toBeCloseTo(2.6 / 2.2, 10);
  });

  it('measures throughput against the uncompressed CSV size of the engine', () => {
    const exporter = byId.get('mariadb.exporter.file.none')!;
    expect(exporter.rowsPerSecond).toBeCloseTo(400_000, 6);
    expect(exporter.csvMegabytesPerSecond).toBeCloseTo(130 / 2.5, 10);
    expect(byId.get('mariadb.ceiling')!.csvMegabytesPerSecond).toBeCloseTo(130 / 2.2, 10);
  });

  it('reports peak RSS in MiB, CPU per million rows and the S3 server share', () => {
    const exporter = byId.get('mariadb.exporter.file.none')!;
    expect(exporter.peakRssMegabytes.max).toBe(150);
    expect(exporter.cpuSecondsPerMillionRows).toBeCloseTo(2.5, 10);
    const s3 = byId.get('mariadb.exporter.s3.none')!;
    expect(s3.s3ServerCpuSeconds).toBe(1);
    expect(s3.s3ServerCpuShare).toBeCloseTo(0.25, 10);
  });
});

describe('Function: evaluateTargets', () => {
  it('judges the ratio and memory targets of issue 6', () => {
    const verdicts = evaluateTargets(summarizeVariants(variants), 10_000_000, { rows: 1_000_000, exporterPeakRssMb: 110 });
    expect(verdicts).toEqual([
      expect.objectContaining({ name: 'MariaDB -> local folder, uncompressed', met: true }),
      expect.objectContaining({ name: 'MariaDB -> local folder, whole process (built CLI)', measured: '1.12x (paired 1.16x), 2.80 s', met: true }),
      expect.objectContaining({ name: 'exporter peak RSS at 10,000,000 rows (any destination, CSV)', measured: '150 MiB', met: true }),
      expect.objectContaining({ name: 'exporter peak RSS growth, 1,000,000 -> 10,000,000 rows', measured: '+40 MiB', met: false }),
    ]);
  });

  it('judges Parquet against CSV to a local folder (time, wall and CPU) and Parquet peak RSS apart from CSV', () => {
    // Prepare: Parquet runs 2.1x the CSV time (2.5 s), 1.98x its wall time at 280 MiB (294 MB), above the CSV bound of 200 MB but within its own 300 MB.
    const parquet: VariantResult = {
      id: 'mariadb.exporter.file.parquet',
      engine: 'mariadb',
      kind: 'exporter',
      label: 'exporter -> folder, Parquet',
      samples: [0, 1, 2].map((rep) => sample(rep, 5.25, { peakRssBytes: 280 * MIB, cpuSeconds: 4 })),
    };

    // Act
    const verdicts = evaluateTargets(summarizeVariants([...variants, parquet]), 10_000_000);

    // Assess
    expect(verdicts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'MariaDB -> local folder, Parquet against CSV', measured: '2.10x (wall 1.98x, CPU 1.60x), 5.25 s against 2.50 s', met: false }),
        expect.objectContaining({ name: 'exporter peak RSS at 10,000,000 rows, Parquet', measured: '280 MiB', met: true }),
        expect.objectContaining({ name: 'exporter peak RSS at 10,000,000 rows (any destination, CSV)', measured: '150 MiB', met: true }),
      ]),
    );
  });

  it('judges the wide table\'s Parquet against its own CSV, and keeps its peak out of the benchmark table\'s memory target', () => {
    // Prepare: the wide table's CSV at 3.0 s and Parquet at 4.5 s (1.5x) peaking at 320 MiB; the benchmark table's Parquet at 250 MiB.
    const run = (id: string, seconds: number, peakMib: number): VariantResult => ({
      id,
      engine: 'postgres',
      kind: 'exporter',
      label: id,
      samples: [0, 1, 2].map((rep) => sample(rep, seconds, { peakRssBytes: peakMib * MIB, cpuSeconds: seconds })),
    });
    const wide = [run('postgres.exporter.wide.none', 3, 95), run('postgres.exporter.wide.parquet', 4.5, 320), run('postgres.exporter.file.none', 2, 90), run('postgres.exporter.file.parquet', 3, 250)];

    // Act
    const verdicts = evaluateTargets(summarizeVariants(wide), 10_000_000);

    // Assess
    expect(verdicts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'PostgreSQL -> local folder, Parquet against CSV', measured: '1.50x (wall 1.43x, CPU 1.50x), 3.00 s against 2.00 s', met: true }),
        expect.objectContaining({ name: 'PostgreSQL wide table (uuid, time) -> local folder, Parquet against CSV', measured: '1.50x (wall 1.45x, CPU 1.50x), 4.50 s against 3.00 s', met: true }),
        expect.objectContaining({ name: 'exporter peak RSS at 10,000,000 rows, Parquet', measured: '250 MiB', met: true }),
      ]),
    );
  });

  it('fails a ratio above its limit', () => {
    const slow = variants.map((v) =>
      v.id === 'mariadb.exporter.file.none' ? { ...v, samples: v.samples.map((s) => ({ ...s, seconds: s.seconds * 2 })) } : v,
    );
    expect(evaluateTargets(summarizeVariants(slow), 1_000_000)[0]).toMatchObject({ met: false });
  });
});

describe('Whole-process figures (issue 14)', () => {
  /** Wall times: the in-process `seconds` stay as in `variants`, the whole process adds start-up. */
  const withWall = (v: VariantResult, walls: readonly number[]): VariantResult => ({
    ...v,
    samples: v.samples.map((s, i) => ({ ...s, wallSeconds: walls[i] ?? Number.NaN })),
  });
  const startupSample = (rep: number, wall: number) => sample(rep, wall, { wallSeconds: wall, rows: 0, bytes: 0, dbCpuSeconds: null });
  const session: VariantResult[] = [
    withWall(variants[0]!, [2.2, 2.4, 4.4]),
    withWall(variants[1]!, [2.8, 3.1, 2.9]),
    {
      id: 'postgres.ceiling',
      engine: 'postgres',
      kind: 'ceiling',
      label: 'copy',
      samples: [sample(0, 1.5, { wallSeconds: 1.6 }), sample(1, 1.5, { wallSeconds: 1.6 })],
    },
    {
      id: 'postgres.psql-copy',
      engine: 'postgres',
      kind: 'process-ceiling',
      label: 'psql copy',
      samples: [sample(0, 2, { wallSeconds: 2 }), sample(1, 2.2, { wallSeconds: 2.2 })],
    },
    {
      id: 'postgres.exporter.file.none',
      engine: 'postgres',
      kind: 'exporter',
      label: 'pg exporter -> folder',
      samples: [sample(0, 1.8, { wallSeconds: 2.6 }), sample(1, 1.8, { wallSeconds: 2.8 })],
    },
    { id: 'startup.node-empty', engine: 'startup', kind: 'ceiling', label: '`node -e 0`', samples: [startupSample(0, 0.04), startupSample(1, 0.05), startupSample(2, 0.06)] },
    {
      id: 'startup.cli-help',
      engine: 'startup',
      kind: 'exporter',
      label: '`rds-s3-export --help`',
      samples: [startupSample(0, 0.1), startupSample(1, 0.2), startupSample(2, 0.12)],
    },
  ];
  const summaries = summarizeVariants(session);
  const byId = new Map(summaries.map((s) => [s.id, s]));

  it('divides the median wall time by the driver ceiling script\'s (MariaDB), paired per repetition too', () => {
    const exporter = byId.get('mariadb.exporter.file.none')!;
    expect(exporter.wholeProcessRatio).toBeCloseTo(2.9 / 2.4, 10);
    // per rep: 2.8/2.2, 3.1/2.4, 2.9/4.4 -> median 2.8/2.2
    expect(exporter.pairedWholeProcessRatio).toBeCloseTo(2.8 / 2.2, 10);
    // the in-process ratio is unchanged by the wall times
    expect(exporter.ratioToCeiling).toBeCloseTo(2.5 / 2.2, 10);
  });

  it('measures PostgreSQL against psql \\copy when it ran, not the COPY script', () => {
    expect(byId.get('postgres.exporter.file.none')!.wholeProcessRatio).toBeCloseTo(2.7 / 2.1, 10);
    expect(byId.get('postgres.exporter.file.none')!.ratioToCeiling).toBeCloseTo(1.8 / 1.5, 10);
    expect(byId.get('postgres.ceiling')!.wholeProcessRatio).toBeCloseTo(1.6 / 2.1, 10);
    expect(byId.get('postgres.psql-copy')!.wholeProcessRatio).toBe(1);
  });

  it('judges the three whole-process targets', () => {
    const verdicts = evaluateTargets(summaries, 1_000_000);
    expect(verdicts.filter((t) => t.name.includes('whole process'))).toEqual([
      expect.objectContaining({ name: 'MariaDB -> local folder, whole process (built CLI)', limit: '<= 1.25x the mysql2 ceiling script, wall', measured: '1.21x (paired 1.27x), 2.90 s', met: true }),
      expect.objectContaining({ name: 'PostgreSQL -> local folder, whole process (built CLI)', limit: '<= 1.25x psql \\copy, wall', measured: '1.29x (paired 1.29x), 2.70 s', met: false }),
      expect.objectContaining({ name: '`rds-s3-export --help`, whole process', limit: '<= 3.00x `node -e 0`, wall', measured: '2.40x (paired 2.50x), 0.12 s', met: true }),
    ]);
    // start-up runs are not exports: their RSS is not the exporter's
    expect(verdicts.find((t) => t.name.startsWith('exporter peak RSS'))?.measured).toBe('150 MiB');
  });

  it('prints the whole-process columns and a start-up table in milliseconds', () => {
    const text = renderMarkdown(summaries, { rows: 1_000_000, reps: 3, machine: 'test box' });
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('| exporter -> folder |'))).toContain('| 2.50 (2.40-2.60) | 1.14 | 2.90 | 1.21 | 400,000 |');
    expect(lines.find((l) => l.startsWith('| psql copy |'))).toContain('| 2.10 | 1.00 |');
    expect(lines).toContain('| `rds-s3-export --help` | 120 (100-200) | 2.40 | 100 |');
    expect(lines).toContain('| `node -e 0` | 50 (40-60) | 1.00 | 100 |');
    // the main table has no start-up rows
    expect(lines.filter((l) => l.startsWith('| `'))).toHaveLength(2);
  });
});

describe('Function: renderMarkdown', () => {
  it('prints one table row per variant, the S3 share and the stated price assumption', () => {
    const text = renderMarkdown(summarizeVariants(variants), { rows: 1_000_000, reps: 3, machine: 'test box' });
    const tableRows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| path'));
    expect(tableRows).toHaveLength(3);
    expect(tableRows[1]).toContain('| exporter -> folder | 2.50 (2.40-2.60) | 1.14 | 2.80 | 1.12 | 400,000 |');
    expect(text).toContain('s3rver used 1.00 CPU-s = 25%');
    expect(text).toContain(DEFAULT_PRICING.description);
  });
});

describe('Function: lambdaUsdPerMillionRows', () => {
  it('bills the measured time when the run was not CPU-bound at the Lambda vCPU share', () => {
    expect(impliedBilledSeconds(10, 1)).toBe(10);
    expect(lambdaUsdPerMillionRows(10, 1, 1_000_000)).toBeCloseTo(10 * 0.0000133334, 12);
  });

  it('stretches a CPU-bound run to the vCPU share 1024 MB buys', () => {
    expect(impliedBilledSeconds(2, 2)).toBeCloseTo(2 / (1024 / 1769), 10);
    expect(lambdaUsdPerMillionRows(2, 2, 2_000_000)).toBeCloseTo(((2 / (1024 / 1769)) * 0.0000133334) / 2, 12);
  });
});

describe('Function: selectVariants', () => {
  it('keeps the ceiling of every engine a filtered session touches', () => {
    const ids = selectVariants({ engines: ['mariadb', 'postgres'], only: ['postgres.exporter.file'], rows: 1_000_000, bufferedMaxRows: 2_000_000 }).map((v) => v.id);
    expect(ids).toEqual(['postgres.ceiling', 'postgres.psql-copy', 'postgres.exporter.file.none', 'postgres.exporter.file.gzip', 'postgres.exporter.file.parquet']);
  });

  it('runs the wide table\'s pair on its own with --only wide, and keeps PostgreSQL\'s ceilings', () => {
    const picked = selectVariants({ engines: ['mariadb', 'postgres'], only: ['wide'], rows: 1_000_000, bufferedMaxRows: 2_000_000 });
    expect(picked.map((v) => [v.id, v.table ?? '-', v.format ?? 'csv'])).toEqual([
      ['postgres.ceiling', '-', 'csv'],
      ['postgres.psql-copy', '-', 'csv'],
      ['postgres.exporter.wide.none', 'wide', 'csv'],
      ['postgres.exporter.wide.parquet', 'wide', 'parquet'],
    ]);
  });

  it('runs the exporter as the built CLI and pairs its start-up with node -e 0', () => {
    const picked = selectVariants({ engines: ['mariadb', 'startup'], only: ['help', 'file.none'], rows: 1_000_000, bufferedMaxRows: 2_000_000 });
    expect(picked.map((v) => [v.id, v.launch ?? 'bundle'])).toEqual([
      ['mariadb.ceiling', 'bundle'],
      ['mariadb.exporter.file.none', 'bin'],
      ['startup.node-empty', 'node-empty'],
      ['startup.cli-help', 'bin'],
    ]);
  });

  it('leaves the buffered baseline out above its row limit', () => {
    const ids = selectVariants({ engines: ['mariadb'], only: [], rows: 10_000_000, bufferedMaxRows: 2_000_000 }).map((v) => v.id);
    expect(ids).not.toContain('mariadb.baseline.buffered');
    expect(ids).toContain('mariadb.baseline.stream');
  });
});
