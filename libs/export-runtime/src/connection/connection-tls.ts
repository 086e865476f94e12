import type { TlsMode } from '@rds-s3-export/shared-types';
import { tlsSettings, type ConnectionSettings, type ParsedConnectionUrl } from '@rds-s3-export/export-core';

/**
 * A connection's `tls` mode (deployment config) as the sources take it. `verify-full`: encrypted,
 * the certificate checked against the RDS CA bundle and the host name; `require`: encrypted, the
 * certificate not checked (a proxy or a self-signed server); `disable`: plain TCP. A source URL's
 * own `sslmode`/`ssl-mode` is read by parseConnectionUrl (export-core tls-settings.ts).
 */
export function connectionTls(mode: TlsMode): ConnectionSettings['tls'] {
  return tlsSettings(mode);
}

/**
 * TLS for a source URL of a configured connection: the URL's own `sslmode`/`ssl-mode` wins when
 * it states one (it is the more specific), else the connection's `tls`, else none.
 */
export function urlOrConfiguredTls(parsed: ParsedConnectionUrl, configured: TlsMode | undefined): ConnectionSettings['tls'] {
  if (parsed.tlsMode !== undefined) return parsed.tls;
  return configured ? connectionTls(configured) : undefined;
}
