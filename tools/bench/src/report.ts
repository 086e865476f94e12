/**
 * Turns the raw samples of a benchmark session into the summary table (markdown for the
 * terminal and the README) and the target verdicts of issue 6. Pure functions: the harness
 * measures, this module only computes, so it is unit-tested without any server.
 */
import { DEFAULT_PRICING, lambdaUsdPerMillionRows, type LambdaPricing } from './cost.js';
import { median, summarize, type Summary } from './stats.js';

/** `startup`: no database; the CLI's start-up against Node's own. */
export type EngineName = 'mariadb' | 'postgres' | 'startup';
/**
 * `ceiling`: the engine's driver ceiling (for `startup`, `node -e 0`); `process-ceiling`: a
 * whole-process yardstick other than the driver ceiling (PostgreSQL's `psql \copy`).
 */
export type VariantKind = 'ceiling' | 'process-ceiling' | 'exporter' | 'baseline';

/** One child-process run. */
export interface Sample {
  readonly rep: number;
  /** Position of the run inside its repetition (0-based). */
  readonly slot: number;
  /** The work itself as timed by the child (connect .. last byte stored), seconds. */
  readonly seconds: number;
  /** Spawn to exit, including Node start-up and module loading, seconds. */
  readonly wallSeconds: number;
  readonly rows: number;
  /** Bytes written (compressed bytes for gzip; CSV bytes consumed for the COPY ceiling; 0 for the mysql2 ceiling). */
  readonly bytes: number;
  /** VmHWM sampled from outside through /proc. */
  readonly peakRssBytes: number;
  /** user + system CPU of the child, reported by the child at exit (process.resourceUsage). */
  readonly cpuSeconds: number;
  /** CPU used meanwhile by the database server (mariadbd; the postmaster's reaped backends), when local. */
  readonly dbCpuSeconds: number | null;
  /** CPU used meanwhile by the s3rver process, for S3 runs. */
  readonly s3ServerCpuSeconds: number | null;
  /** Machine-wide busy CPU during the run that none of the above account for (other processes, kernel writeback). */
  readonly otherCpuSeconds: number;
  /** Earlier attempts of this sample discarded as noisy (too much `otherCpuSeconds`). */
  readonly retries: number;
}

export interface VariantResult {
  readonly id: string;
  readonly engine: EngineName;
  readonly kind: VariantKind;
  readonly label: string;
  readonly samples: readonly Sample[];
}

export interface VariantSummary {
  readonly id: string;
  readonly engine: EngineName;
  readonly kind: VariantKind;
  readonly label: string;
  readonly seconds: Summary;
  readonly wallSeconds: Summary;
  /** median(seconds) / median(seconds of this engine's ceiling in the same session). */
  readonly ratioToCeiling: number | null;
  /** Per repetition: seconds / ceiling seconds of the same repetition, then the median. */
  readonly pairedRatioToCeiling: number | null;
  /**
   * Whole process, as a user runs it (spawn to exit: Node start-up, module loading, the work):
   * median(wall) / median(wall of the engine's whole-process yardstick: its `process-ceiling`
   * if it has one, else its ceiling).
   */
  readonly wholeProcessRatio: number | null;
  /** The same per repetition, then the median. */
  readonly pairedWholeProcessRatio: number | null;
  readonly rowsPerSecond: number;
  /** Uncompressed CSV bytes of the table / median seconds (the same yardstick for every variant of an engine). */
  readonly csvMegabytesPerSecond: number | null;
  readonly peakRssMegabytes: Summary;
  readonly cpuSecondsPerMillionRows: number;
  readonly dbCpuSeconds: number | null;
  readonly s3ServerCpuSeconds: number | null;
  /** s3rver CPU / (s3rver CPU + exporter CPU): how much of the work of an S3 run the local S3 server itself did. */
  readonly s3ServerCpuShare: number | null;
  readonly lambdaUsdPerMillionRows: number;
  /** Bytes written (median): the CSV, or the .csv.gz for gzip runs; 0 for the mysql2 ceiling. */
  readonly outputBytes: number;
  /** Median CPU of other processes during the runs (noise; see Sample.otherCpuSeconds). */
  readonly otherCpuSeconds: number;
  /** Samples repeated because they were noisy. */
  readonly retries: number;
}

export interface TargetVerdict {
  readonly name: string;
  readonly limit: string;
  readonly measured: string;
  readonly met: boolean | null;
  readonly note?: string;
}

const MB = 1_000_000;
const MIB = 1024 * 1024;

/** Megabytes (10^6) of CSV per engine, taken from the uncompressed exporter runs (all reps agree). */
export function csvBytesByEngine(variants: readonly VariantResult[]): Partial<Record<EngineName, number>> {
  const out: Partial<Record<EngineName, number>> = {};
  for (const v of variants) {
    if (v.kind === 'exporter' && v.id.endsWith('.none') && v.samples.length > 0) out[v.engine] = median(v.samples.map((s) => s.bytes));
  }
  return out;
}

