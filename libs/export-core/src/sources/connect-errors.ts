import type { Engine } from '@rds-s3-export/shared-types';
import { SourceError, SourceTlsError } from '../errors.js';
import type { ConnectionSettings } from './connection-settings.js';
import { RDS_CA_BUNDLE, type TlsSettings } from './tls-settings.js';

/** node:tls verification codes: the chain does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The URL parameters, in the engine's own names, that the hints point at. */
function names(engine: Engine) {
  return engine === 'postgres'
    ? { require: 'sslmode=require', verifyFull: 'sslmode=verify-full', verifyCa: 'sslmode=verify-ca', disable: 'sslmode=disable', ca: 'sslrootcert' }
    : { require: 'ssl-mode=REQUIRED', verifyFull: 'ssl-mode=VERIFY_IDENTITY', verifyCa: 'ssl-mode=VERIFY_CA', disable: 'ssl-mode=DISABLED', ca: 'ssl-ca' };
}

/**
 * A TLS failure while connecting, as a `network/TLS_*` error whose message says what to change.
 * `serverText` is the server's or driver's own message; undefined when the error is not about TLS.
 */
export function mapTlsError(error: Error & { code?: string; errno?: number }, where: string, engine: Engine, tls: TlsSettings | undefined, host: string): SourceTlsError | undefined {
  const n = names(engine);
  // mysql2 replaces node:tls's code with HANDSHAKE_SSL_ERROR and keeps the message: read that.
  const code = error.code === 'HANDSHAKE_SSL_ERROR' ? (tlsCodeFromMessage(error.message) ?? error.code) : (error.code ?? '');
  const text = error.message;
  const trust = tls?.ca === undefined ? 'a CA Node trusts' : tls.ca === RDS_CA_BUNDLE ? `the RDS CA bundle (the default of the verify modes)` : `the CA of ${n.ca}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new SourceTlsError(
      'TLS_HOST_NAME_MISMATCH',
      `${where}: the server's certificate does not name "${host}" (${text}); connect by a name the certificate carries, or use ${n.verifyCa} to check the CA only`,
      { cause: error },
    );
  }
  if (UNTRUSTED.has(code)) {
    return new SourceTlsError(
      'TLS_CERT_UNTRUSTED',
      `${where}: the server's certificate is not signed by ${trust} (${code}); name the CA that signed it with ${n.ca}=<file.pem>, or use ${n.require} to encrypt without checking`,
      { cause: error },
    );
  }
  if (EXPIRED.has(code)) {
    return new SourceTlsError('TLS_CERT_EXPIRED', `${where}: the server's certificate is not valid now (${code}); renew it on the server`, { cause: error });
  }
  // The server has no TLS: pg says so in words, mysql2 with a code.
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT' || /server does not support SSL connections/i.test(text)) {
    return new SourceTlsError(
      'TLS_UNAVAILABLE',
      `${where}: TLS was asked for (${tls ? modeParameter(engine, tls.mode) : 'tls'}) and the server does not offer it; enable TLS on the server, or use ${n.disable} on a network you trust`,
      { cause: error },
    );
  }
  // A plain connection refused: PostgreSQL's pg_hba has only hostssl lines ("no encryption");
  // MySQL ER_SECURE_TRANSPORT_REQUIRED (3159), MariaDB's (4036) for --require-secure-transport.
  if ((code === '28000' && /no encryption/i.test(text)) || error.errno === 3159 || error.errno === 4036 || /insecure transport are prohibited/i.test(text)) {
    return new SourceTlsError(
      'TLS_REQUIRED',
      `${where}: the server accepts only encrypted connections (${text}); add ?${n.verifyFull} to the URL (RDS CA bundle; ${n.require} to skip the certificate check)`,
      { cause: error },
    );
  }
  if (tls && (code === 'HANDSHAKE_SSL_ERROR' || /^ERR_TLS_|^ERR_SSL_/.test(code) || /error establishing an SSL connection|SSL routines|handshake/i.test(text))) {
    return new SourceTlsError('TLS_HANDSHAKE_FAILED', `${where}: the TLS handshake failed (${code ? `${code}: ` : ''}${text})`, { cause: error });
  }
  return undefined;
}

/** node:tls's code from its (OpenSSL's) message, for drivers that drop the code. */
function tlsCodeFromMessage(message: string): string | undefined {
  if (/does not match certificate's altnames/i.test(message)) return 'ERR_TLS_CERT_ALTNAME_INVALID';
  if (/certificate has expired/i.test(message)) return 'CERT_HAS_EXPIRED';
  if (/certificate is not yet valid/i.test(message)) return 'CERT_NOT_YET_VALID';
  if (/self[- ]signed certificate in certificate chain/i.test(message)) return 'SELF_SIGNED_CERT_IN_CHAIN';
  if (/self[- ]signed certificate/i.test(message)) return 'DEPTH_ZERO_SELF_SIGNED_CERT';
  if (/unable to verify the first certificate/i.test(message)) return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  if (/unable to get local issuer certificate/i.test(message)) return 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
  if (/unable to get issuer certificate/i.test(message)) return 'UNABLE_TO_GET_ISSUER_CERT';
  if (/certificate signature failure/i.test(message)) return 'CERT_SIGNATURE_FAILURE';
  return undefined;
}

function modeParameter(engine: Engine, mode: TlsSettings['mode']): string {
  if (engine === 'postgres') return `sslmode=${mode}`;
  return `ssl-mode=${{ require: 'REQUIRED', 'verify-ca': 'VERIFY_CA', 'verify-full': 'VERIFY_IDENTITY' }[mode]}`;
}

/** No answer (TCP, TLS and login) within the connect timeout: say how long and where to raise it. */
export function connectTimedOut(where: string, settings: ConnectionSettings, cause: unknown): SourceError {
  const seconds = (settings.connectTimeoutMs ?? 10_000) / 1000;
  return new SourceError(
    'network',
    'SOURCE_UNREACHABLE',
    `${where}: no answer within ${seconds}s (the connect timeout; check host, port and firewall, or raise it: --connect-timeout, the URL's ${settings.engine === 'postgres' ? 'connect_timeout' : 'connect-timeout'}, or the connection's connectTimeoutSeconds)`,
    { cause },
  );
}
