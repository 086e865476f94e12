/**
 * A job's run history: committed runs from the manifests merged with failed runs from the run
 * summaries in the logs, newest first, paged by run id (run ids of one job sort by time).
 */
import type { FailedRun, RunLogReader } from '@rds-s3-export/aws';
import {
  parseRunId,
  ratePeriodMs,
  rateSlotAtOrBefore,
  type JobConfig,
  type JobHealth,
  type JobOverview,
  type Manifest,
  type RunListItem,
  type RunsResponse,
} from '@rds-s3-export/shared-types';

/** What the API needs from the export bucket of a job (S3ExportCatalog implements it). */
export interface ExportCatalogPort {
  /** `next`: where the following page resumes when `more` (see S3ExportCatalog: a page may stop early to bound its S3 cost). */
  listRunIds(job: string, options: { limit: number; before?: string; now?: Date }): Promise<{ runIds: string[]; more: boolean; next: string | null }>;
  readManifest(job: string, runId: string): Promise<Manifest | null>;
  presignDownload(key: string, options?: { expiresInSeconds?: number; now?: Date }): Promise<{ url: string; filename: string; expiresAt: Date }>;
}

/** EventBridge Scheduler retries a slot for up to 24 h (maximum event age): failures of a slot can be logged that late. */
export const RETRY_HORIZON_MS = 24 * 3_600_000;

/** Runs shown per job card (rows-per-run chart). */
export const RECENT_RUNS = 20;

export async function runHistory(
  job: JobConfig,
  catalog: ExportCatalogPort,
  logs: RunLogReader,
  { limit, cursor, now }: { limit: number; cursor?: string | undefined; now: Date },
): Promise<RunsResponse> {
  const manifests = await catalog.listRunIds(job.name, { limit, before: cursor, now });
  // When older manifests may exist, this page ends where the manifest walk stopped (the last
  // manifest, or the oldest month it could afford to search); older failures belong to later pages.
  const lowest = manifests.more ? (manifests.next ?? undefined) : undefined;
  const cursorTime = cursor ? parseRunId(cursor)?.time : undefined;
  const failures = await logs.failedRuns(job.name, {
    from: lowest ? (parseRunId(lowest)?.time ?? new Date(0)) : new Date(0),
    to: cursorTime ? new Date(Math.min(now.getTime(), cursorTime.getTime() + RETRY_HORIZON_MS)) : now,
  });

  const failedBySlot = new Map<string, FailedRun[]>();
  for (const failure of failures) {
    const runId = failure.summary.runId;
    if (parseRunId(runId)?.job !== job.name) continue;
    if (cursor !== undefined && runId >= cursor) continue;
    if (lowest !== undefined && runId < lowest) continue;
    failedBySlot.set(runId, [...(failedBySlot.get(runId) ?? []), failure]);
  }

  const committed = await Promise.all(
    manifests.runIds.map(async (runId) => {
      const manifest = await catalog.readManifest(job.name, runId);
      return manifest ? committedItem(manifest, failedBySlot.get(runId)?.length ?? 0) : null;
    }),
  );
  const items: RunListItem[] = committed.filter((item): item is RunListItem => item !== null);
  const committedIds = new Set(items.map((item) => item.runId));
  for (const [runId, attempts] of failedBySlot) {
    if (!committedIds.has(runId)) items.push(failedItem(runId, attempts));
  }
  items.sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  const runs = items.slice(0, limit);
  // A page the walk cut short may hold fewer runs than asked, even none, and still continue.
  const nextCursor = items.length > limit ? (runs.at(-1)?.runId ?? null) : manifests.more ? (lowest ?? null) : null;
  return { job: job.name, runs, nextCursor };
}

function committedItem(manifest: Manifest, failedAttempts: number): RunListItem {
  return {
    runId: manifest.runId,
    job: manifest.job,
    status: 'committed',
    scheduledAt: (parseRunId(manifest.runId)?.time ?? new Date(manifest.startedAt)).toISOString(),
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    durationMs: manifest.durationMs,
    rows: manifest.rows,
    bytes: manifest.bytes,
    objects: manifest.objects.map((object) => ({ key: object.key, bytes: object.bytes })),
    cursor: manifest.cursor,
    failedAttempts,
    errorClass: null,
    errorCode: null,
    error: null,
  };
}

