/**
 * The dashboard's only way to the server: fetch + the shared zod contract. A response that
 * does not match the contract is an error, not a half-rendered page.
 */
import {
  ApiErrorBodySchema,
  DownloadResponseSchema,
  JobsResponseSchema,
  RunDetailResponseSchema,
  RunsResponseSchema,
  type DownloadResponse,
  type JobsResponse,
  type RunDetailResponse,
  type RunsResponse,
} from '@rds-s3-export/shared-types';
import type { z } from 'zod';

export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How calls reach the API: its base URL and the caller's token (see auth/session.ts). */
export interface ApiSession {
  /** Prefix of `/api/...`; "" = the page's origin. */
  readonly base: string;
  /** undefined = send no Authorization header (local mode). */
  readonly accessToken: () => Promise<string | undefined>;
  /** Called on every 401: the session is over. */
  readonly rejected: () => void;
  readonly requiresToken: boolean;
}

const LOCAL_API: ApiSession = { base: '', accessToken: () => Promise.resolve(undefined), rejected: () => undefined, requiresToken: false };
let session: ApiSession = LOCAL_API;

/** Set once at start-up (main.tsx); tests reset it with `configureApi()`. */
export function configureApi(next: ApiSession = LOCAL_API): void {
  session = next;
}

async function request<S extends z.ZodType>(path: string, schema: S, init?: RequestInit): Promise<z.infer<S>> {
  const token = await session.accessToken();
  if (session.requiresToken && !token) {
    session.rejected();
    throw new ApiClientError(401, 'SESSION_EXPIRED', 'your session has expired: sign in again');
  }
  let response: Response;
  try {
    response = await fetch(`${session.base}${path}`, {
      ...init,
      headers: { accept: 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...init?.headers },
    });
  } catch {
    throw new ApiClientError(0, 'NETWORK', 'the dashboard API cannot be reached; is it running?');
  }
  // API Gateway's JWT authorizer answers 401 with its own body ({"message":"Unauthorized"}).
  if (response.status === 401) {
    session.rejected();
    throw new ApiClientError(401, 'UNAUTHORIZED', 'the API refused your sign-in (expired or invalid): sign in again');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiClientError(response.status, 'BAD_RESPONSE', `the API answered HTTP ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const parsed = ApiErrorBodySchema.safeParse(body);
    if (parsed.success) throw new ApiClientError(response.status, parsed.data.error.code, parsed.data.error.message);
    throw new ApiClientError(response.status, 'HTTP_ERROR', `the API answered HTTP ${response.status}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiClientError(response.status, 'BAD_RESPONSE', 'the API answered in a shape this dashboard does not understand (versions out of step?)');
  return parsed.data;
}

export const api = {
  jobs: (): Promise<JobsResponse> => request('/api/jobs', JobsResponseSchema),
  runs: (job: string, { limit, cursor }: { limit: number; cursor?: string | undefined }): Promise<RunsResponse> => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return request(`/api/jobs/${encodeURIComponent(job)}/runs?${query}`, RunsResponseSchema);
  },
  run: (runId: string): Promise<RunDetailResponse> => request(`/api/runs/${encodeURIComponent(runId)}`, RunDetailResponseSchema),
  download: (runId: string, key: string): Promise<DownloadResponse> =>
    request(`/api/runs/${encodeURIComponent(runId)}/download`, DownloadResponseSchema, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    }),
};

/**
 * Hands the presigned URL to the browser. The object is served with
 * `Content-Disposition: attachment`, so navigating to it saves the file and keeps this page.
 */
export function startDownload(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.rel = 'noopener noreferrer';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