/** Median of a / b over the repetitions both ran. */
function pairedRatio(samples: readonly Sample[], reference: readonly Sample[], value: (s: Sample) => number): number | null {
  const ratios = samples.flatMap((s) => {
    const r = reference.find((x) => x.rep === s.rep);
    return r ? [value(s) / value(r)] : [];
  });
  return ratios.length > 0 ? median(ratios) : null;
}

export function summarizeVariants(variants: readonly VariantResult[], pricing: LambdaPricing = DEFAULT_PRICING): VariantSummary[] {
  const csvBytes = csvBytesByEngine(variants);
  const ran = variants.filter((v) => v.samples.length > 0);
  const ceilings = new Map(ran.filter((v) => v.kind === 'ceiling').map((v) => [v.engine, v]));
  const wholeProcessYardsticks = new Map(ceilings);
  for (const v of ran) if (v.kind === 'process-ceiling') wholeProcessYardsticks.set(v.engine, v);
  return variants
    .filter((v) => v.samples.length > 0)
    .map((v) => {
      const seconds = summarize(v.samples.map((s) => s.seconds));
      const rows = median(v.samples.map((s) => s.rows));
      const cpu = median(v.samples.map((s) => s.cpuSeconds));
      const ceiling = ceilings.get(v.engine);
      const ceilingSeconds = ceiling ? median(ceiling.samples.map((s) => s.seconds)) : null;
      const yardstick = wholeProcessYardsticks.get(v.engine);
      const wallSeconds = summarize(v.samples.map((s) => s.wallSeconds));
      const db = v.samples.map((s) => s.dbCpuSeconds).filter((x): x is number => x !== null);
      const s3 = v.samples.map((s) => s.s3ServerCpuSeconds).filter((x): x is number => x !== null);
      const s3Cpu = s3.length > 0 ? median(s3) : null;
      const engineCsv = csvBytes[v.engine];
      return {
        id: v.id,
        engine: v.engine,
        kind: v.kind,
        label: v.label,
        seconds,
        wallSeconds,
        ratioToCeiling: ceilingSeconds ? seconds.median / ceilingSeconds : null,
        pairedRatioToCeiling: ceiling ? pairedRatio(v.samples, ceiling.samples, (s) => s.seconds) : null,
        wholeProcessRatio: yardstick ? wallSeconds.median / median(yardstick.samples.map((s) => s.wallSeconds)) : null,
        pairedWholeProcessRatio: yardstick ? pairedRatio(v.samples, yardstick.samples, (s) => s.wallSeconds) : null,
        rowsPerSecond: rows / seconds.median,
        csvMegabytesPerSecond: engineCsv !== undefined ? engineCsv / MB / seconds.median : null,
        peakRssMegabytes: summarize(v.samples.map((s) => s.peakRssBytes / MIB)),
        cpuSecondsPerMillionRows: (cpu * 1_000_000) / rows,
        dbCpuSeconds: db.length > 0 ? median(db) : null,
        s3ServerCpuSeconds: s3Cpu,
        s3ServerCpuShare: s3Cpu !== null ? s3Cpu / (s3Cpu + cpu) : null,
        lambdaUsdPerMillionRows: lambdaUsdPerMillionRows(seconds.median, cpu, rows, pricing),
        outputBytes: median(v.samples.map((s) => s.bytes)),
        otherCpuSeconds: median(v.samples.map((s) => s.otherCpuSeconds)),
        retries: v.samples.reduce((sum, s) => sum + s.retries, 0),
      };
    });
}

/**
 * The targets of issues 6, 14 and 16 that one session can judge. `previousPeakRssMb` is the exporter's
 * peak RSS from a session at 1,000,000 rows, for the "no growth with the table" target.
 */
