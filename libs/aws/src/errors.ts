/**
 * Coded errors of the AWS adapters. Every failure that leaves libs/aws is one of these, with a
 * class from the shared vocabulary (config|auth|network|database|storage|timeout), a stable
 * code and a message that names the bucket and key, never a credential or a signature.
 */
import { RdsExportError, type ErrorClass } from '@rds-s3-export/shared-types';

/** Bad adapter options, found before any request is sent. */
export class AwsConfigError extends RdsExportError {
  override readonly name = 'AwsConfigError';
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('config', code, message, options);
  }
}

/** A failed S3 request or upload, classified (see {@link classifyS3Error}). */
export class StorageError extends RdsExportError {
  override readonly name = 'StorageError';
  constructor(errorClass: ErrorClass, code: string, message: string, options?: { cause?: unknown }) {
    super(errorClass, code, message, options);
  }
}

export const S3ErrorCodes = {
  /** config: the bucket does not exist (or is in another partition/account). */
  noSuchBucket: 'S3_NO_SUCH_BUCKET',
  /** auth: refused credentials or missing permission. */
  accessDenied: 'S3_ACCESS_DENIED',
  /** network: connection refused/reset, DNS failure, socket hang up, request timeout. */
  unreachable: 'S3_UNREACHABLE',
  /** storage: any other failure while writing an object (after the SDK's own retries). */
  writeFailed: 'S3_WRITE_FAILED',
  /** storage: any other failure while reading an object. */
  readFailed: 'S3_READ_FAILED',
  /** storage: any other failure while deleting an object. */
  deleteFailed: 'S3_DELETE_FAILED',
  /** storage: the object needs more than S3's 10,000 multipart parts. */
  tooManyParts: 'S3_TOO_MANY_PARTS',
  /** storage: the writer was aborted; nothing was stored. */
  uploadAborted: 'S3_UPLOAD_ABORTED',
} as const;

export type S3Operation = 'write' | 'read' | 'delete';

export interface S3ErrorContext {
  readonly bucket: string;
  readonly key: string;
  readonly operation: S3Operation;
}

const AUTH_ERRORS = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

const VERB: Record<S3Operation, string> = { write: 'writing', read: 'reading', delete: 'deleting' };
const FALLBACK_CODE: Record<S3Operation, string> = {
  write: S3ErrorCodes.writeFailed,
  read: S3ErrorCodes.readFailed,
  delete: S3ErrorCodes.deleteFailed,
};

/**
 * Maps anything an S3 call or a lib-storage upload threw to a {@link StorageError}.
 * Already-classified errors of the workspace pass through unchanged.
 */
export function classifyS3Error(error: unknown, context: S3ErrorContext): RdsExportError {
  if (error instanceof RdsExportError) return error;
  const target = `s3://${context.bucket}/${context.key}`;
  const verb = VERB[context.operation];
  const facts = collectFacts(error);
  const options = { cause: error };

  if (facts.names.has('NoSuchBucket')) {
    return new StorageError(
      'config',
      S3ErrorCodes.noSuchBucket,
      `S3 bucket "${context.bucket}" does not exist (${verb} ${target}); check the job's destination bucket and region`,
      options,
    );
  }
  const authName = [...facts.names].find((name) => AUTH_ERRORS.has(name));
  if (authName !== undefined || facts.statuses.has(403)) {
    // The server's own text can echo key ids or string-to-sign; only its error code is kept.
    return new StorageError(
      'auth',
      S3ErrorCodes.accessDenied,
      `access denied ${verb} ${target} (${authName ?? 'HTTP 403'}); check the credentials and the role's S3 permissions on bucket "${context.bucket}"`,
      options,
    );
  }
  const networkReason =
    [...facts.codes].find((code) => NETWORK_CODES.has(code)) ??
    [...facts.names].find((name) => NETWORK_NAMES.has(name)) ??
    (facts.messages.some((message) => /socket hang up|timed? ?out/i.test(message)) ? 'socket hang up or timeout' : undefined);
  if (networkReason !== undefined) {
    return new StorageError('network', S3ErrorCodes.unreachable, `S3 unreachable while ${verb} ${target} (${networkReason}): ${facts.summary}`, options);
  }
  if (facts.messages.some((message) => /Exceeded \d+ parts/.test(message))) {
    return new StorageError(
      'storage',
      S3ErrorCodes.tooManyParts,
      `${target} needs more than 10,000 multipart parts; raise partSizeBytes or split the export into smaller files`,
      options,
    );
  }
  return new StorageError('storage', FALLBACK_CODE[context.operation], `S3 failed ${verb} ${target}: ${facts.summary}`, options);
}

