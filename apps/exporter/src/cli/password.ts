/**
 * Where the CLI's database password may come from, and the warning when it comes from the
 * command line: a password in the `--source` URL is in the process list (any local user can
 * read `ps`) and usually in shell history. The safer ways are `RDS_S3_EXPORT_DB_PASSWORD` and
 * `--password-stdin` (like `docker login --password-stdin`).
 */
import { PASSWORD_ENV } from '@rds-s3-export/export-runtime/plan';
import { CliUsageError } from './errors.js';

/** One line, never the password itself. */
export const PASSWORD_IN_URL_WARNING =
  `warning: the password in --source is visible to other users of this machine (process list) and may stay in shell history; ` +
  `use ${PASSWORD_ENV} or --password-stdin instead`;

/**
 * A password read from stdin is a few bytes; anything longer than this is not a password
 * (a file piped by mistake), so reading stops here instead of buffering it.
 */
const MAX_STDIN_PASSWORD_BYTES = 64 * 1024;

export interface PasswordInput extends AsyncIterable<Buffer | string> {
  readonly isTTY?: boolean;
}

/** True when the URL carries a non-empty password. A URL that does not parse is refused later, by name. */
export function urlHasPassword(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    return new URL(url.trim()).password !== '';
  } catch {
    return false;
  }
}

/**
 * Reads stdin to EOF and strips one trailing newline (`\n` or `\r\n`, as `echo` and
 * `printf '%s\n'` add), keeping every other character. Refuses a terminal (the password would
 * echo as it is typed), an empty password and an oversized input.
 */
export async function readPasswordFromStdin(stdin: PasswordInput): Promise<string> {
  if (stdin.isTTY) {
    throw new CliUsageError(
      `--password-stdin reads the password from a pipe or a file, but stdin is a terminal; ` +
        `e.g. printf '%s' "$DB_PASSWORD" | npm run -s export -- --password-stdin … (or set ${PASSWORD_ENV})`,
    );
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    bytes += buffer.length;
    if (bytes > MAX_STDIN_PASSWORD_BYTES) {
      throw new CliUsageError(`--password-stdin read more than ${MAX_STDIN_PASSWORD_BYTES} bytes from stdin; pipe only the password`);
    }
    chunks.push(buffer);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new CliUsageError('--password-stdin read an empty password from stdin');
  return password;
}
