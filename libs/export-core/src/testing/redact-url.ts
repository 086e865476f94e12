/**
 * A connection URL with its password replaced: for test output only (production messages go
 * through redact.ts `redactSecrets`, which knows every secret a run holds).
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw.trim());
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