export function evaluateTargets(
  summaries: readonly VariantSummary[],
  rows: number,
  previous?: { rows: number; exporterPeakRssMb: number },
): TargetVerdict[] {
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const verdicts: TargetVerdict[] = [];
  const ratio = (id: string, limit: number, name: string) => {
    const s = byId.get(id);
    if (!s || s.ratioToCeiling === null) return;
    verdicts.push({
      name,
      limit: `<= ${limit.toFixed(2)}x ceiling`,
      measured: `${s.ratioToCeiling.toFixed(2)}x (paired ${s.pairedRatioToCeiling?.toFixed(2) ?? '-'}x)`,
      met: s.ratioToCeiling <= limit,
    });
  };
  ratio('mariadb.exporter.file.none', 1.25, 'MariaDB -> local folder, uncompressed');
  ratio('postgres.exporter.file.none', 1.25, 'PostgreSQL -> local folder, uncompressed');
  ratio('mariadb.exporter.file.gzip', 1.6, 'MariaDB -> local folder, gzip');
  ratio('postgres.exporter.file.gzip', 1.6, 'PostgreSQL -> local folder, gzip');
  // Issue 14: the same, whole process (the built CLI as a user runs it, start-up included).
  const wholeProcess = (id: string, limit: number, name: string, yardstick: string) => {
    const s = byId.get(id);
    if (!s || s.wholeProcessRatio === null) return;
    verdicts.push({
      name,
      limit: `<= ${limit.toFixed(2)}x ${yardstick}`,
      measured: `${s.wholeProcessRatio.toFixed(2)}x (paired ${s.pairedWholeProcessRatio?.toFixed(2) ?? '-'}x), ${s.wallSeconds.median.toFixed(2)} s`,
      met: s.wholeProcessRatio <= limit,
    });
  };
  const postgresYardstick = byId.has('postgres.psql-copy') ? 'psql \\copy, wall' : 'the COPY ceiling script, wall';
  wholeProcess('mariadb.exporter.file.none', 1.25, 'MariaDB -> local folder, whole process (built CLI)', 'the mysql2 ceiling script, wall');
  wholeProcess('postgres.exporter.file.none', 1.25, 'PostgreSQL -> local folder, whole process (built CLI)', postgresYardstick);
  wholeProcess('startup.cli-help', 3, '`rds-s3-export --help`, whole process', '`node -e 0`, wall');
  // Issue 16: Parquet to a local folder against CSV to a local folder, same table, same session.
  for (const [table, name] of [['mariadb.exporter.file', 'MariaDB'], ['postgres.exporter.file', 'PostgreSQL'], ['postgres.exporter.wide', 'PostgreSQL wide table (uuid, time)']] as const) {
    const parquet = byId.get(`${table}.parquet`);
    const csv = byId.get(`${table}.none`);
    if (!parquet || !csv) continue;
    const ratio = parquet.seconds.median / csv.seconds.median;
    const wall = parquet.wallSeconds.median / csv.wallSeconds.median;
    const cpu = parquet.cpuSecondsPerMillionRows / csv.cpuSecondsPerMillionRows;
    verdicts.push({
      name: `${name} -> local folder, Parquet against CSV`,
      limit: '<= 2.00x the CSV time',
      measured: `${ratio.toFixed(2)}x (wall ${wall.toFixed(2)}x, CPU ${cpu.toFixed(2)}x), ${parquet.seconds.median.toFixed(2)} s against ${csv.seconds.median.toFixed(2)} s`,
      met: ratio <= 2,
    });
  }
  // The target is set on the benchmark table; the wide table's peak is in the table above (it
  // follows a row group's bytes, docs/parquet-writer-choice.md).
  const parquetRss = summaries.filter((s) => s.kind === 'exporter' && s.id.endsWith('.file.parquet')).map((s) => s.peakRssMegabytes.max);
  if (parquetRss.length > 0) {
    const peak = Math.max(...parquetRss);
    verdicts.push({
      name: `exporter peak RSS at ${rows.toLocaleString('en-US')} rows, Parquet`,
      limit: '<= 300 MB',
      measured: `${peak.toFixed(0)} MiB`,
      met: peak * MIB <= 300 * MB,
      ...(rows < 10_000_000 ? { note: 'the target is set at 10,000,000 rows: run with --rows 10000000' } : {}),
    });
  }
  // The CSV paths' bound (issue 6); Parquet holds a row group and has its own bound above.
  const exporterRss = summaries.filter((s) => s.kind === 'exporter' && s.engine !== 'startup' && !s.id.endsWith('.parquet')).map((s) => s.peakRssMegabytes.max);
  if (exporterRss.length > 0) {
    const peak = Math.max(...exporterRss);
    verdicts.push({
      name: `exporter peak RSS at ${rows.toLocaleString('en-US')} rows (any destination, CSV)`,
      limit: '<= 200 MB',
      measured: `${peak.toFixed(0)} MiB`,
      met: peak * MIB <= 200 * MB,
      ...(rows < 10_000_000 ? { note: 'the target is set at 10,000,000 rows: run with --rows 10000000' } : {}),
    });
    if (previous && previous.rows !== rows) {
      const growth = peak - previous.exporterPeakRssMb;
      verdicts.push({
        name: `exporter peak RSS growth, ${previous.rows.toLocaleString('en-US')} -> ${rows.toLocaleString('en-US')} rows`,
        limit: '<= 30 MB',
        measured: `${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MiB`,
        met: Math.abs(growth) * MIB <= 30 * MB,
      });
    }
  }
  return verdicts;
}

