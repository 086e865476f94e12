/**
 * `npm run export -- …`: one export from the command line. Thin: parse, resolve, build the
 * adapters, call the core, map the outcome to an exit code and one clear line on stderr.
 */
import { RdsExportError, manifestKeyFor, type Manifest } from '@rds-s3-export/shared-types';
import { redactSecrets } from '@rds-s3-export/export-core';
import { parseCliArgs, USAGE } from './parse-args.js';
import { VERSION_LINE } from './version.js';
import { exitCodeFor, CliUsageError, Interrupted } from './errors.js';
import { PASSWORD_ENV, resolvePlan, runExportPlan } from '@rds-s3-export/export-runtime/plan';
import { progressReporter, thousands } from './progress.js';
import { PASSWORD_IN_URL_WARNING, readPasswordFromStdin, urlHasPassword, type PasswordInput } from './password.js';

/** Where the CLI writes; a terminal stderr gets live progress. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** Read only with --password-stdin. */
  readonly stdin?: PasswordInput;
  /** Aborted by SIGINT/SIGTERM (run.ts); its reason is an {@link Interrupted}. */
  readonly signal?: AbortSignal;
  /**
   * The process's 'warning' events (run.ts passes `process` after removing Node's own printer):
   * printed like every other line, so --progress json keeps stderr one JSON object per line.
   */
  readonly warnings?: { on(event: 'warning', listener: (warning: Error) => void): unknown };
}

export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin },
): Promise<number> {
  let secrets: readonly string[] = [];
  // Until the arguments are read, outcome lines are plain text.
  let json = false;
  const say = (text: string, event: Record<string, unknown>) =>
    io.stderr.write(`${redactSecrets(json ? JSON.stringify(event) : text, secrets)}\n`);
  io.warnings?.on('warning', (w) => say(`(node) ${w.name}: ${w.message}`, { event: 'warning', message: `${w.name}: ${w.message}` }));
  try {
    const command = parseCliArgs(argv);
    if (command.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (command.version) {
      io.stdout.write(`${VERSION_LINE}\n`);
      return 0;
    }
    json = command.progress === 'json';
    if (urlHasPassword(command.sourceUrl)) say(PASSWORD_IN_URL_WARNING, { event: 'warning', message: PASSWORD_IN_URL_WARNING });
    let env = io.env;
    if (command.passwordStdin) {
      const password = await readPasswordFromStdin(io.stdin ?? process.stdin);
      secrets = [password];
      // Takes the place of the environment variable (and wins over it: the flag is explicit).
      env = { ...io.env, [PASSWORD_ENV]: password };
    }
    const plan = resolvePlan(command, env, new Date());
    secrets = plan.secrets;
    const progress = progressReporter(command.quiet ? 'none' : (command.progress ?? 'auto'), io.stderr, { gzip: plan.request.compression === 'gzip' });
    let manifest: Manifest;
    try {
      manifest = await runExportPlan(plan, { onProgress: progress.update, ...(io.signal ? { signal: io.signal } : {}) });
    } finally {
      progress.done();
    }
    const where = (key: string) => location(plan.destination, key);
    const manifestAt = where(manifestKeyFor(plan.request.manifestPrefix, manifest.job, manifest.runId));
    if (!command.quiet) {
      say(summary(manifest, where) + `\nmanifest: ${manifestAt}`, {
        event: 'done',
        rows: manifest.rows,
        bytes: manifest.bytes,
        durationMs: manifest.durationMs,
        objects: manifest.objects.map((o) => where(o.key)),
        manifest: manifestAt,
      });
    }
    if (command.json) io.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  } catch (error) {
    const interrupted = io.signal?.aborted && io.signal.reason instanceof Interrupted ? io.signal.reason : undefined;
    if (interrupted) {
      say(`interrupted by ${interrupted.signalName}: export stopped, nothing committed (partial data removed, no manifest written)`, {
        event: 'interrupted',
        signal: interrupted.signalName,
      });
      return interrupted.exitCode;
    }
    const line =
      error instanceof RdsExportError
        ? `error [${error.errorClass}/${error.code}]: ${error.message}`
        : `error: ${error instanceof Error ? error.message : String(error)}`;
    say(line, {
      event: 'error',
      ...(error instanceof RdsExportError ? { errorClass: error.errorClass, code: error.code } : {}),
      message: error instanceof Error ? error.message : String(error),
    });
    if (error instanceof CliUsageError && !json) io.stderr.write('run with --help for usage\n');
    return exitCodeFor(error);
  }
}

/** Objects named one per line up to this many; beyond, the folder and the count. */
const OBJECTS_LISTED = 5;

/**
 * The outcome line: rows and bytes with thousands separators, and every object written (or,
 * for many parts, their folder and count).
 */
export function summary(manifest: Manifest, where: (key: string) => string): string {
  const gzip = manifest.compression === 'gzip' ? ' gzip' : '';
  const head = `exported ${thousands(manifest.rows)} rows (${thousands(manifest.bytes)} bytes${gzip}) in ${(manifest.durationMs / 1000).toFixed(1)}s`;
  const keys = manifest.objects.map((o) => o.key);
  if (keys.length === 0) return `${head}: no data object (empty window)`;
  if (keys.length === 1) return `${head} to ${where(keys[0]!)}`;
  if (keys.length <= OBJECTS_LISTED) return `${head} to ${keys.length} objects:\n${keys.map((k) => `  ${where(k)}`).join('\n')}`;
  const folder = commonFolder(keys);
  return `${head} to ${keys.length} objects in ${where(folder)} (${keys[0]!.slice(folder.length)} … ${keys[keys.length - 1]!.slice(folder.length)})`;
}

function commonFolder(keys: readonly string[]): string {
  let prefix = keys[0] ?? '';
  for (const key of keys) while (!key.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

function location(destination: { kind: 's3'; bucket: string } | { kind: 'file'; directory: string }, key: string): string {
  return destination.kind === 's3' ? `s3://${destination.bucket}/${key}` : `${destination.directory}/${key}`;
}
