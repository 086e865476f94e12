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
 * SQL identifiers accepted in job config: plain ASCII names, optionally schema-qualified.
 * Deliberately narrower than what the engines allow (no quotes, spaces or unicode): anything
 * outside it is refused before a connection is opened, and everything inside it is still quoted.
 */
const IDENTIFIER_PART = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
export function identifierProblem(name: string, { qualified }: { qualified: boolean }): string | null {
  const parts = name.split('.');
  if (parts.length > (qualified ? 2 : 1)) {
    return qualified ? 'must be "table" or "schema.table"' : 'must not contain "."';
  }
  if (parts.some((p) => !IDENTIFIER_PART.test(p))) {
    return 'must be an ASCII identifier: a letter or "_" followed by up to 62 letters, digits, "_" or "$"';
  }
  return null;
}
