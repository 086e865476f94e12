/**
 * The dashboard API and the built dashboard on one local origin, for `npm start`.
 * Binds 127.0.0.1 only: locally there is no authorizer, so nothing off this machine may reach it.
 * Answers only requests addressed to `127.0.0.1:<port>` or `localhost:<port>` (the Host header):
 * a web page whose own name an attacker re-points at 127.0.0.1 (DNS rebinding) would otherwise be
 * same-origin with this server and could read the API. Static files are served only when their
 * real path (symlinks resolved) is inside the static folder.
 *
 *   DASHBOARD_PORT        port (default 4580; 0 = random)
 *   DEMO_S3_PORT          the local S3 (s3rver) port npm start uses (default 4569)
 *   DEMO_DIR              the local stack's folder; run logs are read from <DEMO_DIR>/logs/exporter.jsonl (default .local-stack)
 *   DASHBOARD_STATIC_DIR  the `vite build` output (default dist/apps/dashboard)
 *   RDS_S3_EXPORT_CONFIG  the deployment config whose jobs are listed (default rds-s3-export.yaml in the
 *                         working directory or at the repository root; `npm start` passes the demo's)
 *   DASHBOARD_AUTH_ISSUER, DASHBOARD_AUTH_AUDIENCE  "auth required" mode: every /api call needs a JWT
 *                         of this issuer for one of these (comma-separated) app clients, checked as
 *                         API Gateway's JWT authorizer does (jwt-authorizer.ts); default off
 */
// First: drops the AWS SDK's Node-version banner (only that warning; see libs/aws node-version-warning.ts).
import '@rds-s3-export/aws/ignore-node-version-warning';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ExportCatalog } from '@rds-s3-export/aws';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { localS3ClientConfig } from '@rds-s3-export/local-stack';
import { dashboardContentSecurityPolicy, type JobConfig } from '@rds-s3-export/shared-types';
import { createApiHandler, MAX_BODY_BYTES, type ApiDependencies } from '../api/handler.js';
import { errorResponse, type ApiResponse } from '../api/http.js';
import { FileRunLogs } from './file-run-logs.js';
import { createJwtAuthorizer, type JwtAuthorizerSettings } from './jwt-authorizer.js';

export const DEFAULT_DASHBOARD_PORT = 4580;

export interface ApiServerOptions {
  /** @default DEFAULT_DASHBOARD_PORT (0 = random) */
  readonly port?: number;
  readonly s3Endpoint: string;
  /** The local exporter's JSON-lines log. */
  readonly logFile: string;
  /** Built dashboard to serve at `/`; without it only `/api` answers. */
  readonly staticDir?: string;
  /** The jobs listed. @default the deployment config's (RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml), read once at start */
  readonly jobs?: ApiDependencies['jobs'];
  readonly reportError?: ApiDependencies['reportError'];
  /** "Auth required" mode: /api answers 401 without a valid JWT of this issuer. @default no auth (npm start) */
  readonly auth?: JwtAuthorizerSettings;
}

export interface ApiServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The deployed dashboard's policy (the one CloudFront sends): the page may talk to its own origin
 * only (and, with sign-in, to the issuer: discovery and token calls); downloads are navigations
 * to the presigned URL.
 */
const staticHeaders = (issuer?: string) => ({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': dashboardContentSecurityPolicy(issuer ? [new URL(issuer).origin] : []),
});

