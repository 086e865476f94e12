/**
 * The transport-neutral request/response of the dashboard API, so one handler serves API
 * Gateway (src/lambda) and the local Node server (src/local) alike.
 */
import type { ApiErrorBody } from '@rds-s3-export/shared-types';

export interface ApiRequest {
  readonly method: string;
  /** Raw (still percent-encoded) path, e.g. `/api/jobs/employees/runs`. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Raw body text, or null. */
  readonly body: string | null;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An error the API answers with as is: status, stable code and a message safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): ApiResponse {
  const body: ApiErrorBody = { error: { code, message } };
  return json(status, body, headers);
}
