import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client for local runs (the CLI, the local runtime). Without an endpoint: the SDK's
 * defaults (AWS). With a custom endpoint (a local S3 server): path-style, checksums only when
 * required (local servers do not speak aws-chunked), and the local server's well-known test key
 * when the environment has no credentials.
 */
export function s3ClientFor(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): S3Client {
  if (!endpoint) return new S3Client({});
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
  });
}
