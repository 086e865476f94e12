/**
 * A real OpenID Connect provider for the sign-in end-to-end test (oidc-provider, in process),
 * set up the way the stack sets up Cognito for the dashboard:
 *
 *   - discovery at `<issuer>/.well-known/openid-configuration`, keys at its jwks_uri (RS256);
 *   - one public app client (no secret, `token_endpoint_auth_method: none`), authorization code
 *     flow with PKCE (S256, required), refresh tokens (Cognito issues them with the code flow);
 *   - access tokens are JWTs for the app client, checked by the API like API Gateway does;
 *   - a login page (the "managed login") with one test user and password; no consent screen
 *     (Cognito shows none to a first-party app client);
 *   - RP-initiated sign-out that ends the provider session.
 *
 * The signing key is generated here and exposed, so the test can forge the tokens the API must
 * refuse (expired ones signed with the real key).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type GenerateKeyPairResult, type JWK } from 'jose';
import Provider from 'oidc-provider';

export const TEST_USER = { sub: '5f1c0c4e-test-user', email: 'ops@example.com', password: 'correct horse battery staple 1!' } as const;
export const CLIENT_ID = 'dashboard-e2e-client';
/** The API as a resource server; its tokens are issued for the app client (aud = client id), like Cognito's. */
const API_RESOURCE = 'urn:rds-s3-export:dashboard-api';
const API_SCOPE = 'openid email profile';

export interface TestIdentityProvider {
  readonly issuer: string;
  readonly signingKey: GenerateKeyPairResult['privateKey'];
  readonly kid: string;
  /** Every token endpoint request, by grant type (authorization_code, refresh_token). */
  readonly tokenRequests: string[];
  stop(): Promise<void>;
}

export interface TestIdentityProviderOptions {
  /** The app's URL: redirect and post-logout URI. */
  readonly appUrl: string;
  /** @default 600 */
  readonly accessTokenTtlSeconds?: number;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font-family:sans-serif;max-width:360px;margin:40px auto}label{display:block;margin:8px 0}input{width:100%;padding:6px}button{margin-top:12px;padding:6px 16px}</style></head><body><h1>${title}</h1>${body}</body></html>`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startTestIdentityProvider(options: TestIdentityProviderOptions): Promise<TestIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'e2e-signing-key';
  const signingJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  void publicKey;

  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  // "localhost", not 127.0.0.1: another origin (and cookie jar) than the app's, as Cognito's domain is.
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const appOrigin = new URL(options.appUrl).origin;
  const tokenRequests: string[] = [];

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_name: 'RDS → S3 exports dashboard',
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [options.appUrl],
        post_logout_redirect_uris: [options.appUrl],
      },
    ],
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['e2e-cookie-key-not-a-secret'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Cognito puts the user's claims in the ID token.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) =>
      id === TEST_USER.sub ? { accountId: id, claims: () => ({ sub: id, email: TEST_USER.email, email_verified: true }) } : undefined,
    // Only the app's origin may call the token endpoint from a browser.
    clientBasedCORS: (_ctx: unknown, origin: string) => origin === appOrigin,
    issueRefreshToken: () => true,
    ttl: { AccessToken: options.accessTokenTtlSeconds ?? 600, IdToken: options.accessTokenTtlSeconds ?? 600, RefreshToken: 3600, Session: 3600, Interaction: 600, Grant: 3600 },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: { body: string }, form: string) => {
          ctx.body = page('Sign out', `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
        },
        postLogoutSuccessSource: (ctx: { body: string }) => {
          ctx.body = page('Signed out', '<p>You are signed out.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: API_SCOPE, audience: CLIENT_ID, accessTokenFormat: 'jwt', accessTokenTTL: options.accessTokenTtlSeconds ?? 600, jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    // A first-party app client: grant what it asks for without a consent screen (as Cognito).
    loadExistingGrant: async (ctx: { oidc: { client: { clientId: string }; session: { accountId: string; grantIdFor(id: string): string | undefined }; result?: { consent?: { grantId?: string } }; provider: Provider } }) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(API_SCOPE);
      grant.addResourceScope(API_RESOURCE, API_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
  });
  provider.on('grant.success', (ctx) => {
    const grantType = (ctx as { oidc?: { params?: { grant_type?: string } } }).oidc?.params?.grant_type;
    if (grantType) tokenRequests.push(grantType);
  });
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'POST') {
      const form = await readForm(req);
      if (form.get('username') === TEST_USER.email && form.get('password') === TEST_USER.password) {
        return provider.interactionFinished(req, res, { login: { accountId: TEST_USER.sub } }, { mergeWithLastSubmission: false });
      }
      return html(res, 401, loginForm(uid, 'Incorrect username or password.'));
    }
    return html(res, 200, loginForm(uid));
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (match) {
      void interaction(req, res, match[1] as string).catch((error: unknown) => html(res, 400, page('Sign-in failed', `<p>${escapeHtml(String(error))}</p>`)));
      return;
    }
    callback(req, res);
  });

  return {
    issuer,
    signingKey: privateKey,
    kid,
    tokenRequests,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function loginForm(uid: string, error?: string): string {
  return page(
    'Sign in',
    `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}<form method="post" action="/interaction/${uid}" autocomplete="off">
<label>Email <input name="username" type="email" required></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button></form>`,
  );
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** A token the API must refuse, with the claims it asks for (issuer, client). */
export function forgeToken(provider: TestIdentityProvider, claims: Record<string, unknown>, key: GenerateKeyPairResult['privateKey'] = provider.signingKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: provider.issuer, aud: CLIENT_ID, client_id: CLIENT_ID, sub: TEST_USER.sub, iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: provider.kid, typ: 'at+jwt' })
    .sign(key);
}
