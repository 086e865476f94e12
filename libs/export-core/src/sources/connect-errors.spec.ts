import { describe, expect, it } from 'vitest';
import { mapTlsError } from './connect-errors.js';
import { mapMysqlError } from './mysql/mysql-errors.js';
import { mapPostgresError } from './postgres/postgres-errors.js';
import { tlsSettings } from './tls-settings.js';

/** A driver error as mysql2/pg/node:tls shape it (message plus code/errno fields). */
function driverError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('Function: mapTlsError', () => {
  const where = 'connecting to mariadb db.internal:3306/shop';
  const verify = tlsSettings('verify-full');

  it.each([
    // mysql2 replaces node:tls's code with HANDSHAKE_SSL_ERROR: the message tells which.
    ['certificate has expired', 'TLS_CERT_EXPIRED', /not valid now \(CERT_HAS_EXPIRED\); renew it on the server/],
    ['certificate is not yet valid', 'TLS_CERT_EXPIRED', /CERT_NOT_YET_VALID/],
    ['self-signed certificate', 'TLS_CERT_UNTRUSTED', /not signed by the RDS CA bundle .*DEPTH_ZERO_SELF_SIGNED_CERT.*ssl-ca=<file\.pem>.*ssl-mode=REQUIRED/],
    ['unable to get local issuer certificate', 'TLS_CERT_UNTRUSTED', /UNABLE_TO_GET_ISSUER_CERT_LOCALLY/],
    ["Hostname/IP does not match certificate's altnames: Host: db.internal. is not in the cert's altnames: DNS:other", 'TLS_HOST_NAME_MISMATCH', /does not name "db\.internal".*ssl-mode=VERIFY_CA/],
    ['wrong version number', 'TLS_HANDSHAKE_FAILED', /the TLS handshake failed \(HANDSHAKE_SSL_ERROR: wrong version number\)/],
  ])('reads mysql2 HANDSHAKE_SSL_ERROR %j as %s', (message, code, text) => {
    const mapped = mapTlsError(driverError(message, { code: 'HANDSHAKE_SSL_ERROR', fatal: true }), where, 'mariadb', verify, 'db.internal');
    expect(mapped?.errorClass).toBe('network');
    expect(mapped?.code).toBe(code);
    expect(mapped?.message).toMatch(text);
    expect(mapped?.message.startsWith(`${where}: `)).toBe(true);
  });

  it("names MySQL's ER_SECURE_TRANSPORT_REQUIRED (3159) as TLS_REQUIRED with the MySQL parameter", () => {
    const mapped = mapTlsError(
      driverError('Connections using insecure transport are prohibited while --require_secure_transport=ON.', { code: 'ER_SECURE_TRANSPORT_REQUIRED', errno: 3159 }),
      where,
      'mysql',
      undefined,
      'db.internal',
    );
    expect(mapped?.code).toBe('TLS_REQUIRED');
    expect(mapped?.message).toMatch(/add \?ssl-mode=VERIFY_IDENTITY to the URL/);
  });

  it('leaves errors that are not about TLS alone', () => {
    expect(mapTlsError(driverError("Access denied for user 'u'@'h'", { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 }), where, 'mariadb', undefined, 'h')).toBeUndefined();
    expect(mapTlsError(driverError('password authentication failed for user "u"', { code: '28P01' }), where, 'postgres', verify, 'h')).toBeUndefined();
  });
});

describe('Function: mapMysqlError, privileges', () => {
  it('names the GRANT for a column-level refusal', () => {
    const mapped = mapMysqlError(
      driverError('', { code: 'ER_COLUMNACCESS_DENIED_ERROR', errno: 1143, sqlMessage: "SELECT command denied to user 'exporter'@'10.0.0.5' for column 'salary' in table 'staff'" }),
      'reading the columns of table staff on mysql h:3306/hr',
    );
    expect(mapped?.errorClass).toBe('auth');
    expect(mapped?.code).toBe('SOURCE_PERMISSION_DENIED');
    expect(mapped?.message).toMatch(/the user may not read it: GRANT SELECT ON `staff` TO 'exporter'@'10\.0\.0\.5'$/);
  });

  it('keeps a refused login as SOURCE_AUTH_FAILED (the code that re-reads a rotated secret)', () => {
    const mapped = mapMysqlError(driverError('', { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, sqlMessage: "Access denied for user 'u'@'h' (using password: YES)" }), 'connecting');
    expect(mapped?.code).toBe('SOURCE_AUTH_FAILED');
  });
});

describe('Function: mapPostgresError, privileges', () => {
  it.each([
    ['permission denied for schema sales', 'GRANT USAGE ON SCHEMA sales TO exporter'],
    ['permission denied for database shop', 'GRANT CONNECT ON DATABASE shop TO exporter'],
    ['permission denied for view v_orders', 'GRANT SELECT ON v_orders TO exporter (schema-qualified if it is not in the search_path)'],
  ])('%j names %j', (message, grant) => {
    const mapped = mapPostgresError(driverError(message, { code: '42501', severity: 'ERROR' }), 'reading', { user: 'exporter', table: 'sales.orders' });
    expect(mapped?.code).toBe('SOURCE_PERMISSION_DENIED');
    expect(mapped?.message).toBe(`reading: PostgreSQL 42501: ${message}; the user may not read it: ${grant}`);
  });

  it('quotes a role name that is not a plain identifier', () => {
    const mapped = mapPostgresError(driverError('permission denied for table orders', { code: '42501' }), 'reading', { user: 'Export User', table: 'sales.orders' });
    expect(mapped?.message).toMatch(/GRANT SELECT ON sales\.orders TO "Export User"$/);
  });
});
