import { bucketNameProblem, keyPrefixProblem } from './naming-rules.js';

/** Where objects go: an S3 bucket with a key prefix, or a local folder (tests, local runs). */
export type Destination =
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'file'; directory: string; prefix: string };

/**
 * Parses `s3://bucket[/prefix]` or `file:///abs/dir`. Trims surrounding whitespace (the
 * original pipeline once failed on a bucket name with a trailing space) and refuses invalid
 * bucket names and prefixes with a reason, before anything connects anywhere.
 * Returns the problem as a string so callers can name their own field in the message.
 */
export function parseDestination(raw: string): { ok: true; value: Destination } | { ok: false; problem: string } {
  const uri = raw.trim();
  if (uri.startsWith('s3://')) {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = (slash === -1 ? rest : rest.slice(0, slash)).trim();
    const prefix = trimSlashes(slash === -1 ? '' : rest.slice(slash + 1));
    const bucketProblem = bucketNameProblem(bucket);
    if (bucketProblem) return { ok: false, problem: `bucket name "${bucket}" ${bucketProblem}` };
    const prefixProblem = keyPrefixProblem(prefix);
    if (prefixProblem) return { ok: false, problem: `prefix "${prefix}" ${prefixProblem}` };
    return { ok: true, value: { kind: 's3', bucket, prefix } };
  }
  if (uri.startsWith('file://')) {
    let directory: string;
    let host: string;
    try {
      const url = new URL(uri);
      host = url.host;
      directory = decodeURIComponent(url.pathname);
    } catch {
      return { ok: false, problem: `"${uri}" is not a valid file:// URL` };
    }
    // `file://out/dir` parses as host "out" + path "/dir": a relative path written with two
    // slashes, which would otherwise silently become the absolute folder /dir (or / itself).
    if (host !== '' || !directory.startsWith('/')) {
      return { ok: false, problem: 'file:// destinations need an absolute path (file:///abs/dir)' };
    }
    return { ok: true, value: { kind: 'file', directory: directory.replace(/\/+$/, '') || '/', prefix: '' } };
  }
  return { ok: false, problem: `"${uri}" must start with s3:// or file://` };
}

export function trimSlashes(value: string): string {
  return value.trim().replace(/^\/+|\/+$/g, '');
}

export function describeDestination(d: Destination): string {
  return d.kind === 's3' ? `s3://${d.bucket}${d.prefix ? `/${d.prefix}` : ''}` : `file://${d.directory}`;
}
