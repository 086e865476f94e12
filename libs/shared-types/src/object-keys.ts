/**
 * Run ids and object keys: the one place that spells them. Everything is derived from the job
 * name and the run time in UTC, so a retry of the same schedule slot produces the same run id
 * and the same keys. Writers (export-core), readers (libs/aws export catalog, the dashboard
 * API, the CLI's and the demo's messages) and the staged-event schemas all use these functions.
 *
 * hive (default): <prefix>/<job>/dt=YYYY-MM-DD/<job>_YYYYMMDD_HHMMSS[_partNNNN].csv[.gz] (.parquet for Parquet output)
 * flat:           <prefix>/<job>_YYYYMMDD_HHMMSS.csv  (the seed layout: rds_exports/employees_20260222_101200.csv)
 * manifest:       <manifestPrefix>/<job>/<runId>.json
 */
export type Layout = 'hive' | 'flat';

/** `<job>_YYYYMMDD_HHMMSS` (UTC of the scheduled time). */
export const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}_\d{8}_\d{6}$/;

export interface KeyPlan {
  readonly runId: string;
  readonly dataKey: (part?: number) => string;
  readonly manifestKey: string;
}

export interface KeyPlanInput {
  readonly job: string;
  readonly runTime: Date;
  readonly prefix: string;
  readonly manifestPrefix: string;
  readonly layout: Layout;
  readonly compression: 'none' | 'gzip';
  /** @default 'csv'. Parquet objects are `.parquet` (compressed inside the file: `compression` does not apply). */
  readonly format?: 'csv' | 'parquet';
}

/** `YYYYMMDD_HHMMSS` in UTC. */
export function runStamp(time: Date): string {
  const iso = time.toISOString(); // 2026-02-22T10:12:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

export function runIdFor(job: string, runTime: Date): string {
  return `${job}_${runStamp(runTime)}`;
}

export function planKeys(input: KeyPlanInput): KeyPlan {
  if (Number.isNaN(input.runTime.getTime())) throw new RangeError('run time is not a valid date');
  const runId = runIdFor(input.job, input.runTime);
  const extension = input.format === 'parquet' ? '.parquet' : input.compression === 'gzip' ? '.csv.gz' : '.csv';
  const folder = input.layout === 'hive' ? `${input.job}/dt=${input.runTime.toISOString().slice(0, 10)}` : '';
  return {
    runId,
    dataKey: (part) => joinKey(input.prefix, folder, `${runId}${part === undefined ? '' : `_part${String(part).padStart(4, '0')}`}${extension}`),
    manifestKey: manifestKeyFor(input.manifestPrefix, input.job, runId),
  };
}

/** The manifest key of any run id (the manifest key does not depend on the layout). */
export function manifestKeyFor(manifestPrefix: string, job: string, runId: string): string {
  return joinKey(manifestPrefix, job, `${runId}.json`);
}

/** The folder holding a job's manifests, with its trailing slash (what the catalog lists). */
export function manifestFolderFor(manifestPrefix: string, job: string): string {
  return `${joinKey(manifestPrefix, job)}/`;
}

/** The job a run id belongs to and the UTC time its name carries, or null if it is not a run id. */
export function parseRunId(runId: string): { job: string; time: Date } | null {
  if (!RUN_ID_PATTERN.test(runId)) return null;
  const match = /^(.*)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(runId);
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(2).map(Number) as [number, number, number, number, number, number];
  const time = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject calendar nonsense (2026-02-31, 25:00) that the pattern lets through.
  if (time.getUTCMonth() !== mo - 1 || time.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return { job: match[1] as string, time };
}

/** The run time a run id names (`<job>_YYYYMMDD_HHMMSS`, UTC), or null if it is not one. */
export function runTimeOf(runId: string): Date | null {
  const m = /_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(runId);
  if (!m) return null;
  const time = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(time.getTime()) ? null : time;
}

function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
