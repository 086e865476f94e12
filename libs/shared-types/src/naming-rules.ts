/**
 * Validation rules for names that end up in S3 keys, SQL or AWS resource names.
 * Pure functions returning a reason (or null) so zod schemas and the CLI share one wording.
 */

/** S3 general purpose bucket naming rules (docs: "Bucket naming rules"). */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return `must be 3 to 63 characters long (got ${name.length})`;
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'may not contain two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'may not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `may not start with the reserved prefix "${prefix}"`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `may not end with the reserved suffix "${suffix}"`;
  }
  return null;
}

/**
 * Key prefix rules: relative, no empty or dot segments, printable, short enough to leave room
 * for the file name inside S3's 1,024-byte key limit. Leading/trailing slashes are the caller's to trim.
 */
export function keyPrefixProblem(prefix: string): string | null {
  if (prefix === '') return null;
  if (prefix.startsWith('/')) return 'must not start with "/"';
  if (/[\u0000-\u001f\u007f]/.test(prefix)) return 'must not contain control characters';
  if (/[\\{}^%`[\]"<>~#|]/.test(prefix)) return 'must not contain \\ { } ^ % ` [ ] " < > ~ # |';
  const segments = prefix.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'must not contain empty, "." or ".." segments';
  // TextEncoder, not Buffer: this module is also bundled into the browser dashboard.
  if (new TextEncoder().encode(prefix).length > 512) return 'must be at most 512 bytes';
  return null;
}

/** Job names appear in S3 keys, run ids, log fields and AWS resource names. */
export const JOB_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export function jobNameProblem(name: string): string | null {
  return JOB_NAME_PATTERN.test(name)
    ? null
    : 'must be 1 to 63 characters of lowercase letters, digits, "_" or "-", starting with a letter or digit';
}

/**
 * SQL names (tables, columns) as users write them in job config and on the command line.
 *
 * Any name the engines allow is accepted and taken exactly (no case folding, no trimming inside
 * quotes): spaces, dashes, mixed case, non-ASCII. A table is `table` or `schema.table`; a part
 * that contains a dot, or starts with a quote, is written in either engine's quoted form,
 * `"My Schema"."Order Items"` or `` `sales`.`order-items` `` (a doubled quote inside stands for
 * one). A column is one name, never split at dots; a column that starts with a quote is read in
 * the quoted form too (so a column name may not itself start with a quote character). The
 * sources quote every name by their engine's rules, whatever it holds.
 *
 * Limits: no NUL character (neither engine allows one), at most 64 characters a part (MySQL's
 * limit; PostgreSQL's 63 bytes is checked where the name is quoted, so it is never truncated).
 */
export interface TableName {
  /** The schema (MySQL/MariaDB: the database); absent = the connection's default. */
  readonly schema?: string;
  readonly name: string;
}

export type NameParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** MySQL's identifier limit in characters; PostgreSQL's (63 bytes) is narrower for non-ASCII. */
export const MAX_IDENTIFIER_CHARS = 64;
const QUOTES = ['"', '`'];

function partProblem(part: string): string | null {
  if (part === '') return 'has an empty name (quote a name only to keep dots or quotes in it)';
  if (part.includes('\u0000')) return 'must not contain the NUL character';
  if ([...part].length > MAX_IDENTIFIER_CHARS) return `has a name longer than ${MAX_IDENTIFIER_CHARS} characters`;
  return null;
}

/** Reads a quoted part starting at `start` (a quote character); returns the name and the index after it. */
function readQuoted(text: string, start: number): { name: string; end: number } | null {
  const q = text[start] as string;
  let name = '';
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] !== q) {
      name += text[i];
    } else if (text[i + 1] === q) {
      name += q;
      i++;
    } else {
      return { name, end: i + 1 };
    }
  }
  return null;
}