/**
 * True when the SDK reports a missing object (GetObject: NoSuchKey; HeadObject: 404 NotFound),
 * false for a missing bucket (also a 404, but a configuration error).
 */
export function isS3NotFound(error: unknown): boolean {
  const facts = collectFacts(error);
  if (facts.names.has('NoSuchBucket')) return false;
  return facts.names.has('NoSuchKey') || facts.names.has('NotFound') || facts.statuses.has(404);
}

interface ErrorFacts {
  readonly names: Set<string>;
  readonly codes: Set<string>;
  readonly statuses: Set<number>;
  readonly messages: string[];
  /** `Name: message` of the outermost error, redacted; for the user-facing message. */
  readonly summary: string;
}

/** Walks the error, its `cause` chain and AggregateError members (bounded, cycle-safe). */
function collectFacts(error: unknown): ErrorFacts {
  const facts: ErrorFacts = { names: new Set(), codes: new Set(), statuses: new Set(), messages: [], summary: describeError(error) };
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown> & { $metadata?: { httpStatusCode?: unknown } };
    for (const field of ['name', 'Code']) if (typeof record[field] === 'string') facts.names.add(record[field]);
    if (typeof record['code'] === 'string') facts.codes.add(record['code']);
    if (typeof record['message'] === 'string') facts.messages.push(record['message']);
    const status = record.$metadata?.httpStatusCode;
    if (typeof status === 'number') facts.statuses.add(status);
    queue.push(record['cause']);
    if (Array.isArray(record['errors'])) queue.push(...(record['errors'] as unknown[]));
  }
  return facts;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return redact(error.message ? `${error.name}: ${error.message}` : error.name);
  return redact(String(error));
}

/** Removes anything shaped like an AWS key id, a signature or a session token from a message. */
export function redact(text: string): string {
  return text
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1****************')
    .replace(/((?:X-Amz-)?(?:Signature|Credential|Security-Token)=)[^&\s,"']+/gi, '$1[redacted]');
}

/** A Glue catalog call that failed, or columns no Glue table can hold (see glue/glue-table-columns.ts). */
export class GlueCatalogError extends RdsExportError {
  override readonly name = 'GlueCatalogError';
  constructor(errorClass: ErrorClass, code: string, message: string, options?: { cause?: unknown }) {
    super(errorClass, code, message, options);
  }
}

export const GlueErrorCodes = {
  /** config: the database or table does not exist (deleted, or the stack created none). */
  tableNotFound: 'GLUE_TABLE_NOT_FOUND',
  /** auth: the role may not GetTable/UpdateTable this table. */
  accessDenied: 'GLUE_ACCESS_DENIED',
  /** storage: the table changed between GetTable and UpdateTable (a stack update, another run). */
  concurrentUpdate: 'GLUE_CONCURRENT_UPDATE',
  /** network: Glue did not answer (no route: no NAT and no Glue endpoint, or a timeout). */
  unreachable: 'GLUE_UNREACHABLE',
  /** storage: any other GetTable failure. */
  readFailed: 'GLUE_READ_FAILED',
  /** storage: any other UpdateTable failure. */
  updateFailed: 'GLUE_UPDATE_FAILED',
  /** config: the run's columns cannot be a table's (a column named dt, two names equal in lowercase). */
  columnsUnusable: 'GLUE_COLUMNS_UNUSABLE',
} as const;
