import { RdsExportError } from '@rds-s3-export/shared-types';

/** Bad command line: exit code 2 with the usage hint. */
export class CliUsageError extends RdsExportError {
  override readonly name = 'CliUsageError';
  constructor(message: string) {
    super('config', 'CLI_USAGE', message);
  }
}

/** `internal` (a failure nobody foresaw) exits 1, as anything that is not an RdsExportError does. */
const EXIT_CODES = { config: 2, auth: 3, network: 4, database: 5, storage: 6, timeout: 7, internal: 1 } as const;

export function exitCodeFor(error: unknown): number {
  return error instanceof RdsExportError ? EXIT_CODES[error.errorClass] : 1;
}

/**
 * The abort reason when SIGINT or SIGTERM stops a run. Exit code 128 + the signal's number, as
 * a shell reports a process the signal ended: 130 for SIGINT (Ctrl+C), 143 for SIGTERM.
 */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly exitCode: number;
  constructor(readonly signalName: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signalName}`);
    this.exitCode = signalName === 'SIGINT' ? 130 : 143;
  }
}
