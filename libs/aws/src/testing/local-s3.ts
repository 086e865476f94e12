/**
 * An S3-compatible server (s3rver) on 127.0.0.1, storing objects as plain files.
 *
 * s3rver 3.7.1 is old and has gaps that matter to the exporter; they are patched here, in the
 * test tool, never in the code under test:
 * - It has no AbortMultipartUpload route (DELETE /bucket/key?uploadId=... answers 405
 *   MethodNotAllowed). lib-storage aborts the multipart upload when a part fails or the upload
 *   is aborted, and that 405 would replace the real error. {@link abortMultipartUploadRoute}
 *   adds the route: it deletes the upload's staged parts and answers 204 (404 NoSuchUpload).
 * - It does not understand `aws-chunked` bodies with trailing flexible checksums, which the
 *   SDK sends by default since 2025; {@link localS3ClientConfig} turns them off
 *   (checksums only WHEN_REQUIRED).
 * - It serves anonymous requests. A DNS-rebinding page is kept out today only by accident (s3rver
 *   takes an unknown Host as a CNAME-style bucket name, which answers 404); only Host 127.0.0.1 /
 *   localhost is answered, explicitly (see host-guard.ts).
 * - `close()` waits for keep-alive sockets; `stop()` destroys them so tests exit promptly
 *   (and so a test can kill the server in the middle of an upload).
 * Multipart uploads from @aws-sdk/lib-storage (CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload) work as they are on Node 20 (see s3.integ.spec.ts).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOST_REFUSED_MESSAGE, isLoopbackHost } from './host-guard.js';

export interface StartS3Options {
  /** TCP port on 127.0.0.1. @default 0 (a random free port) */
  readonly port?: number;
  /** Where s3rver keeps buckets and objects. @default a fresh temp dir, removed by `stop()` */
  readonly directory?: string;
  /** Buckets created before the server accepts requests. @default none */
  readonly buckets?: readonly string[];
}

export interface LocalS3 {
  /** `http://127.0.0.1:PORT`, for {@link localS3ClientConfig}. */
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  /** The file holding the bytes of `s3://bucket/key` (s3rver's on-disk layout on POSIX). */
  bucketPath(bucket: string, key: string): string;
  /** Upload ids of multipart uploads started and neither completed nor aborted. */
  pendingMultipartUploads(bucket: string): Promise<string[]>;
  /** Closes the server, drops open connections, removes a temp directory it created. Idempotent. */
  stop(): Promise<void>;
}

/** What the exporter's S3Client needs to talk to s3rver. */
export interface LocalS3ClientConfig {
  endpoint: string;
  region: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
}

/** s3rver's built-in account. It refuses other access key ids (InvalidAccessKeyId) but does not verify V4 signatures. */
export const S3RVER_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

/**
 * @example
 * const s3 = await startS3({ buckets: ['exports'] });
 * const client = new S3Client(localS3ClientConfig(s3.endpoint));
 */
export function localS3ClientConfig(endpoint: string): LocalS3ClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...S3RVER_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

// s3rver ships no types; this is the part of its API used here.
interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
}
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
  req: IncomingMessage;
  res: ServerResponse;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  readonly store: S3rverStore;
  readonly middleware: KoaMiddleware[];
  httpServer?: Server;
  listen(port: number, address: string, options: object, onListening?: () => void): Server | Promise<Server>;
  run(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

const S3RVER_OBJECT_SUFFIX = '._S3rver_object';

export async function startS3(options: StartS3Options = {}): Promise<LocalS3> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'local-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  // Before the router (the last middleware), so it sees the request first.
  server.middleware.splice(server.middleware.length - 1, 0, abortMultipartUploadRoute(server.store));
  server.middleware.unshift(loopbackHostOnly);
  // s3rver's own listen() never rejects: a taken port is an uncaught 'error' event (and the
  // promise never settles). With a callback it returns the server, so the error can be caught.
  const listen = server.listen.bind(server);
  server.listen = (port, address, options) =>
    new Promise<Server>((resolve, reject) => {
      const http = listen(port, address, options, () => {
        http.off('error', reject);
        resolve(http);
      }) as Server;
      http.once('error', reject);
    });

  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const port = address.port;
  const uploadsDir = (bucket: string): string => server.store.getResourcePath(bucket, undefined, 'uploads');

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    bucketPath(bucket, key) {
      const parts = key.split('/');
      const last = parts.pop() ?? '';
      return join(directory, bucket, ...parts, `${last}${S3RVER_OBJECT_SUFFIX}`);
    },
    async pendingMultipartUploads(bucket) {
      try {
        return (await readdir(uploadsDir(bucket))).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    stop() {
      stopping ??= (async () => {
        const closed = server.close();
        server.httpServer?.closeAllConnections();
        await closed;
        if (ownsDirectory) await rm(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Refuses a request addressed to any other name than the loopback ones (DNS rebinding). */
const loopbackHostOnly: KoaMiddleware = async (ctx, next) => {
  if (isLoopbackHost(ctx.req.headers.host)) return next();
  ctx.status = 421;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>HostNotAllowed</Code><Message>${HOST_REFUSED_MESSAGE}</Message></Error>`;
};

/** The AbortMultipartUpload operation s3rver lacks: DELETE /bucket/key?uploadId=ID. */
function abortMultipartUploadRoute(store: S3rverStore): KoaMiddleware {
  return async (ctx, next) => {
    const uploadId = ctx.query['uploadId'];
    if (ctx.method !== 'DELETE' || typeof uploadId !== 'string') return next();
    const bucket = decodeURIComponent(ctx.path.split('/')[1] ?? '');
    // Upload ids are s3rver's own 32 hex chars; anything else cannot name an upload.
    const uploadDir = /^[0-9a-f]{32}$/.test(uploadId) ? join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId) : undefined;
    const exists = uploadDir !== undefined && (await readdir(uploadDir).then(() => true, () => false));
    if (!uploadDir || !exists) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>' +
        '<Message>The specified upload does not exist.</Message></Error>';
      return;
    }
    await rm(uploadDir, { recursive: true, force: true });
    ctx.status = 204;
  };
}
