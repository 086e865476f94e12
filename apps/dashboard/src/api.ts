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

async function request<S extends z.ZodType>(path: string, schema: S, init?: RequestInit): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiClientError(0, 'NETWORK', 'the dashboard API cannot be reached; is it running?');
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
