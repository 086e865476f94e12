/**
 * The CLI's `main` in the test's own process, its output captured: what a user would see on
 * stdout and stderr, and the exit code. The environment is exactly `env` (callers spread
 * process.env themselves when the run needs it); stdin is empty unless given (read only with
 * --password-stdin).
 */
import { Readable } from 'node:stream';
import { main, type CliIo } from '../cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCliInProcess(argv: readonly string[], io: { env: NodeJS.ProcessEnv; stdin?: CliIo['stdin'] }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: io.env,
    stdin: io.stdin ?? Readable.from([]),
  });
  return { code, stdout, stderr };
}
