/**
 * The deployed dashboard's sign-in, end to end: the production build of the app (with the
 * config.json a stack writes next to it), `npm start`'s exporter demo and the API's local server
 * in "auth required" mode (the JWT checked as API Gateway's authorizer checks it), a real
 * OpenID Connect provider configured like the Cognito user pool (test-identity-provider.ts),
 * and Debian's Chromium driven by playwright-core.
 *
 * Proves: an unauthenticated visit goes to the provider's sign-in and comes back signed in;
 * jobs, history and a run load with a Bearer token on every call; a CSV downloads through its
 * presigned URL byte for byte; no token / an expired token / a token of another key get 401
 * and the app offers "sign in again"; the token is renewed silently with the refresh token;
 * sign-out ends the session. Screenshots go to test-output/e2e-sign-in/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DEMO_CONFIG_FILE } from '@rds-s3-export/demo';
import { localS3ClientConfig } from '@rds-s3-export/local-stack';
import { RunDetailResponseSchema } from '@rds-s3-export/shared-types';
import { generateKeyPair } from 'jose';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, forgeToken, startTestIdentityProvider, TEST_USER, type TestIdentityProvider } from './test-identity-provider.js';

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const SHOTS = resolve(fileURLToPath(new URL('../../test-output/e2e-sign-in/', import.meta.url)));
const CHROMIUM = '/usr/bin/chromium';
/** Short-lived access tokens, so that silent renewal (60 s before expiry) happens during the test. */
const ACCESS_TOKEN_TTL_SECONDS = 80;

let workDir: string;
let demo: ChildProcess | undefined;
let server: ChildProcess | undefined;
let output = '';
let appUrl: string;
let s3Endpoint: string;
let idp: TestIdentityProvider;
let context: BrowserContext | undefined;
const pageProblems: string[] = [];
/** "<status> <path>" of the refusals this test provokes on purpose (besides the 401s). */
const UNKNOWN_JOB = 'no-such-job';
const expectedRefusals = new Set([`404 /api/jobs/${UNKNOWN_JOB}/runs`]);
/** Authorization header of every /api request the page made. */
const apiCalls: { url: string; authorization: string | undefined }[] = [];
/** The page's requests to the provider: authorization (navigations) and token (fetch) calls. */
const providerCalls: { url: URL; body: URLSearchParams }[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Runs a TypeScript entry point of the repo (through tsx) and resolves once its output matches `ready`. */
function startChild(entry: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, entry)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  return new Promise((resolveReady, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      seen += chunk;
      if (ready.test(seen)) resolveReady(child);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`${entry} was not ready within 120 s:\n${output}`)), 120_000).unref();
  });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'dashboard-sign-in-e2e-'));
  await mkdir(SHOTS, { recursive: true });
  const [s3Port, dynamoPort, pgPort, dashboardPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  s3Endpoint = `http://127.0.0.1:${s3Port}`;
  appUrl = `http://127.0.0.1:${dashboardPort}/`;
  idp = await startTestIdentityProvider({ appUrl, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });

  // The production build, deployed as the stack deploys it: the files plus config.json.
  const staticDir = join(workDir, 'site');
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const built = spawnSync(process.execPath, [vite, 'build', '--mode', 'production', '--logLevel', 'warn', '--outDir', staticDir, '--emptyOutDir'], { cwd: join(ROOT, 'apps', 'dashboard'), encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  await writeFile(join(staticDir, 'config.json'), JSON.stringify({ apiBase: '', stage: 'e2e', auth: { authority: idp.issuer, clientId: CLIENT_ID, redirectUri: appUrl } }));

  // `npm start`'s two processes, started directly (not through its launcher, which would rebuild
  // dist/apps/dashboard while another e2e suite may be reading it): the exporter demo (one
  // committed run, no schedule) and the dashboard's local server in auth-required mode.
  const env = { ...process.env, RDS_S3_EXPORT_CONFIG: DEMO_CONFIG_FILE, DEMO_SCHEDULE: 'off', DEMO_DIR: workDir, DEMO_S3_PORT: String(s3Port), DEMO_DYNAMO_PORT: String(dynamoPort), DEMO_PG_PORT: String(pgPort) };
  demo = await startChild('tools/demo/src/start-demo.ts', env, /scheduled runs are off/);
  server = await startChild(
    'apps/dashboard-api/src/local/serve.ts',
    { ...env, DASHBOARD_PORT: String(dashboardPort), DASHBOARD_STATIC_DIR: staticDir, DASHBOARD_AUTH_ISSUER: idp.issuer, DASHBOARD_AUTH_AUDIENCE: CLIENT_ID },
    /dashboard: http:\/\/127\.0\.0\.1:\d+\//,
  );

  context = await chromium.launchPersistentContext(await mkdtemp(join(workDir, 'chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  for (const child of [server, demo]) {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGINT');
      await exited;
    }
  }
  await idp?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 60_000);

function watch(page: Page): void {
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Failed resources are checked below, with their URL (the 401s this test provokes are expected).
    if ((message.type() === 'error' || message.type() === 'warning') && !message.text().startsWith('Failed to load resource')) pageProblems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && response.status() !== 401 && !expectedRefusals.has(`${response.status()} ${new URL(response.url()).pathname}`)) pageProblems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(appUrl).origin && url.pathname.startsWith('/api/')) apiCalls.push({ url: request.url(), authorization: request.headers().authorization });
    if (url.origin === idp.issuer) providerCalls.push({ url, body: new URLSearchParams(request.postData() ?? '') });
  });
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const [scrollWidth, clientWidth] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, document.documentElement.clientWidth]');
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

