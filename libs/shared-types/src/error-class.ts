/**
 * The one vocabulary of failure shared by every lib, the run summary and the dashboard.
 * Each thrown error in the project carries one of these classes and a stable code, so an
 * operator can tell "fix your config" from "the database went away" at a glance.
 */
import { z } from 'zod';

/**
 * `internal`: a failure the code did not foresee (a bug, a TypeError), never blamed on the
 * user's config, the network or the storage; the CLI exits 1 for it.
 */
export const errorClasses = ['config', 'auth', 'network', 'database', 'storage', 'timeout', 'internal'] as const;
export const ErrorClassSchema = z.enum(errorClasses);
export type ErrorClass = z.infer<typeof ErrorClassSchema>;

/**
 * Base of every coded error in the workspace. Subclasses live in each lib's `errors.ts`.
 * The message must be actionable and must never contain a secret: it is logged, printed by
 * the CLI and shown by the dashboard as is.
 */
export class RdsExportError extends Error {
  override readonly name: string = 'RdsExportError';
  readonly code: string;
  readonly errorClass: ErrorClass;

  constructor(errorClass: ErrorClass, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.errorClass = errorClass;
  }
}

export function isRdsExportError(error: unknown): error is RdsExportError {
  return error instanceof RdsExportError;
}