/** Parses `table`, `schema.table` or their quoted forms into exact names. */
export function parseTableName(text: string): NameParse<TableName> {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    if (QUOTES.includes(text[i] ?? '')) {
      const quoted = readQuoted(text, i);
      if (!quoted) return { ok: false, problem: `has an unterminated ${text[i]} quote` };
      parts.push(quoted.name);
      i = quoted.end;
      if (i < text.length && text[i] !== '.') return { ok: false, problem: 'has text after a closing quote (join schema and table with ".")' };
    } else {
      const dot = text.indexOf('.', i);
      parts.push(text.slice(i, dot === -1 ? text.length : dot));
      i = dot === -1 ? text.length : dot;
    }
    if (i >= text.length) break;
    i++; // the dot
    if (i >= text.length) {
      parts.push(''); // a trailing dot: refused below as an empty name
      break;
    }
  }
  if (parts.length > 2) return { ok: false, problem: 'must be "table" or "schema.table" (quote a name that contains a dot: "my.table")' };
  for (const part of parts) {
    const problem = partProblem(part);
    if (problem) return { ok: false, problem };
  }
  const [first, second] = parts as [string, string | undefined];
  return { ok: true, value: second === undefined ? { name: first } : { schema: first, name: second } };
}

/** Parses a column name: the text as it is, or a quoted form when it starts with a quote. */
export function parseColumnName(text: string): NameParse<string> {
  let name = text;
  if (QUOTES.includes(text[0] ?? '')) {
    const quoted = readQuoted(text, 0);
    if (!quoted) return { ok: false, problem: `has an unterminated ${text[0]} quote` };
    if (quoted.end !== text.length) return { ok: false, problem: 'has text after the closing quote (a column is one name)' };
    name = quoted.name;
    // Config is read twice (file, then the resolved job): the name must read back as itself.
    if (QUOTES.includes(name[0] ?? '')) return { ok: false, problem: 'is a column name that starts with a quote character, which is not supported' };
  }
  const problem = partProblem(name);
  return problem ? { ok: false, problem } : { ok: true, value: name };
}

/**
 * A name as it can be written back (messages, suggestions): names of letters, digits, "_" and "$"
 * as they are, others in double quotes with inner quotes doubled. `parseTableName` reads the result back to the same name.
 */
export function formatIdentifier(name: string): string {
  return /^[\p{L}\p{N}_$]+$/u.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function formatTableName(table: TableName): string {
  return [table.schema, table.name].filter((p): p is string => p !== undefined).map(formatIdentifier).join('.');
}

/** Why a table name cannot be used, or null. Kept for callers that only validate. */
export function tableNameProblem(text: string): string | null {
  const parsed = parseTableName(text);
  return parsed.ok ? null : parsed.problem;
}

export function columnNameProblem(text: string): string | null {
  const parsed = parseColumnName(text);
  return parsed.ok ? null : parsed.problem;
}

/** @deprecated use tableNameProblem / columnNameProblem. */
export function identifierProblem(name: string, { qualified }: { qualified: boolean }): string | null {
  return qualified ? tableNameProblem(name) : columnNameProblem(name);
}

/**
 * The job name a table export gets when none is given (CLI `--table` without `--job-name`),
 * a valid job name (S3 key segment, DynamoDB key, AWS resource name part):
 *
 * - the schema is kept unless it is `defaultSchema` (the URL's database on MySQL/MariaDB,
 *   `public` on PostgreSQL), joined to the table with "-": `sales.invoices` -> `sales-invoices`;
 * - a name already of lowercase letters, digits and "_" (starting with a letter or digit) is
 *   kept as it is: `invoices` -> `invoices`;
 * - any other name is lowercased, each run of other characters becomes "_", and "--" plus
 *   8 hex digits of a hash of the exact name (FNV-1a 32 of its UTF-8 text) is appended, so
 *   names that differ only in case or punctuation stay apart: `order-items` ->
 *   `order_items--<hash>`; the readable part is cut to keep the whole at 63 characters.
 *
 * Plain names never contain "-" and hashed ones always end in "--" + hash, so two different
 * tables get two different job names (up to a 32-bit hash collision, only among renamed ones).
 */
export function jobNameForTable(table: TableName, { defaultSchema }: { defaultSchema?: string } = {}): string {
  const parts = table.schema !== undefined && table.schema !== defaultSchema ? [table.schema, table.name] : [table.name];
  const plain = (part: string) => /^[a-z0-9][a-z0-9_]*$/.test(part);
  const readable = parts
    .map((part) => part.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'x')
    .join('-');
  if (parts.every(plain) && readable.length <= 63) return readable;
  const key = parts.map(formatIdentifier).join('.');
  return `${readable.slice(0, 53).replace(/[-_]+$/, '') || 'x'}--${fnv1a32(key)}`;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes, as 8 hex digits (also runs in the browser bundle). */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
