/**
 * Runtime settings of one deployment, read from `config.json` next to index.html (the stack
 * writes it; see apps/infra/src/constructs/dashboard-hosting.ts), so one build serves every
 * stage. The build ships `public/config.json` without an `auth` section: local mode (`npm start`,
 * `nx run dashboard:serve`), the API on the page's own origin and no sign-in. The stack replaces
 * it (the deployment excludes the build's copy). A missing config.json is local mode too.
 */
import { z } from 'zod';

const HttpsOrLoopbackUrl = z
  .string()
  .trim()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  }, 'must be an https:// URL (http:// only on 127.0.0.1 or localhost)');

export const AuthSettingsSchema = z.strictObject({
  /** The OpenID issuer: `https://cognito-idp.<region>.amazonaws.com/<user pool id>` for Cognito. */
  authority: HttpsOrLoopbackUrl,
  /** The user pool app client (public: no secret). */
  clientId: z.string().trim().min(1),
  /** Where the provider sends the browser back with `?code=`: the app's own URL. */
  redirectUri: HttpsOrLoopbackUrl,
  /** Where sign-out ends up. @default redirectUri */
  postLogoutRedirectUri: HttpsOrLoopbackUrl.optional(),
  /**
   * The provider's sign-out endpoint when its discovery document has none (Cognito: `https://<domain>/logout`,
   * which takes `client_id` and `logout_uri`). @default the discovery document's end_session_endpoint
   */
  signOutEndpoint: HttpsOrLoopbackUrl.optional(),
  /** @default "openid email profile" */
  scope: z.string().trim().min(1).optional(),
});
export type AuthSettings = z.infer<typeof AuthSettingsSchema>;

export const RuntimeConfigSchema = z.strictObject({
  /** Prefix of the API's `/api/...` paths: "" = the page's own origin (CloudFront routes /api/* to the API). @default "" */
  apiBase: z
    .string()
    .trim()
    .default('')
    .transform((value) => value.replace(/\/+$/, '')),
  /** Sign-in through the provider; absent = local mode, no sign-in. */
  auth: AuthSettingsSchema.optional(),
  /** Shown in the banner, e.g. "prod". */
  stage: z.string().trim().min(1).max(40).optional(),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;

export const LOCAL_CONFIG: RuntimeConfig = { apiBase: '' };

/** config.json is unreachable or invalid: the page says so instead of running without sign-in. */
export class RuntimeConfigError extends Error {
  override readonly name = 'RuntimeConfigError';
  readonly code = 'RUNTIME_CONFIG_INVALID';
}

/**
 * `config.json` relative to the page. 404 = local mode; anything else that is not a valid
 * config is an error (a deployed app must never fall back to "no sign-in" silently; the API
 * would refuse every call anyway).
 */
export async function loadRuntimeConfig(fetchImpl: typeof fetch = fetch, url = './config.json'): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetchImpl(url, { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch {
    throw new RuntimeConfigError('config.json cannot be loaded: the network is down or the site is unreachable');
  }
  if (response.status === 404) return LOCAL_CONFIG;
  if (!response.ok) throw new RuntimeConfigError(`config.json: the server answered HTTP ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    throw new RuntimeConfigError('config.json is not JSON: redeploy the stack, which writes it');
  }
  const parsed = RuntimeConfigSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RuntimeConfigError(`config.json: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}
