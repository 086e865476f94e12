/**
 * Object keys and run ids. Everything is derived from the job name and the run time in UTC,
 * so a retry of the same schedule slot produces the same run id and the same keys.
 *
 * hive (default): <prefix>/<job>/dt=YYYY-MM-DD/<job>_YYYYMMDD_HHMMSS[_partNNNN].csv[.gz]
 * flat:           <prefix>/<job>_YYYYMMDD_HHMMSS.csv  (the seed layout: rds_exports/employees_20260222_101200.csv)
 * manifest:       <manifestPrefix>/<job>/<runId>.json
 */
export type Layout = 'hive' | 'flat';

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
  const extension = input.compression === 'gzip' ? '.csv.gz' : '.csv';
  const folder = input.layout === 'hive' ? `${input.job}/dt=${input.runTime.toISOString().slice(0, 10)}` : '';
  const join = (...parts: string[]) => parts.filter((p) => p !== '').join('/');
  return {
    runId,
    dataKey: (part) =>
      join(input.prefix, folder, `${runId}${part === undefined ? '' : `_part${String(part).padStart(4, '0')}`}${extension}`),
    manifestKey: join(input.manifestPrefix, input.job, `${runId}.json`),
  };
}

/** The manifest key of any run id (the manifest key does not depend on the layout). */
export function manifestKeyFor(manifestPrefix: string, job: string, runId: string): string {
  return [manifestPrefix, job, `${runId}.json`].filter((p) => p !== '').join('/');
}

/** The run time a run id names (`<job>_YYYYMMDD_HHMMSS`, UTC), or null if it is not one. */
export function runTimeOf(runId: string): Date | null {
  const m = /_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(runId);
  if (!m) return null;
  const time = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(time.getTime()) ? null : time;
}
