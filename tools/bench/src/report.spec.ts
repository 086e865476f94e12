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
      expect.objectContaining({ name: 'exporter peak RSS at 10,000,000 rows (any destination)', measured: '150 MiB', met: true }),
      expect.objectContaining({ name: 'exporter peak RSS growth, 1,000,000 -> 10,000,000 rows', measured: '+40 MiB', met: false }),
    ]);
  });

  it('fails a ratio above its limit', () => {
    const slow = variants.map((v) =>
      v.id === 'mariadb.exporter.file.none' ? { ...v, samples: v.samples.map((s) => ({ ...s, seconds: s.seconds * 2 })) } : v,
    );
    expect(evaluateTargets(summarizeVariants(slow), 1_000_000)[0]).toMatchObject({ met: false });
  });
});

describe('Function: renderMarkdown', () => {
  it('prints one table row per variant, the S3 share and the stated price assumption', () => {
    const text = renderMarkdown(summarizeVariants(variants), { rows: 1_000_000, reps: 3, machine: 'test box' });
    const tableRows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| path'));
    expect(tableRows).toHaveLength(3);
    expect(tableRows[1]).toContain('| exporter -> folder | 2.50 (2.40-2.60) | 1.14 | 400,000 |');
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
    expect(ids).toEqual(['postgres.ceiling', 'postgres.exporter.file.none', 'postgres.exporter.file.gzip']);
  });

  it('leaves the buffered baseline out above its row limit', () => {
    const ids = selectVariants({ engines: ['mariadb'], only: [], rows: 10_000_000, bufferedMaxRows: 2_000_000 }).map((v) => v.id);
    expect(ids).not.toContain('mariadb.baseline.buffered');
    expect(ids).toContain('mariadb.baseline.stream');
  });
});
