/**
 * The dashboard API: one handler, `(request) => response`, behind API Gateway (src/lambda) or
 * the local server (src/local). Inputs are validated with the shared zod contract; every error
 * is `{ error: { code, message } }` with a message safe to show (no stack, no bucket internals).
 *
 * Routes:
 *   GET  /api/jobs                          every job: health, last run, next run, recent rows
 *   GET  /api/jobs/{job}/runs?limit&cursor  history, newest first (manifests + failed summaries)
 *   GET  /api/runs/{runId}                  manifest + the run's log lines
 *   POST /api/runs/{runId}/download {key}   presigned GET (5 min) for a key of that run's manifest
 */
import { DEFAULT_RUN_LOG_LIMIT, runCursorProblem, type RunLogReader } from '@rds-s3-export/aws';
import {
  DownloadRequestSchema,
  JobNameParamSchema,
  RunIdParamSchema,
  RunsQuerySchema,
  errorClasses,
  formatIssues,
  isRdsExportError,
  parseRunId,
  type DownloadResponse,
  type JobConfig,
  type JobsResponse,
  type LogLine,
  type RunDetailResponse,
} from '@rds-s3-export/shared-types';
import type { z } from 'zod';
import { ApiError, errorResponse, json, type ApiRequest, type ApiResponse } from './http.js';
import { RETRY_HORIZON_MS, jobOverview, runHistory, type ExportCatalogPort } from './history.js';

export interface ApiDependencies {
  readonly jobs: () => ReadonlyMap<string, JobConfig>;
  /** The catalog of the bucket a job writes to. */
  readonly catalogFor: (job: JobConfig) => ExportCatalogPort;
  readonly logs: RunLogReader;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Where unexpected errors are reported in full (they reach the caller only as a code). @default console.error */
  readonly reportError?: (error: unknown, request: ApiRequest) => void;
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse>;

/** Bodies larger than this are refused before parsing. */
export const MAX_BODY_BYTES = 16 * 1024;

export function createApiHandler(deps: ApiDependencies): ApiHandler {
  const now = deps.now ?? (() => new Date());
  const report = deps.reportError ?? ((error: unknown) => console.error(error));

  const jobOf = (name: string): JobConfig => {
    const job = deps.jobs().get(name);
    if (!job) throw new ApiError(404, 'JOB_NOT_FOUND', `no job named "${name}"`);
    return job;
  };

  const routes: { pattern: RegExp; methods: Record<string, (params: string[], request: ApiRequest) => Promise<ApiResponse>> }[] = [
    {
      pattern: /^\/api\/jobs\/?$/,
      methods: {
        GET: async () => {
          const at = now();
          const jobs = await Promise.all([...deps.jobs().values()].map((job) => jobOverview(job, deps.catalogFor(job), deps.logs, at)));
          const body: JobsResponse = { generatedAt: at.toISOString(), jobs };
          return json(200, body);
        },
      },
    },
    {
      pattern: /^\/api\/jobs\/([^/]+)\/runs\/?$/,
      methods: {
        GET: async ([rawJob], request) => {
          const job = jobOf(validate(JobNameParamSchema, decodeSegment(rawJob), 'job'));
          const query = validate(RunsQuerySchema, request.query, 'query');
          if (query.cursor && parseRunId(query.cursor)?.job !== job.name) {
            throw new ApiError(400, 'INVALID_REQUEST', `query.cursor: is not a run of job "${job.name}"`);
          }
          // A cursor far in the past or future names no run and would make the walk list every month in between.
          const problem = query.cursor ? runCursorProblem(query.cursor, now()) : null;
          if (problem) throw new ApiError(400, 'CURSOR_OUT_OF_RANGE', `query.cursor: ${problem}`);
          return json(200, await runHistory(job, deps.catalogFor(job), deps.logs, { limit: query.limit, cursor: query.cursor, now: now() }));
        },
      },
    },
    {
      pattern: /^\/api\/runs\/([^/]+)\/?$/,
      methods: { GET: async ([rawRunId]) => json(200, await runDetail(validateRunId(rawRunId))) },
    },
    {
      pattern: /^\/api\/runs\/([^/]+)\/download\/?$/,
      methods: { POST: async ([rawRunId], request) => json(200, await download(validateRunId(rawRunId), request.body)) },
    },
  ];

  function validateRunId(raw: string | undefined): { runId: string; job: JobConfig; time: Date } {
    const runId = validate(RunIdParamSchema, decodeSegment(raw), 'runId');
    const parsed = parseRunId(runId);
    if (!parsed) throw new ApiError(400, 'INVALID_REQUEST', 'runId: is not a valid date and time');
    return { runId, job: jobOf(parsed.job), time: parsed.time };
  }

  async function runDetail({ runId, job, time }: { runId: string; job: JobConfig; time: Date }): Promise<RunDetailResponse> {
    const manifest = await deps.catalogFor(job).readManifest(job.name, runId);
    // The run's lines are logged between its slot and its commit; a slot that has not committed
    // can still be retried for 24 h, so its window reaches that far (never past now).
    const to = manifest ? new Date(manifest.finishedAt) : new Date(Math.min(now().getTime(), time.getTime() + RETRY_HORIZON_MS));
    const { lines, truncated } = await deps.logs.runLogs(runId, { from: time, to }, DEFAULT_RUN_LOG_LIMIT);
    const failedSummary = [...lines].reverse().find((line) => line.message === 'run summary' && line.fields['status'] === 'failed');
    if (!manifest && lines.length === 0) throw new ApiError(404, 'RUN_NOT_FOUND', `no run "${runId}": no manifest and no log lines`);
    return {
      runId,
      job: job.name,
      status: manifest ? 'committed' : failedSummary ? 'failed' : 'running',
      manifest,
      failure: failedSummary ? failureOf(failedSummary) : null,
      logs: lines,
      logsTruncated: truncated,
    };
  }

  async function download({ runId, job }: { runId: string; job: JobConfig }, rawBody: string | null): Promise<DownloadResponse> {
    const { key } = validate(DownloadRequestSchema, parseJsonBody(rawBody), 'body');
    refuseForeignKey(key, job);
    const catalog = deps.catalogFor(job);
    const manifest = await catalog.readManifest(job.name, runId);
    if (!manifest) throw new ApiError(404, 'RUN_NOT_FOUND', `run "${runId}" has no manifest (not committed)`);
    // Only keys the commit marker lists are ever signed.
    if (!manifest.objects.some((object) => object.key === key)) {
      throw new ApiError(404, 'OBJECT_NOT_IN_MANIFEST', `"${key}" is not an object of run "${runId}"`);
    }
    const signed = await catalog.presignDownload(key, { now: now() });
    return { url: signed.url, key, filename: signed.filename, expiresAt: signed.expiresAt.toISOString() };
  }

  return async function handle(request: ApiRequest): Promise<ApiResponse> {
    try {
      const path = request.path;
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        const method = request.method.toUpperCase();
        const run = route.methods[method];
        if (!run) {
          const allow = Object.keys(route.methods).join(', ');
          throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allow}`, { allow });
        }
        if (request.body !== null && Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
          throw new ApiError(413, 'BODY_TOO_LARGE', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
        }
        return await run(match.slice(1), request);
      }
      throw new ApiError(404, 'NOT_FOUND', 'no such API route');
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error.status, error.code, error.message, error.headers);
      report(error, request);
      if (isRdsExportError(error)) {
        // Adapter failures (S3, CloudWatch Logs): the class and code tell the operator where to look.
        return errorResponse(502, error.code, `the ${error.errorClass === 'config' ? 'dashboard configuration' : 'export store or run logs'} could not be read (${error.errorClass} error); try again or check the API's logs`);
      }
      return errorResponse(500, 'INTERNAL', 'internal error; see the API logs');
    }
  };
}

