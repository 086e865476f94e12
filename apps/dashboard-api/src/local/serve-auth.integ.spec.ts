// startApiServer in "auth required" mode: /api needs a valid JWT (API Gateway's answer otherwise),
// the static app does not (it must load to sign in), and its CSP lets it reach the issuer.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '@rds-s3-export/jobs';
import { startS3, type LocalS3 } from '@rds-s3-export/local-stack';
import { dashboardContentSecurityPolicy } from '@rds-s3-export/shared-types';
import { exportJWK, generateKeyPair, SignJWT, type GenerateKeyPairResult } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './serve.js';

let dir: string;
let s3: LocalS3;
let idp: Server;
let issuer: string;
let key: GenerateKeyPairResult['privateKey'];
let server: ApiServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-serve-auth-'));
  await mkdir(join(dir, 'static'), { recursive: true });
  await writeFile(join(dir, 'static', 'index.html'), '<!doctype html><title>dashboard</title>');
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  idp = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/keys' ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/keys` }));
  });
  await new Promise<void>((done) => idp.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  s3 = await startS3({ buckets: ['local-exports-auth'] });
  const jobs = buildCatalog([{ name: 'sample', engine: 'postgres', connection: { url: 'postgres://u@127.0.0.1:5432/db' }, table: 'sample', destination: { bucket: 'local-exports-auth' } }]);
  server = await startApiServer({ port: 0, s3Endpoint: s3.endpoint, logFile: join(dir, 'none.jsonl'), staticDir: join(dir, 'static'), jobs: () => jobs, auth: { issuer, audience: ['app-client'] } });
});

afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  await new Promise<void>((done) => (idp ? idp.close(() => done()) : done()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const accessToken = (claims: Record<string, unknown> = {}) =>
  new SignJWT({ iss: issuer, client_id: 'app-client', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key);

describe('Function: startApiServer (auth required)', () => {
  it('answers every /api route 401 without a valid token, as API Gateway does', async () => {
    for (const [method, path] of [['GET', '/api/jobs'], ['GET', '/api/jobs/sample/runs'], ['GET', '/api/runs/sample_20260222_101500'], ['POST', '/api/runs/sample_20260222_101500/download'], ['GET', '/api/nope']]) {
      const response = await fetch(new URL(path as string, server.url), { method });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
    }
    const expired = await fetch(new URL('/api/jobs', server.url), { headers: { authorization: `Bearer ${await accessToken({ exp: Math.floor(Date.now() / 1000) - 10 })}` } });
    expect(expired.status).toBe(401);
  });

  it('serves the API with a valid token', async () => {
    const response = await fetch(new URL('/api/jobs', server.url), { headers: { authorization: `Bearer ${await accessToken()}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { jobs: { name: string }[] }).jobs.map((job) => job.name)).toEqual(['sample']);
  });

  it('serves the app without a token, allowed to connect to the issuer', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${issuer};`);
    expect(page.headers.get('content-security-policy')).toBe(dashboardContentSecurityPolicy([issuer]));
  });
});