const fmt = (value: number | null | undefined, digits: number): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Three significant digits: the amounts are fractions of a cent. */
const usd = (value: number): string => (Number.isFinite(value) ? `$${value.toPrecision(3)}` : '-');

/** The markdown table (one line per variant, ceilings first per engine) and the notes under it. */
export function renderMarkdown(
  summaries: readonly VariantSummary[],
  meta: { rows: number; reps: number; machine: string; pricing?: LambdaPricing },
  targets: readonly TargetVerdict[] = [],
): string {
  const pricing = meta.pricing ?? DEFAULT_PRICING;
  const lines: string[] = [];
  lines.push(
    `${thousands(meta.rows)} rows, ${meta.reps} interleaved repetitions per variant; ${meta.machine}`,
    '',
    '| path | time s, median (min-max) | x ceiling | wall s (whole process) | x ceiling, whole process | rows/s | CSV MB/s | output MB | peak RSS MiB | CPU s / 1M rows | DB server CPU s | Lambda $ / 1M rows |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of summaries.filter((x) => x.engine !== 'startup')) {
    lines.push(
      `| ${s.label} | ${fmt(s.seconds.median, 2)} (${fmt(s.seconds.min, 2)}-${fmt(s.seconds.max, 2)}) | ${
        s.kind === 'ceiling' ? '1.00' : fmt(s.ratioToCeiling, 2)
      } | ${fmt(s.wallSeconds.median, 2)} | ${fmt(s.wholeProcessRatio, 2)} | ${thousands(s.rowsPerSecond)} | ${fmt(s.csvMegabytesPerSecond, 1)} | ${
        s.outputBytes > 0 ? fmt(s.outputBytes / MB, 1) : '-'
      } | ${fmt(s.peakRssMegabytes.median, 0)} | ${fmt(s.cpuSecondsPerMillionRows, 2)} | ${fmt(s.dbCpuSeconds, 2)} | ${usd(s.lambdaUsdPerMillionRows)} |`,
    );
  }
  const startup = summaries.filter((x) => x.engine === 'startup');
  if (startup.length > 0) {
    lines.push('', 'Start-up, whole process:', '', '| command | wall ms, median (min-max) | x `node -e 0` | peak RSS MiB |', '|---|---|---|---|');
    for (const s of startup) {
      const ms = (x: number) => fmt(x * 1000, 0);
      lines.push(
        `| ${s.label} | ${ms(s.wallSeconds.median)} (${ms(s.wallSeconds.min)}-${ms(s.wallSeconds.max)}) | ${fmt(s.wholeProcessRatio, 2)} | ${fmt(s.peakRssMegabytes.median, 0)} |`,
      );
    }
  }
  const s3 = summaries.filter((s) => s.s3ServerCpuSeconds !== null);
  if (s3.length > 0) {
    lines.push('', 'S3 path (s3rver on loopback, in its own process):', '');
    for (const s of s3) {
      const file = summaries.find((f) => f.id === s.id.replace('.s3.', '.file.'));
      const vsFile = file ? ` time vs local folder ${fmt(s.seconds.median / file.seconds.median, 2)}x;` : '';
      lines.push(
        `- ${s.label}:${vsFile} s3rver used ${fmt(s.s3ServerCpuSeconds, 2)} CPU-s = ${fmt((s.s3ServerCpuShare ?? 0) * 100, 0)}% of the CPU of exporter + S3 server (${fmt(
          ((s.s3ServerCpuSeconds ?? 0) / s.seconds.median) * 100,
          0,
        )}% of one core over the run)`,
      );
    }
  }
  if (targets.length > 0) {
    lines.push('', '| target | limit | measured | met |', '|---|---|---|---|');
    for (const t of targets) {
      lines.push(`| ${t.name} | ${t.limit} | ${t.measured} | ${t.met === null ? '-' : t.met ? 'yes' : 'NO'}${t.note ? ` (${t.note})` : ''} |`);
    }
  }
  lines.push(
    '',
    'time: the work as timed inside the child (connect to last byte stored; the exporter: manifest durationMs), ' +
      'each run a separate process; x ceiling: median / median of the same engine\'s driver ceiling in this session; ' +
      'wall: spawn to exit as a user runs it (Node start-up and module loading included; the exporter is node_modules/.bin/rds-s3-export); ' +
      'x ceiling, whole process: median wall / median wall of the driver ceiling script (PostgreSQL: of psql \\copy when it ran); ' +
      'CSV MB/s: uncompressed CSV size of the table (10^6 bytes) / time; peak RSS: VmHWM sampled from /proc every 20 ms; ' +
      'CPU: user+system of the child process (DB server CPU separately); a run during which other processes used ' +
      'more than a quarter of a core is repeated (up to --max-retries times).',
    `Lambda cost: ${pricing.description}.`,
  );
  return lines.join('\n');
}
