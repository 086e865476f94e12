/**
 * Every port `npm start` opens is set by one variable, and a taken one is said in one line that
 * names it, with exit code 1: no EADDRINUSE stack trace, no server left running. Checked on the
 * launcher (`npm start`, tools/demo/src/start.ts) and on the exporter demo it starts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from './start-demo.js';
import { portIsFree } from './ports.js';

const root = resolve(import.meta.dirname, '../../..');
let occupier: Server;
let taken: number;
let workDir: string;

beforeAll(async () => {
  occupier = createServer();
  await new Promise<void>((done) => occupier.listen(0, '127.0.0.1', done));
  taken = (occupier.address() as { port: number }).port;
  workDir = await mkdtemp(join(tmpdir(), 'demo-ports-'));
});

afterAll(async () => {
  await new Promise<void>((done) => occupier.close(() => done()));
  await rm(workDir, { recursive: true, force: true });
});

/** Runs `npm start`'s launcher as npm does, with these variables; every other port is 0 (any free one). */
function launch(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/demo/src/start.ts'), ...args], {
      cwd: root,
      env: { ...process.env, DEMO_DIR: workDir, DEMO_ROWS: '200', DEMO_S3_PORT: '0', DEMO_DYNAMO_PORT: '0', DEMO_PG_PORT: '0', DASHBOARD_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => (child.kill('SIGKILL'), fail(new Error(`npm start did not end: ${stdout}${stderr}`))), 100_000);
    child.on('exit', (code) => (clearTimeout(timer), done({ code, stdout, stderr })));
  });
}

describe('npm start: a taken port', () => {
  it.each([
    ['DEMO_S3_PORT', 'local S3 (s3rver)', ['--once']],
    ['DEMO_DYNAMO_PORT', 'local DynamoDB (dynalite)', ['--once']],
    ['DEMO_PG_PORT', 'sample PostgreSQL (PGlite)', ['--once']],
    ['DASHBOARD_PORT', 'dashboard', []],
  ])('%s taken: one line naming the variable, exit code 1, nothing started', async (variable, what, args) => {
    const run = await launch(args, { [variable]: String(taken) });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`npm start: port ${taken} (${what}) is in use; set ${variable} to a free port (0 = any free port)\n`);
    expect(run.stdout).toBe('');
  }, 60_000);

  it('a value that is not a port is refused in one line naming the variable', async () => {
    const run = await launch(['--once'], { DEMO_DYNAMO_PORT: 'eighty' });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('npm start: DEMO_DYNAMO_PORT="eighty" is not a TCP port (0-65535)\n');
  }, 60_000);
});

describe('npm start -- --once', () => {
  it('runs the demo once on the ports it is given and prints no dashboard URL (nothing serves one after it exits)', async () => {
    const run = await launch(['--once'], {});

    // (stderr may carry the AWS SDK's Node-version notice; no error and no dashboard.)
    expect(run.stderr).not.toMatch(/error|dashboard/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('exported 200 rows');
    expect(run.stdout).not.toMatch(/dashboard|4580/);
  }, 100_000);
});

describe('Function: startDemo, a port taken after the launcher checked it', () => {
  it.each([
    ['s3Port', 'DEMO_S3_PORT', 'local S3 (s3rver)'],
    ['dynamoPort', 'DEMO_DYNAMO_PORT', 'local DynamoDB (dynalite)'],
    ['pgPort', 'DEMO_PG_PORT', 'sample PostgreSQL (PGlite)'],
  ] as const)('%s: refuses with the variable to set and stops the servers it had started', async (option, variable, what) => {
    // Free ports for the others, fixed so the test can check they are released.
    const others = { s3Port: 0, dynamoPort: 0, pgPort: 0 };
    const fixed = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => done(port));
      });
    });
    const ports = { ...others, ...(option === 's3Port' ? {} : { s3Port: fixed }), [option]: taken };

    await expect(startDemo({ workDir: join(workDir, option), ...ports, log: () => undefined })).rejects.toThrow(
      `port ${taken} (${what}) is in use; set ${variable} to a free port (0 = any free port)`,
    );
    if (option !== 's3Port') expect(await portIsFree(fixed)).toBe(true);
  }, 60_000);
});