const signInPage = (page: Page) => page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`));

async function signIn(page: Page): Promise<void> {
  await signInPage(page);
  await page.getByLabel('Email').fill(TEST_USER.email);
  await page.getByLabel('Password').fill(TEST_USER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(appUrl));
}

const api = (path: string, authorization?: string) => fetch(new URL(path, appUrl), authorization ? { headers: { authorization } } : {});

describe('Dashboard sign-in in Chromium: OpenID provider + API in auth-required mode', () => {
  it('signs in, loads every view with a Bearer token, downloads, refuses bad tokens, renews and signs out', async () => {
    const page = await context!.newPage();
    watch(page);

    // 1. Unauthenticated visit (deep link to a job): to the provider's sign-in page.
    await page.goto(`${appUrl}#/jobs/employees`);
    await signInPage(page);
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: join(SHOTS, '1-sign-in-redirect.png'), fullPage: true });
    // A wrong password stays on the provider.
    await page.getByLabel('Email').fill(TEST_USER.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Incorrect username or password.').waitFor();
    await page.goBack();
    await signIn(page);

    // 2. Back where the user wanted to go, signed in, ?code= gone from the address bar.
    await page.getByRole('heading', { name: 'Run history: employees' }).waitFor();
    expect(page.url()).toBe(`${appUrl}#/jobs/employees`);
    await page.getByText(`Signed in as ${TEST_USER.email}`).waitFor();
    expect(idp.tokenRequests).toContain('authorization_code');
    // The code flow with PKCE (S256) of a public client: no secret anywhere.
    const authorize = providerCalls.find((call) => call.url.pathname === '/auth')!.url.searchParams;
    expect(Object.fromEntries(['response_type', 'client_id', 'code_challenge_method', 'scope'].map((name) => [name, authorize.get(name)]))).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    expect(authorize.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const tokenCall = providerCalls.find((call) => call.url.pathname === '/token' && call.body.get('grant_type') === 'authorization_code')!.body;
    expect(tokenCall.get('code_verifier')).toMatch(/^[\w-]{43,128}$/);
    expect(tokenCall.get('client_id')).toBe(CLIENT_ID);
    expect(tokenCall.has('client_secret')).toBe(false);
    const runLink = page.getByRole('link', { name: /^Run employees_\d{8}_\d{6}$/ }).first();
    await runLink.waitFor();
    const runId = ((await runLink.getAttribute('aria-label')) ?? '').replace(/^Run /, '');
    // The slot and when the run started, and the cursor as readable UTC: PostgreSQL's
    // timestamptz text (`…062093+00`) stays only in the hover title.
    const firstRow = page.getByRole('row').nth(1);
    expect(await firstRow.locator('td[data-label="Slot"] time').getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00 UTC$/);
    expect(await firstRow.locator('td[data-label="Started"] time').getAttribute('title')).toMatch(/ UTC$/);
    const cursorRange = firstRow.locator('td[data-label="Cursor range"] span');
    expect(await cursorRange.textContent()).toMatch(/^start → \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})? UTC$/);
    expect(await cursorRange.getAttribute('title')).toMatch(/^from \(start\] to \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00, \d+\)$/);
    await page.screenshot({ path: join(SHOTS, '2-history-signed-in.png'), fullPage: true });

    // Tokens are in memory: nothing in localStorage, no token in sessionStorage.
    const stored = await page.evaluate<string>('JSON.stringify([Object.keys(localStorage), Object.values(sessionStorage)])');
    const token = apiCalls.at(-1)?.authorization?.replace(/^Bearer /, '') ?? '';
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain(token);
    expect(JSON.parse(stored)[0]).toEqual([]);

    // 3. Overview and run detail.
    await page.getByRole('link', { name: 'RDS → S3 exports' }).click();
    const card = page.getByRole('article', { name: 'employees' });
    await card.getByText('OK', { exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, '3-overview-signed-in.png'), fullPage: true });
    await page.goto(`${appUrl}#/runs/${runId}`);
    // A reload loses the in-memory tokens; the provider's session signs in again without a form.
    await page.getByRole('heading', { name: 'Manifest' }).waitFor();
    await page.getByText('run summary').first().waitFor();
    await page.screenshot({ path: join(SHOTS, '4-run-signed-in.png'), fullPage: true });

    // 4. The CSV through its presigned URL, byte for byte.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download CSV: / }).first().click()]);
    const downloaded = await readFile((await download.path()) as string);
    const bearer = apiCalls.at(-1)?.authorization as string;
    const detail = RunDetailResponseSchema.parse(await (await api(`api/runs/${runId}`, bearer)).json());
    const object = detail.manifest!.objects[0]!;
    const s3 = new S3Client(localS3ClientConfig(s3Endpoint));
    const objectBytes = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'rds-exports-local', Key: object.key }))).Body!.transformToByteArray());
    s3.destroy();
    expect(downloaded.equals(objectBytes)).toBe(true);
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(object.sha256);

    // Every API call of the page carried a Bearer token.
    expect(apiCalls.length).toBeGreaterThan(4);
    for (const call of apiCalls) expect(call.authorization, call.url).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);

    // 5. The API refuses a missing token, an expired one (the provider's own key) and one of another key.
    const expired = await forgeToken(idp, { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 });
    const otherKey = await forgeToken(idp, {}, (await generateKeyPair('RS256')).privateKey);
    expect((await api('api/jobs', bearer)).status).toBe(200);
    expect((await api('api/jobs', await forgeToken(idp, {}))).status).toBe(200); // the forging is right
    for (const [what, authorization] of [['no token', undefined], ['expired', `Bearer ${expired}`], ['another key', `Bearer ${otherKey}`]] as const) {
      const response = await api('api/jobs', authorization);
      expect(response.status, what).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });

      // The same refusal reaching the app: it ends the session and offers the sign-in.
      await page.route('**/api/**', (route) => {
        const headers = { ...route.request().headers() };
        if (authorization) headers.authorization = authorization;
        else delete headers.authorization;
        return route.continue({ headers });
      });
      await page.getByRole('button', { name: 'Refresh' }).first().click();
      const alert = page.getByRole('alert').filter({ hasText: 'Session expired' });
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Sign in again to continue.');
      await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
      if (what === 'expired') await page.screenshot({ path: join(SHOTS, '5-session-expired.png'), fullPage: true });
      await page.unroute('**/api/**');
      await alert.getByRole('button', { name: 'Sign in again' }).click();
      // The provider still has a session: straight back, no form; to the page the user was on.
      await page.getByRole('heading', { name: 'Manifest' }).waitFor();
      await page.getByText(`Signed in as ${TEST_USER.email}`).waitFor();
    }

    // 6. Silent renewal with the refresh token before the access token expires.
    const before = apiCalls.at(-1)?.authorization;
    await expect.poll(() => idp.tokenRequests.includes('refresh_token'), { timeout: 60_000, interval: 500 }).toBe(true);
    await page.getByRole('button', { name: 'Refresh' }).first().click();
    await expect.poll(() => apiCalls.at(-1)?.authorization !== before && apiCalls.at(-1)?.authorization?.startsWith('Bearer '), { timeout: 10_000 }).toBe(true);
    await page.getByText('run summary').first().waitFor();

    // An unknown job is a permanent 404: the way back to the jobs, no "Try again" (which could not help).
    await page.evaluate(`location.hash = '#/jobs/${UNKNOWN_JOB}'`);
    const notFound = page.getByRole('alert').filter({ hasText: 'Could not load this page.' });
    await notFound.waitFor();
    expect(await notFound.textContent()).toContain('(JOB_NOT_FOUND)');
    await notFound.getByRole('link', { name: 'Back to the jobs' }).waitFor();
    await expect(notFound.getByRole('button', { name: 'Try again' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^(Refresh|← Newer|Older →)$/ }).count()).resolves.toBe(0);
    await page.screenshot({ path: join(SHOTS, '6a-unknown-job-404.png'), fullPage: true });

    // 7. Layout with a failed run (the API's real answers, the newest run turned into a failure
    // with a long error): 1280 px gives the error the card's width, 375 px keeps the badge its
    // size and the log filter's placeholder whole.
    const longError = 'connection to the database timed out after 30 s: the security group of the Lambda function does not allow outbound traffic to port 5432 of the RDS instance';
    await page.route('**/api/jobs', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { jobs: { health: string; lastRun: Record<string, unknown> }[] };
      body.jobs[0]!.health = 'failing';
      (body.jobs[0] as Record<string, unknown>).healthReason = 'the latest run failed (timeout/DB_TIMEOUT)';
      body.jobs[0]!.lastRun = { ...body.jobs[0]!.lastRun, status: 'failed', errorClass: 'timeout', errorCode: 'DB_TIMEOUT', error: longError };
      await route.fulfill({ response, json: body });
    });
    await page.route('**/api/jobs/employees/runs*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { runs: Record<string, unknown>[] };
      body.runs[0] = { ...body.runs[0], status: 'failed', rows: 0, bytes: 0, objects: [], cursor: null, errorClass: 'timeout', errorCode: 'DB_TIMEOUT', error: longError };
      await route.fulfill({ response, json: body });
    });
    await page.getByRole('link', { name: 'RDS → S3 exports' }).click();
    const failingCard = page.getByRole('article', { name: 'employees' });
    const errorText = failingCard.getByText(longError.slice(0, 40), { exact: false });
    await errorText.waitFor();
    const [errorWidth, cardWidth] = [(await errorText.boundingBox())!.width, (await failingCard.boundingBox())!.width];
    expect(errorWidth / cardWidth).toBeGreaterThan(0.8);
    await page.screenshot({ path: join(SHOTS, '6-overview-failed-1280.png'), fullPage: true });

    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByRole('link', { name: 'Run history' }).click();
    const badge = page.getByRole('table').getByText('Failed', { exact: true });
    await badge.waitFor();
    expect((await badge.boundingBox())!.width).toBeLessThan(80);
    await page.getByRole('table').getByText('none (nothing committed)').waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, '7-history-failed-375.png'), fullPage: true });
    await page.unroute('**/api/jobs');
    await page.unroute('**/api/jobs/employees/runs*');
    await page.goto(`${appUrl}#/runs/${runId}`);
    await page.getByRole('heading', { name: 'Manifest' }).waitFor();
    // The placeholder fits its box (measured with the input's own font).
    const [placeholderWidth, innerWidth] = await page.evaluate<[number, number]>(`(() => {
      const input = document.querySelector('.log-filters input');
      const style = getComputedStyle(input);
      const context = document.createElement('canvas').getContext('2d');
      context.font = style.font;
      return [context.measureText(input.placeholder).width, input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)];
    })()`);
    expect(placeholderWidth).toBeLessThanOrEqual(innerWidth);
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, '8-run-375-signed-in.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // 8. Sign-out ends the provider session: the next visit asks for the password again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await signInPage(page);
    await page.getByLabel('Password').waitFor();
    await page.screenshot({ path: join(SHOTS, '9-after-sign-out.png'), fullPage: true });

    expect(pageProblems).toEqual([]);
  }, 240_000);
});
