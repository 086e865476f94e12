import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '@rds-s3-export/jobs';
import { startS3, type LocalS3 } from '@rds-s3-export/local-stack';
import { dashboardContentSecurityPolicy, JobsResponseSchema } from '@rds-s3-export/shared-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './serve.js';

let dir: string;
let s3: LocalS3;
let server: ApiServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-serve-'));
  await mkdir(join(dir, 'static', 'assets'), { recursive: true });
  await writeFile(join(dir, 'static', 'index.html'), '<!doctype html><title>dashboard</title>');
  await writeFile(join(dir, 'static', 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside the static folder');
  await mkdir(join(dir, 'private'));
  await writeFile(join(dir, 'private', 'key.txt'), 'outside the static folder too');
  // Links inside the static folder that point out of it (a file, a folder) and one that stays inside.
  await symlink(join(dir, 'secret.txt'), join(dir, 'static', 'notes.txt'));
  await symlink(join(dir, 'private'), join(dir, 'static', 'assets', 'more'));
  await symlink(join(dir, 'static', 'assets', 'app-1234.js'), join(dir, 'static', 'app.js'));
  s3 = await startS3({ buckets: ['local-exports'] });
  const jobs = buildCatalog([{ name: 'sample', engine: 'postgres', connection: { url: 'postgres://u@127.0.0.1:5432/db' }, table: 'sample', destination: { bucket: 'local-exports' } }]);
  server = await startApiServer({ port: 0, s3Endpoint: s3.endpoint, logFile: join(dir, 'none.jsonl'), staticDir: join(dir, 'static'), jobs: () => jobs });
});

afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A raw request, so paths like `/../x` reach the server unnormalised; `hostHeader` as a browser would send it. */
function get(path: string, host = '127.0.0.1', hostHeader?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port: server.port, path, method: 'GET', ...(hostHeader !== undefined ? { headers: { host: hostHeader } } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Function: startApiServer', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) await expect(get('/api/jobs', external.address)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(get('/api/jobs', '::1')).rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|EADDRNOTAVAIL/) });
  });

  it('serves the API and the built dashboard from one origin', async () => {
    const api = await get('/api/jobs');
    expect(api.status).toBe(200);
    expect(JobsResponseSchema.parse(JSON.parse(api.body)).jobs.map((job) => [job.name, job.health])).toEqual([['sample', 'never-run']]);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // The deployed dashboard's policy (CloudFront sends the same one), without a provider in local mode.
    expect(page.headers['content-security-policy']).toBe(dashboardContentSecurityPolicy());
    expect(page.headers['content-security-policy']).toContain("connect-src 'self';");
    expect(page.body).toContain('<title>dashboard</title>');
    const asset = await get('/assets/app-1234.js');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('never serves files outside the static folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      const response = await get(path);
      expect(response.body).not.toContain('outside the static folder');
      expect([400, 404]).toContain(response.status);
    }
    expect((await get('/nope.js')).status).toBe(404);
  });

  it('answers only requests addressed to 127.0.0.1:<port> or localhost:<port> (DNS rebinding)', async () => {
    for (const hostHeader of [`rebind.attacker.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `localhost.attacker.example:${server.port}`, `0.0.0.0:${server.port}`]) {
      for (const path of ['/api/jobs', '/']) {
        const response = await get(path, '127.0.0.1', hostHeader);
        expect(response.status, `${hostHeader} ${path}`).toBe(421);
        expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining(`answers only http://127.0.0.1:${server.port}/ and http://localhost:${server.port}/`) } });
        expect(response.body).not.toContain('sample');
      }
    }
    expect((await get('/api/jobs', '127.0.0.1', `localhost:${server.port}`)).status).toBe(200);
    expect((await get('/api/jobs', '127.0.0.1', `LOCALHOST:${server.port}`)).status).toBe(200);
    expect((await get('/', '127.0.0.1', `127.0.0.1:${server.port}`)).status).toBe(200);
  });

  it('never follows a symlink out of the static folder', async () => {
    const file = await get('/notes.txt');
    expect(file.status).toBe(404);
    expect(file.body).not.toContain('outside the static folder');
    const folder = await get('/assets/more/key.txt');
    expect(folder.status).toBe(404);
    expect(folder.body).not.toContain('outside the static folder');
    // A link that stays inside is served.
    const inside = await get('/app.js');
    expect(inside.status).toBe(200);
    expect(inside.body).toBe('console.log(1)');
  });

  it('answers API errors as JSON', async () => {
    const response = await get('/api/runs/..%2F..%2Fsecret');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });
});

describe('Function: startApiServer without a job list', () => {
  it('lists the jobs of the deployment config RDS_S3_EXPORT_CONFIG names (two databases), in file order', async () => {
    const file = join(dir, 'two-databases.yaml');
    await writeFile(
      file,
      [
        'connections:',
        '  shop: { engine: mariadb, url: "mariadb://exporter@127.0.0.1:3306/shop" }',
        '  analytics: { engine: postgres, url: "postgres://exporter@127.0.0.1:5432/analytics" }',
        'defaults:',
        '  destination: { bucket: local-exports }',
        'jobs:',
        '  - { name: orders, connection: shop, table: orders, schedule: { expression: rate(15 minutes) } }',
        '  - { name: customers, connection: shop, table: customers }',
        '  - { name: page-views, connection: analytics, table: public.page_views }',
        '',
      ].join('\n'),
    );
    const before = process.env.RDS_S3_EXPORT_CONFIG;
    process.env.RDS_S3_EXPORT_CONFIG = file;
    let fromConfig: ApiServer | undefined;
    try {
      fromConfig = await startApiServer({ port: 0, s3Endpoint: s3.endpoint, logFile: join(dir, 'none.jsonl'), staticDir: join(dir, 'static') });
      const response = await new Promise<string>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port: fromConfig!.port, path: '/api/jobs' }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
      expect(JobsResponseSchema.parse(JSON.parse(response)).jobs.map((job) => job.name)).toEqual(['orders', 'customers', 'page-views']);
    } finally {
      await fromConfig?.stop();
      if (before === undefined) delete process.env.RDS_S3_EXPORT_CONFIG;
      else process.env.RDS_S3_EXPORT_CONFIG = before;
    }
  });
});