/** API Gateway's own answer when its JWT authorizer refuses a request. */
const UNAUTHORIZED: ApiResponse = {
  status: 401,
  headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'cache-control': 'no-store' },
  body: JSON.stringify({ message: 'Unauthorized' }),
};

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const s3 = new S3Client(localS3ClientConfig(options.s3Endpoint));
  const catalogs = new Map<string, S3ExportCatalog>();
  const catalogFor = (job: JobConfig) => {
    const id = `${job.destination.bucket}\u0000${job.destination.manifestPrefix}`;
    let catalog = catalogs.get(id);
    if (!catalog) catalogs.set(id, (catalog = new S3ExportCatalog({ client: s3, bucket: job.destination.bucket, manifestPrefix: job.destination.manifestPrefix })));
    return catalog;
  };
  const api = createApiHandler({
    jobs: options.jobs ?? configuredJobs(),
    catalogFor,
    logs: new FileRunLogs({ file: options.logFile }),
    reportError: options.reportError ?? ((error) => process.stderr.write(`dashboard api: ${error instanceof Error ? error.message : String(error)}\n`)),
  });
  // The folder's own real path: a link to it is fine, links out of it are not followed.
  const staticRoot = options.staticDir ? await realpath(resolve(options.staticDir)).catch(() => resolve(options.staticDir as string)) : undefined;
  let allowedHosts: ReadonlySet<string> = new Set();
  const authorize = options.auth ? createJwtAuthorizer(options.auth) : undefined;
  const headers = staticHeaders(options.auth?.issuer);

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => send(res, errorResponse(500, 'INTERNAL', 'internal error')));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(host)) {
      const port = (server.address() as AddressInfo).port;
      return send(res, errorResponse(421, 'HOST_NOT_ALLOWED', `this local server answers only http://127.0.0.1:${port}/ and http://localhost:${port}/ (Host header "${host.slice(0, 100)}" refused, against DNS rebinding)`));
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (authorize) {
        const verdict = await authorize(req.headers.authorization);
        if (!verdict.ok) {
          process.stderr.write(`dashboard api: 401 ${req.method ?? ''} ${url.pathname}: ${verdict.reason}\n`);
          return send(res, UNAUTHORIZED);
        }
      }
      const body = await readBody(req);
      if (body === undefined) return send(res, errorResponse(413, 'BODY_TOO_LARGE', `request bodies are limited to ${MAX_BODY_BYTES} bytes`));
      const query: Record<string, string> = {};
      for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
      // The raw path, as API Gateway's rawPath: the handler decodes and validates segments itself.
      const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
      return send(res, await api({ method: req.method ?? 'GET', path: rawPath, query, body }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, errorResponse(405, 'METHOD_NOT_ALLOWED', 'only GET and HEAD are allowed here', { allow: 'GET, HEAD' }));
    if (!staticRoot) return send(res, errorResponse(404, 'NOT_FOUND', 'the dashboard is not built; run `npx nx run dashboard:build`'));
    await serveStatic(staticRoot, url.pathname, req, res, headers);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_DASHBOARD_PORT, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    stop() {
      stopping ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
        s3.destroy();
      });
      return stopping;
    },
  };
}

async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return send(res, errorResponse(400, 'INVALID_REQUEST', 'the path is not valid percent-encoding'));
  }
  const candidate = resolve(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return send(res, errorResponse(404, 'NOT_FOUND', 'not found'));
  let file = candidate;
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  // Hash routing needs no fallback, but an unknown path without an extension gets the app.
  if (!info && extname(decoded) === '') {
    file = join(root, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return send(res, errorResponse(404, 'NOT_FOUND', 'not found'));
  // A symlink inside the folder may point anywhere: serve only what really lives inside it.
  const real = await realpath(file).catch(() => undefined);
  if (real === undefined || !real.startsWith(root + sep)) return send(res, errorResponse(404, 'NOT_FOUND', 'not found'));
  const hashed = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    ...headers,
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(info.size),
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(real).pipe(res);
}

/** The body as text, or undefined when it exceeds MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return size === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

/** The deployment config's jobs, validated once (a bad file stops the server at start, with the line named). */
function configuredJobs(): ApiDependencies['jobs'] {
  const { jobs } = loadDeploymentConfig();
  return () => jobs;
}

function send(res: ServerResponse, response: ApiResponse): void {
  if (res.headersSent) return void res.end();
  res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) });
  res.end(response.body);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const workspace = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
  const demoDir = resolve(process.env.DEMO_DIR ?? join(workspace, '.local-stack'));
  const server = await startApiServer({
    port: Number(process.env.DASHBOARD_PORT ?? DEFAULT_DASHBOARD_PORT),
    s3Endpoint: `http://127.0.0.1:${Number(process.env.DEMO_S3_PORT ?? 4569)}`,
    logFile: join(demoDir, 'logs', 'exporter.jsonl'),
    staticDir: resolve(process.env.DASHBOARD_STATIC_DIR ?? join(workspace, 'dist', 'apps', 'dashboard')),
    ...(process.env.DASHBOARD_AUTH_ISSUER && {
      auth: { issuer: process.env.DASHBOARD_AUTH_ISSUER, audience: (process.env.DASHBOARD_AUTH_AUDIENCE ?? '').split(',').map((value) => value.trim()).filter(Boolean) },
    }),
  });
  process.stdout.write(`dashboard: ${server.url}\n`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
