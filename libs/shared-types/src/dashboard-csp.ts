/**
 * The dashboard's Content-Security-Policy, one definition for both places that serve the app:
 * the CloudFront response-headers policy (apps/infra DashboardHosting) and the dashboard API's
 * local server (`npm start` and the sign-in end-to-end test, which proves the app runs under it).
 *
 * What the app loads: its own scripts and styles (no inline ones; React sets styles through the
 * DOM, which style-src does not govern), its own images and the `data:` favicon, and fetches to
 * its own origin (the API under /api/) plus the sign-in provider (`connectSources`: discovery,
 * token). Downloads are navigations to presigned S3 URLs, which connect-src does not govern.
 * No plugins, no <base>, no form posts, never framed.
 */
export function dashboardContentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connectSources].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
