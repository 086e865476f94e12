/**
 * The local server's stand-in for API Gateway's JWT authorizer (HTTP API, Cognito issuer), for
 * the "auth required" mode: the same checks, in the same order of trust, with `jose`.
 *
 *   - `Authorization: Bearer <JWT>` (API Gateway also takes the bare token; so does this);
 *   - the signature, with a key of the issuer's JWKS (found through its discovery document,
 *     `<issuer>/.well-known/openid-configuration`), RS256 only, as API Gateway;
 *   - `iss` equal to the configured issuer;
 *   - `aud` one of the audiences or, when the token has no `aud` (Cognito access tokens),
 *     `client_id` one of them;
 *   - `exp` in the future, `nbf` and `iat` not in the future (no clock tolerance).
 *
 * Anything else is 401 `{"message":"Unauthorized"}`, API Gateway's answer, with no detail for
 * the caller (the reason goes to `onReject` for the server's log).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

export interface JwtAuthorizerSettings {
  /** The issuer, exactly as in the tokens' `iss` (Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
  readonly issuer: string;
  /** Accepted `aud` / `client_id` values: the app client ids. */
  readonly audience: readonly string[];
  /** @default the discovery document's jwks_uri */
  readonly jwksUri?: string;
}

export type AuthorizerResult = { readonly ok: true; readonly claims: JWTPayload } | { readonly ok: false; readonly reason: string };

export type JwtAuthorizer = (authorization: string | undefined) => Promise<AuthorizerResult>;

/** The authorizer's settings or the issuer's discovery document are unusable (a server-side problem, answered 500). */
export class JwtAuthorizerConfigError extends Error {
  override readonly name = 'JwtAuthorizerConfigError';
  readonly code = 'AUTH_CONFIG_INVALID';
}

export function createJwtAuthorizer(settings: JwtAuthorizerSettings, fetchImpl: typeof fetch = fetch): JwtAuthorizer {
  if (settings.audience.length === 0) throw new JwtAuthorizerConfigError('audience: give at least one app client id (DASHBOARD_AUTH_AUDIENCE)');
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () => {
    jwks ??= (async () => {
      const uri = settings.jwksUri ?? (await discoverJwksUri(settings.issuer, fetchImpl));
      return createRemoteJWKSet(new URL(uri));
    })().catch((error: unknown) => {
      jwks = undefined; // try discovery again on the next request
      throw error;
    });
    return jwks;
  };

  return async (authorization) => {
    const token = bearerToken(authorization);
    if (!token) return { ok: false, reason: 'no bearer token' };
    try {
      const { payload } = await jwtVerify(token, await keys(), { issuer: settings.issuer, algorithms: ['RS256'], requiredClaims: ['exp', 'iat'], clockTolerance: 0 });
      if (typeof payload.iat === 'number' && payload.iat > Math.ceil(Date.now() / 1000)) return { ok: false, reason: 'iat is in the future' };
      const audiences = payload.aud === undefined ? (typeof payload.client_id === 'string' ? [payload.client_id] : []) : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.some((value) => settings.audience.includes(value))) return { ok: false, reason: `neither aud nor client_id is one of the app clients` };
      return { ok: true, claims: payload };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return { ok: false, reason: `${error.code}: ${error.message}` };
      throw error;
    }
  };
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:Bearer\s+)?([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(header.trim());
  return match?.[1];
}

async function discoverJwksUri(issuer: string, fetchImpl: typeof fetch): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetchImpl(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new JwtAuthorizerConfigError(`issuer ${issuer}: ${url} answered HTTP ${response.status}`);
  const body = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (body.issuer !== issuer) throw new JwtAuthorizerConfigError(`issuer ${issuer}: its discovery document names the issuer ${String(body.issuer)}`);
  if (typeof body.jwks_uri !== 'string') throw new JwtAuthorizerConfigError(`issuer ${issuer}: its discovery document has no jwks_uri`);
  return body.jwks_uri;
}