/** A slot that has failed and has no manifest; described by its latest attempt. */
function failedItem(runId: string, attempts: FailedRun[]): RunListItem {
  const latest = [...attempts].sort((a, b) => b.at.localeCompare(a.at))[0] as FailedRun;
  const { summary } = latest;
  const finished = new Date(latest.at);
  return {
    runId,
    job: summary.job,
    status: 'failed',
    scheduledAt: (parseRunId(runId)?.time ?? finished).toISOString(),
    startedAt: new Date(finished.getTime() - summary.durationMs).toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: summary.durationMs,
    rows: 0,
    bytes: 0,
    objects: [],
    cursor: summary.cursor,
    failedAttempts: attempts.length,
    errorClass: summary.errorClass ?? null,
    errorCode: summary.code ?? null,
    error: summary.error ?? null,
  };
}

/** The overview card of a job: health, last run, next run, recent rows. */
export async function jobOverview(job: JobConfig, catalog: ExportCatalogPort, logs: RunLogReader, now: Date): Promise<JobOverview> {
  const { runs } = await runHistory(job, catalog, logs, { limit: RECENT_RUNS, now });
  const period = job.schedule ? ratePeriodMs(job.schedule.expression) : null;
  const lastRun = latestActivity(runs);
  const lastCommitted = latestActivity(runs.filter((run) => run.status === 'committed'));
  const { health, reason } = healthOf(lastRun, lastCommitted, period, now);
  return {
    name: job.name,
    engine: job.engine,
    source: job.table ? `table ${job.table}` : 'custom query',
    schedule: job.schedule ? { expression: job.schedule.expression, timeZone: job.schedule.timeZone } : null,
    nextRunAt: period ? new Date(rateSlotAtOrBefore(period, now).getTime() + period).toISOString() : null,
    health,
    healthReason: reason,
    lastRun,
    lastCommittedAt: lastCommitted?.finishedAt ?? null,
    recentRuns: runs.map((run) => ({ runId: run.runId, scheduledAt: run.scheduledAt, status: run.status, rows: run.rows })),
  };
}

/**
 * The run that happened last: latest finish (or start), not the newest slot. A retry or backfill
 * of an old slot that failed at 18:26 is what happened last even when the 17:50 slot committed;
 * the slot decides only between runs with no times.
 */
export function latestActivity(runs: readonly RunListItem[]): RunListItem | null {
  const at = (run: RunListItem) => run.finishedAt ?? run.startedAt ?? run.scheduledAt;
  let latest: RunListItem | null = null;
  for (const run of runs) {
    if (!latest || at(run) > at(latest) || (at(run) === at(latest) && run.scheduledAt > latest.scheduledAt)) latest = run;
  }
  return latest;
}

/**
 * never-run: nothing recorded; failing: the newest run failed; stale: no committed run within
 * two schedule periods (rate schedules only: cron gaps are not derivable here); ok otherwise.
 */
export function healthOf(lastRun: RunListItem | null, lastCommitted: RunListItem | null, periodMs: number | null, now: Date): { health: JobHealth; reason: string } {
  if (!lastRun) return { health: 'never-run', reason: 'no run has been recorded yet' };
  if (lastRun.status === 'failed') {
    const what = [lastRun.errorClass, lastRun.errorCode].filter(Boolean).join('/');
    return { health: 'failing', reason: `the latest run failed${what ? ` (${what})` : ''}` };
  }
  const committedAt = lastCommitted?.finishedAt ? Date.parse(lastCommitted.finishedAt) : Number.NaN;
  if (periodMs !== null && (Number.isNaN(committedAt) || now.getTime() - committedAt > 2 * periodMs)) {
    return { health: 'stale', reason: `no committed run in the last ${humanPeriod(2 * periodMs)} (two schedule periods)` };
  }
  return { health: 'ok', reason: 'the latest run committed on time' };
}

function humanPeriod(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}`;
  return `${Math.round(ms / 60_000)} minutes`;
}
