import { RdsExportError } from '@rds-s3-export/shared-types';

/**
 * A deployment config that cannot be found, read or accepted, or a job it does not have. Always
 * the `config` class: the fix is in the file (messages name the file, the line, the job and the
 * field), never a retry.
 *
 * Codes: DEPLOYMENT_CONFIG_NOT_FOUND, DEPLOYMENT_CONFIG_UNREADABLE, DEPLOYMENT_CONFIG_SYNTAX,
 * DEPLOYMENT_CONFIG_INVALID, JOB_CONFIG_INVALID, JOB_DUPLICATE, JOB_UNKNOWN; and
 * DEPLOYMENT_CONFIG_UNWATCHED, raised by apps/infra (a CI deploy of a file nx affected does not see).
 */
export class DeploymentConfigError extends RdsExportError {
  override readonly name = 'DeploymentConfigError';
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('config', code, message, options);
  }
}
