/**
 * `npm run export -- …`: one export from the command line. Thin: parse, resolve, build the
 * adapters, call the core, map the outcome to an exit code and one clear line on stderr.
 */
import { RdsExportError, manifestKeyFor, type Manifest } from '@rds-s3-export/shared-types';
import { redactSecrets } from '@rds-s3-export/export-core';
import { parseCliArgs, USAGE } from './parse-args.js';
import { exitCodeFor, CliUsageError } from './errors.js';
import { PASSWORD_ENV, resolvePlan } from '../compose/export-plan.js';
import { runPlannedExport } from '../compose/run-planned-export.js';
import { progressPrinter } from './progress.js';
import { PASSWORD_IN_URL_WARNING, readPasswordFromStdin, urlHasPassword, type PasswordInput } from './password.js';

/** Where the CLI writes; a terminal stderr gets live progress. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** Read only with --password-stdin. */
  readonly stdin?: PasswordInput;
}

export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin },
): Promise<number> {
  let secrets: readonly string[] = [];
  try {
    const command = parseCliArgs(argv);
    if (command.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (urlHasPassword(command.sourceUrl)) io.stderr.write(`${PASSWORD_IN_URL_WARNING}\n`);
    let env = io.env;
    if (command.passwordStdin) {
      const password = await readPasswordFromStdin(io.stdin ?? process.stdin);
      secrets = [password];
      // Takes the place of the environment variable (and wins over it: the flag is explicit).
      env = { ...io.env, [PASSWORD_ENV]: password };
    }
    const plan = resolvePlan(command, env, new Date());
    secrets = plan.secrets;
    const progress = progressPrinter(io.stderr);
    let manifest: Manifest;
    try {
      manifest = await runPlannedExport(plan, { onProgress: progress.update });
    } finally {
      progress.done();
    }
    const seconds = (manifest.durationMs / 1000).toFixed(1);
    io.stderr.write(
      `exported ${manifest.rows} rows (${manifest.bytes} bytes) in ${seconds}s to ${location(plan.destination, manifest.objects[0]?.key ?? '')}\n` +
        `manifest: ${location(plan.destination, manifestKeyFor(plan.request.manifestPrefix, manifest.job, manifest.runId))}\n`,
    );
    if (command.json) io.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  } catch (error) {
    const line =
      error instanceof RdsExportError
        ? `error [${error.errorClass}/${error.code}]: ${error.message}`
        : `error: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr.write(`${redactSecrets(line, secrets)}\n`);
    if (error instanceof CliUsageError) io.stderr.write('run with --help for usage\n');
    return exitCodeFor(error);
  }
}

function location(destination: { kind: 's3'; bucket: string } | { kind: 'file'; directory: string }, key: string): string {
  return destination.kind === 's3' ? `s3://${destination.bucket}/${key}` : `${destination.directory}/${key}`;
}
