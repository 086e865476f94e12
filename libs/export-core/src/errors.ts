/**
 * Coded errors of the export core. Every failure that leaves the core is one of these, with a
 * class from the shared vocabulary (config|auth|network|database|storage|timeout|internal) and a
 * message that names the job, the table and the cause, never a secret.
 */
import { RdsExportError, type ErrorClass } from '@rds-s3-export/shared-types';

export class ConfigError extends RdsExportError {
  override readonly name = 'ConfigError';
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('config', code, message, options);
  }
}

export class SourceError extends RdsExportError {
  override readonly name = 'SourceError';
  constructor(errorClass: ErrorClass, code: string, message: string, options?: { cause?: unknown }) {
    super(errorClass, code, message, options);
  }
}

/**
 * TLS to the database failed (class network: the connection could not be set up as asked).
 * - `TLS_REQUIRED`: the server takes only encrypted connections and this one was plain.
 * - `TLS_UNAVAILABLE`: TLS was asked for and the server offers none.
 * - `TLS_CERT_UNTRUSTED`: the certificate does not chain to the trusted CA (RDS bundle or sslrootcert/ssl-ca).
 * - `TLS_CERT_EXPIRED`: the certificate is outside its validity dates.
 * - `TLS_HOST_NAME_MISMATCH`: the certificate does not name the host connected to (verify-full).
 * - `TLS_HANDSHAKE_FAILED`: any other TLS failure.
 */
export type SourceTlsCode = 'TLS_REQUIRED' | 'TLS_UNAVAILABLE' | 'TLS_CERT_UNTRUSTED' | 'TLS_CERT_EXPIRED' | 'TLS_HOST_NAME_MISMATCH' | 'TLS_HANDSHAKE_FAILED';

export class SourceTlsError extends RdsExportError {
  override readonly name = 'SourceTlsError';
  constructor(code: SourceTlsCode, message: string, options?: { cause?: unknown }) {
    super('network', code, message, options);
  }
}

/**
 * The user logged in but may not read what the export needs (a table, a schema, the database):
 * `auth/SOURCE_PERMISSION_DENIED`, told apart from a failed login (`SOURCE_AUTH_FAILED`, which a
 * fresh secret may fix) so the message can name the GRANT that is missing.
 */
export class SourcePermissionError extends RdsExportError {
  override readonly name = 'SourcePermissionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', 'SOURCE_PERMISSION_DENIED', message, options);
  }
}

/** The port speaks the other engine's protocol (a postgres:// URL on a MySQL port, or the reverse): `config/SOURCE_PROTOCOL_MISMATCH`. */
export class SourceProtocolMismatchError extends RdsExportError {
  override readonly name = 'SourceProtocolMismatchError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', 'SOURCE_PROTOCOL_MISMATCH', message, options);
  }
}

export class SinkError extends RdsExportError {
  override readonly name = 'SinkError';
  constructor(errorClass: ErrorClass, code: string, message: string, options?: { cause?: unknown }) {
    super(errorClass, code, message, options);
  }
}

export class ExportTimeoutError extends RdsExportError {
  override readonly name = 'ExportTimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('timeout', 'EXPORT_TIMEOUT', message, options);
  }
}

/**
 * Wraps anything thrown by a run into a classified error that carries the run's context.
 * Already-classified errors keep their class and code; the context is prefixed once.
 */
export class ExportRunError extends RdsExportError {
  override readonly name = 'ExportRunError';
  constructor(context: string, error: unknown) {
    const classified = classify(error);
    super(classified.errorClass, classified.code, `${context}: ${classified.message}`, { cause: error });
  }
}

function classify(error: unknown): { errorClass: ErrorClass; code: string; message: string } {
  if (error instanceof RdsExportError) return { errorClass: error.errorClass, code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'AbortError') {
    return { errorClass: 'timeout', code: 'EXPORT_ABORTED', message: 'the export was aborted' };
  }
  // Not foreseen by any adapter (a bug, a TypeError): never blamed on the storage or the user.
  const message = error instanceof Error ? error.message : String(error);
  return { errorClass: 'internal', code: 'INTERNAL_ERROR', message };
}

/** The export's own accounting disagrees with the source (rows written vs rows in the window). */
export class ExportIntegrityError extends RdsExportError {
  override readonly name = 'ExportIntegrityError';
  constructor(message: string) {
    super('database', 'EXPORT_ROW_COUNT_MISMATCH', message);
  }
}

/**
 * A Parquet file's footer disagrees with what the run wrote (its schema is not the one the
 * manifest states, or it counts other rows): a defect of the writer stage, never the data's.
 */
export class ParquetFooterError extends RdsExportError {
  override readonly name = 'ParquetFooterError';
  constructor(code: 'PARQUET_SCHEMA_MISMATCH' | 'PARQUET_ROW_COUNT_MISMATCH', message: string) {
    super('internal', code, message);
  }
}

/** A staged step's plan is not the run in flight (a stale or crafted payload): refused before any change. */
export class StagedPlanMismatchError extends RdsExportError {
  override readonly name = 'StagedPlanMismatchError';
  constructor(message: string) {
    super('config', 'STAGED_PLAN_NOT_IN_FLIGHT', message);
  }
}

/** Another run changed the job's state between our read and our conditional write. */
export class StateConflictError extends RdsExportError {
  override readonly name = 'StateConflictError';
  constructor(message: string) {
    super('storage', 'STATE_CONFLICT', message);
  }
}

/**
 * A cell whose server text has no value in its typed (Parquet) column: NaN in a NUMERIC(p,s),
 * an infinite or zero date, text that is not a number. The message describes the form, never
 * the cell itself (data may be confidential); the caller prefixes the column.
 */
export class TypedValueError extends RdsExportError {
  override readonly name = 'TypedValueError';
  constructor(message: string) {
    super('database', 'TYPED_VALUE', message);
  }
}
