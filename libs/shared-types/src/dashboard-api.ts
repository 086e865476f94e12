/**
 * The dashboard's HTTP contract (apps/dashboard-api serves it, apps/dashboard reads it).
 * Request parameters are validated with these schemas on the server; responses are parsed
 * with them in the browser, so a drift between the two fails loudly instead of rendering junk.
 */
import { z } from 'zod';
import { ErrorClassSchema } from './error-class.js';
import { CursorSchema, ManifestSchema } from './manifest.js';
import { EngineSchema } from './job-config.js';
import { JOB_NAME_PATTERN } from './naming-rules.js';
import { RUN_ID_PATTERN } from './object-keys.js';

export const JobNameParamSchema = z.string().regex(JOB_NAME_PATTERN, 'must be a job name: lowercase letters, digits, "_" or "-"');
export const RunIdParamSchema = z.string().regex(RUN_ID_PATTERN, 'must be a run id: <job>_YYYYMMDD_HHMMSS');

export const DEFAULT_RUNS_PAGE_SIZE = 20;
export const MAX_RUNS_PAGE_SIZE = 100;

/**
 * `GET /api/jobs/{job}/runs?limit&cursor`: cursor is the previous page's `nextCursor` (a run id);
 * one before 2000 or more than 31 days ahead is refused (400 CURSOR_OUT_OF_RANGE).
 */
export const RunsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_RUNS_PAGE_SIZE).default(DEFAULT_RUNS_PAGE_SIZE),
    cursor: RunIdParamSchema.optional(),
  })
  .strict();
export type RunsQuery = z.infer<typeof RunsQuerySchema>;

/** `POST /api/runs/{runId}/download` body: one key of that run's manifest, nothing else. */
export const DownloadRequestSchema = z
  .object({
    key: z
      .string()
      .min(1)
      .max(1024)
      .refine((key) => !/[\u0000-\u001f\u007f\\]/.test(key), 'must not contain control characters or "\\"'),
  })
  .strict();
export type DownloadRequest = z.infer<typeof DownloadRequestSchema>;

export const JobHealthSchema = z.enum(['ok', 'failing', 'stale', 'never-run']);
export type JobHealth = z.infer<typeof JobHealthSchema>;

/** One row of a job's history: a committed run (from its manifest) or a failed one (from its run summary). */
export const RunListItemSchema = z.object({
  runId: z.string(),
  job: z.string(),
  status: z.enum(['committed', 'failed']),
  /** The slot the run id names (UTC ISO). History is ordered by it. */
  scheduledAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  objects: z.array(z.object({ key: z.string(), bytes: z.number().int().nonnegative() })),
  cursor: z.object({ from: CursorSchema.nullable(), to: CursorSchema.nullable() }).nullable(),
  /** Failed attempts of this slot logged before (or instead of) the commit. */
  failedAttempts: z.number().int().nonnegative(),
  errorClass: ErrorClassSchema.nullable(),
  errorCode: z.string().nullable(),
  error: z.string().nullable(),
});
export type RunListItem = z.infer<typeof RunListItemSchema>;

export const JobOverviewSchema = z.object({
  name: z.string(),
  engine: EngineSchema,
  source: z.string(),
  schedule: z.object({ expression: z.string(), timeZone: z.string() }).nullable(),
  /** Next slot of a `rate(...)` schedule (UTC ISO); null for cron or unscheduled jobs. */
  nextRunAt: z.string().nullable(),
  health: JobHealthSchema,
  /** One sentence on why the health is what it is. */
  healthReason: z.string(),
  lastRun: RunListItemSchema.nullable(),
  lastCommittedAt: z.string().nullable(),
  /** Newest first, for the rows-per-run chart. */
  recentRuns: z.array(z.object({ runId: z.string(), scheduledAt: z.string(), status: z.enum(['committed', 'failed']), rows: z.number() })),
});
export type JobOverview = z.infer<typeof JobOverviewSchema>;

export const JobsResponseSchema = z.object({ generatedAt: z.string(), jobs: z.array(JobOverviewSchema) });
export type JobsResponse = z.infer<typeof JobsResponseSchema>;

/**
 * `nextCursor`: pass it as `cursor` for the older runs; null when there are none. The server bounds
 * what one page may search (S3 LISTs), so a page may hold fewer runs than `limit`, even none, and
 * still have a `nextCursor`.
 */
export const RunsResponseSchema = z.object({ job: z.string(), runs: z.array(RunListItemSchema), nextCursor: z.string().nullable() });
export type RunsResponse = z.infer<typeof RunsResponseSchema>;

/** One structured log line of a run (Powertools JSON in CloudWatch Logs, or the local JSON-lines file). */
export const LogLineSchema = z.object({
  timestamp: z.string(),
  level: z.string(),
  message: z.string(),
  phase: z.string().nullable(),
  /** Every other field of the line (rows, keys, errorClass, ...). */
  fields: z.record(z.string(), z.unknown()),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const RunDetailResponseSchema = z.object({
  runId: z.string(),
  job: z.string(),
  /** `running`: log lines but neither a manifest nor a failed summary yet. */
  status: z.enum(['committed', 'failed', 'running']),
  manifest: ManifestSchema.nullable(),
  /** The failed run summary when there is no manifest (or the last failed attempt before the commit). */
  failure: z.object({ errorClass: ErrorClassSchema.nullable(), code: z.string().nullable(), error: z.string().nullable(), at: z.string() }).nullable(),
  logs: z.array(LogLineSchema),
  /** True when the run logged more lines than the API returns. */
  logsTruncated: z.boolean(),
});
export type RunDetailResponse = z.infer<typeof RunDetailResponseSchema>;

export const DownloadResponseSchema = z.object({ url: z.string(), key: z.string(), filename: z.string(), expiresAt: z.string() });
export type DownloadResponse = z.infer<typeof DownloadResponseSchema>;

export const ApiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;
