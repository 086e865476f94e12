/**
 * Replaces every occurrence of the given secrets (and their URL-encoded form) in a text.
 * Defence in depth for anything printed or logged: messages are built without secrets, this
 * catches what a driver or a stack might still carry. Secrets shorter than 4 characters are
 * ignored (they would mangle ordinary words).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), urlPasswordForm(secret)])) out = out.split(form).join('***');
  }
  return out;
}

/** How the WHATWG URL parser writes a password (it escapes less than encodeURIComponent). */
function urlPasswordForm(secret: string): string {
  const url = new URL('http://host');
  url.password = secret;
  return url.password;
}