function validate<S extends z.ZodType>(schema: S, value: unknown, root: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'INVALID_REQUEST', formatIssues(parsed.error, root));
  return parsed.data;
}

function decodeSegment(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw new ApiError(400, 'INVALID_REQUEST', 'the path is not valid percent-encoding');
  }
}

function parseJsonBody(body: string | null): unknown {
  if (body === null || body.trim() === '') throw new ApiError(400, 'INVALID_REQUEST', 'body: expected a JSON object {"key": "..."}');
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError(400, 'INVALID_JSON', 'body: is not valid JSON');
  }
}

/**
 * Cheap refusals before any S3 call: traversal (`..`, `.`, empty segments), percent-encoding
 * (no exported key contains `%`, so any is an encoding trick), absolute keys and URLs (other
 * buckets), and anything outside the job's data prefix (manifests included).
 */
function refuseForeignKey(key: string, job: JobConfig): void {
  if (key.includes('%')) throw new ApiError(400, 'KEY_ENCODED', 'key: must not be percent-encoded');
  if (/^[a-z][a-z0-9+.-]*:/i.test(key) || key.startsWith('/')) throw new ApiError(400, 'KEY_FOREIGN', 'key: must be a key of the export bucket, not a URL or an absolute path');
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ApiError(400, 'KEY_TRAVERSAL', 'key: must not contain empty, "." or ".." segments');
  }
  const prefix = job.destination.prefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !key.startsWith(`${prefix}/`)) {
    throw new ApiError(400, 'KEY_OUTSIDE_PREFIX', `key: must be under the job's data prefix "${prefix}/"`);
  }
}

function failureOf(line: LogLine): RunDetailResponse['failure'] {
  const text = (name: string) => (typeof line.fields[name] === 'string' ? (line.fields[name] as string) : null);
  const errorClass = text('errorClass');
  return {
    errorClass: errorClasses.find((c) => c === errorClass) ?? null,
    code: text('code'),
    error: text('error'),
    at: line.timestamp,
  };
}
