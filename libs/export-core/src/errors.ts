/**
 * Coded errors of the export core. Every failure that leaves the core is one of these, with a
 * class from the shared vocabulary (config|auth|network|database|storage|timeout) and a
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
  const message = error instanceof Error ? error.message : String(error);
  return { errorClass: 'storage', code: 'EXPORT_FAILED', message };
}

/** The export's own accounting disagrees with the source (rows written vs rows in the window). */
export class ExportIntegrityError extends RdsExportError {
  override readonly name = 'ExportIntegrityError';
  constructor(message: string) {
    super('database', 'EXPORT_ROW_COUNT_MISMATCH', message);
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
