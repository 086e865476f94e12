/**
 * The dashboard end to end, the way a user meets it: `npm start`'s launcher (exporter demo +
 * dashboard server, as child processes, on free ports) and Debian's Chromium driven by
 * playwright-core (never a downloaded browser). Opens the overview, a job, a run, downloads
 * the run's CSV through the UI and compares it byte for byte with the object in the bucket.
 * Screenshots of the three views, desktop and 375 px wide, go to test-output/e2e/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig } from '@rds-s3-export/local-stack';
import { RunDetailResponseSchema } from '@rds-s3-export/shared-types';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const SHOTS = resolve(fileURLToPath(new URL('../../test-output/e2e/', import.meta.url)));
const CHROMIUM = '/usr/bin/chromium';

let workDir: string;
let launcher: ChildProcess | undefined;
let output = '';
let dashboardUrl: string;
let s3Endpoint: string;
let context: BrowserContext | undefined;
const pageProblems: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'dashboard-e2e-'));
  await mkdir(SHOTS, { recursive: true });
  const [s3Port, dynamoPort, pgPort, dashboardPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  s3Endpoint = `http://127.0.0.1:${s3Port}`;
  // What `npm start` runs (package.json "start"), on ports of its own.
  launcher = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/demo/src/start.ts')], {
    cwd: ROOT,
    // No scheduled runs during the test: a slot boundary right after the first run would add an
    // empty incremental run and change what the overview shows.
    env: { ...process.env, DEMO_SCHEDULE: 'off', DEMO_DIR: workDir, DEMO_S3_PORT: String(s3Port), DEMO_DYNAMO_PORT: String(dynamoPort), DEMO_PG_PORT: String(pgPort), DASHBOARD_PORT: String(dashboardPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  dashboardUrl = await new Promise<string>((resolveUrl, reject) => {
    launcher!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      // Printed after the first export committed, with the dashboard already listening.
      const match = /\ndashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match) resolveUrl(match[1] as string);
    });
    launcher!.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing the dashboard URL:\n${output}`)));
  });
  expect(dashboardUrl).toBe(`http://127.0.0.1:${dashboardPort}/`);

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
  if (launcher && launcher.exitCode === null) {
    const exited = new Promise((done) => launcher!.once('exit', done));
    launcher.kill('SIGINT');
    await exited;
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 60_000);

function watch(page: Page): void {
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') pageProblems.push(`console ${message.type()}: ${message.text()}`);
  });
}

async function noHorizontalScroll(page: Page): Promise<void> {
  // A string, evaluated in the page: this project has Node types, not the DOM's.
  const [scrollWidth, clientWidth] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, document.documentElement.clientWidth]');
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

describe('Dashboard in Chromium against npm start', () => {
  it('overview -> job -> run -> download: the CSV is the object in the bucket, byte for byte', async () => {
    const page = await context!.newPage();
    watch(page);

    // Overview
    await page.goto(dashboardUrl);
    const card = page.getByRole('article', { name: 'employees' });
    await card.waitFor();
    await card.getByText('OK', { exact: true }).waitFor();
    await card.getByText(/10,000 rows · 1\.\d MiB/).waitFor();
    // Local mode: no sign-in (the build's config.json has no auth section), and the banner says so.
    expect(page.url()).toBe(dashboardUrl);
    await page.getByRole('note').filter({ hasText: 'Local mode: no sign-in.' }).waitFor();
    await expect(page.getByRole('button', { name: /^Sign (in|out)/ }).count()).resolves.toBe(0);
    await page.screenshot({ path: join(SHOTS, '1-overview-desktop.png'), fullPage: true });

    // Job history (keyboard: focus the link and press Enter)
    await card.getByRole('link', { name: 'Run history' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Run history: employees' }).waitFor();
    const runLink = page.getByRole('link', { name: /^Run employees_\d{8}_\d{6}$/ }).first();
    await runLink.waitFor();
    const runId = ((await runLink.getAttribute('aria-label')) ?? '').replace(/^Run /, '');
    await page.screenshot({ path: join(SHOTS, '2-history-desktop.png'), fullPage: true });

    // Run detail
    await runLink.click();
    await page.getByRole('heading', { name: 'Manifest' }).waitFor();
    await page.getByRole('list', { name: 'Log lines' }).waitFor();
    await page.getByText('run summary').first().waitFor();
    await page.screenshot({ path: join(SHOTS, '3-run-desktop.png'), fullPage: true });

    // Download through the UI: API presigns, the browser saves the file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download CSV: / }).first().click()]);
    expect(download.suggestedFilename()).toBe(`${runId}.csv`);
    const downloaded = await readFile((await download.path()) as string);

    const detail = RunDetailResponseSchema.parse(await (await fetch(new URL(`api/runs/${runId}`, dashboardUrl))).json());
    const object = detail.manifest!.objects[0]!;
    const s3 = new S3Client(localS3ClientConfig(s3Endpoint));
    const stored = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'rds-exports-local', Key: object.key }))).Body!.transformToByteArray());
    s3.destroy();
    expect(downloaded.length).toBe(object.bytes);
    expect(downloaded.equals(stored)).toBe(true);
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(object.sha256);
    expect(downloaded.toString('utf8').split('\n')[0]).toBe('id,first_name,last_name,email,department,salary,hired_on,updated_at,active,notes');

    // The same three views at 375 px.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(dashboardUrl);
    await page.getByRole('article', { name: 'employees' }).waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, '4-overview-375.png'), fullPage: true });
    await page.goto(`${dashboardUrl}#/jobs/employees`);
    await page.getByRole('link', { name: `Run ${runId}` }).waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, '5-history-375.png'), fullPage: true });
    await page.goto(`${dashboardUrl}#/runs/${runId}`);
    await page.getByRole('heading', { name: 'Manifest' }).waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, '6-run-375.png'), fullPage: true });

    // No CSP violation, failed request or script error along the way.
    expect(pageProblems).toEqual([]);
  }, 120_000);
});
