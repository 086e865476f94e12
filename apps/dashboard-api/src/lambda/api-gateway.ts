/**
 * API Gateway HTTP API (payload format 2.0) <-> the transport-neutral handler.
 * Only the fields the API uses are typed here, so no `@types/aws-lambda` is needed.
 */
import type { ApiRequest, ApiResponse } from '../api/http.js';

export interface ApiGatewayEventV2 {
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly http: { readonly method: string } };
}

export interface ApiGatewayResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export function fromApiGatewayEvent(event: ApiGatewayEventV2): ApiRequest {
  const query: Record<string, string> = {};
  // rawQueryString keeps repeated keys; the first one wins, as on the local server.
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) if (!(name in query)) query[name] = value;
  const body = event.body === undefined ? null : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return { method: event.requestContext.http.method, path: event.rawPath, query, body };
}

export function toApiGatewayResult(response: ApiResponse): ApiGatewayResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: false };
}
