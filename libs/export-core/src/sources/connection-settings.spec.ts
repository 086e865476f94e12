import { describe, expect, it } from 'vitest';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConnectionUrl } from './connection-settings.js';
import { RDS_CA_BUNDLE } from './tls-settings.js';

/** Runs `act`, expects it to throw, and returns the error for inspection. */
function thrown(act: () => unknown): RdsExportError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(RdsExportError);
    return error as RdsExportError;
  }
  throw new Error('expected a throw');
}

describe('Function: parseConnectionUrl', () => {
  it.each([
    ['mysql://app:pw@db.example.com:3307/sales', { engine: 'mysql', host: 'db.example.com', port: 3307, user: 'app', password: 'pw', database: 'sales' }],
    ['mysql://app:pw@db.example.com/sales', { engine: 'mysql', host: 'db.example.com', port: 3306, user: 'app', password: 'pw', database: 'sales' }],
    ['mariadb://app@127.0.0.1/sales', { engine: 'mariadb', host: '127.0.0.1', port: 3306, user: 'app', password: '', database: 'sales' }],
    ['postgres://app:pw@pg.internal/analytics', { engine: 'postgres', host: 'pg.internal', port: 5432, user: 'app', password: 'pw', database: 'analytics' }],
    ['postgresql://app:pw@pg.internal:6432/analytics', { engine: 'postgres', host: 'pg.internal', port: 6432, user: 'app', password: 'pw', database: 'analytics' }],
    ['postgres://pg.internal/analytics', { engine: 'postgres', host: 'pg.internal', port: 5432, user: 'postgres', password: '', database: 'analytics' }],
    ['mysql://127.0.0.1/sales', { engine: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'sales' }],
    ['postgres://app:pw@[::1]:5433/analytics', { engine: 'postgres', host: '::1', port: 5433, user: 'app', password: 'pw', database: 'analytics' }],
    ['  mysql://app:pw@h/sales \n', { engine: 'mysql', host: 'h', port: 3306, user: 'app', password: 'pw', database: 'sales' }],
  ])('parses %j', (url, expected) => {
    expect(parseConnectionUrl(url)).toEqual(expected);
  });

  it('decodes a percent-encoded password, user and database', () => {
    // Act
    const settings = parseConnectionUrl('postgres://app%40corp:p%40ss%3Aw%2Fd%25%20%F0%9F%98%80@h/my%20db');

    // Assess
    expect(settings.user).toBe('app@corp');
    expect(settings.password).toBe('p@ss:w/d% 😀');
    expect(settings.database).toBe('my db');
  });

  it.each([
    ['postgres://u:s3cr3t@host', 'source URL names no database'],
    ['postgres://u:s3cr3t@host/', 'source URL names no database'],
    ['mysql://u:s3cr3t@host:3306', 'source URL names no database'],
    ['mysql://u:s3cr3t@/db', 'source URL is not a valid URL'],
    ['mysql:///db', 'source URL names no host'],
    ['http://u:s3cr3t@host/db', 'source URL scheme "http" is not one of mysql, mariadb, postgres'],
    ['mssql://u:s3cr3t@host/db', 'source URL scheme "mssql" is not one of mysql, mariadb, postgres'],
    ['u:s3cr3t@host/db', 'source URL scheme "u" is not one of mysql, mariadb, postgres'],
    ['host/db with s3cr3t', 'source URL is not a valid URL'],
    ['postgres://u:s3cr3t@host:99999/db', 'source URL is not a valid URL'],
    ['postgres://u:s3cr3t%ZZ@host/db', 'source URL password is not valid percent-encoding'],
    ['postgres://u:%E0%A4%A-s3cr3t@host/db', 'source URL password is not valid percent-encoding'],
  ])('refuses %j with a coded config error that never contains the password', (url, message) => {
    // Act
    const error = thrown(() => parseConnectionUrl(url));

    // Assess
    expect(error.code).toBe('SOURCE_URL_INVALID');
    expect(error.errorClass).toBe('config');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('s3cr3t');
    expect(String(error.stack)).not.toContain('s3cr3t');
    expect(error.cause).toBeUndefined();
  });
});

describe('Function: parseConnectionUrl, parameters', () => {
  const caFile = join(mkdtempSync(join(tmpdir(), 'url-ca-')), 'ca.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

  it.each([
    ['postgres://h/db?sslmode=disable', { tlsMode: 'disable' }],
    ['postgres://h/db?sslmode=require', { tlsMode: 'require', tls: { mode: 'require', rejectUnauthorized: false } }],
    ['postgres://h/db?sslmode=verify-ca', { tlsMode: 'verify-ca', tls: { mode: 'verify-ca', ca: RDS_CA_BUNDLE, rejectUnauthorized: true, verifyHostName: false } }],
    ['postgres://h/db?sslmode=verify-full', { tlsMode: 'verify-full', tls: { mode: 'verify-full', ca: RDS_CA_BUNDLE, rejectUnauthorized: true, verifyHostName: true } }],
    ['mysql://h/db?ssl-mode=DISABLED', { tlsMode: 'disable' }],
    ['mysql://h/db?ssl-mode=REQUIRED', { tlsMode: 'require', tls: { mode: 'require', rejectUnauthorized: false } }],
    ['mariadb://h/db?ssl_mode=required', { tlsMode: 'require', tls: { mode: 'require', rejectUnauthorized: false } }],
    ['mysql://h/db?ssl-mode=VERIFY_CA', { tlsMode: 'verify-ca', tls: { mode: 'verify-ca', ca: RDS_CA_BUNDLE, rejectUnauthorized: true, verifyHostName: false } }],
    ['mysql://h/db?ssl-mode=VERIFY_IDENTITY', { tlsMode: 'verify-full', tls: { mode: 'verify-full', ca: RDS_CA_BUNDLE, rejectUnauthorized: true, verifyHostName: true } }],
    ['postgres://h/db?connect_timeout=3', { connectTimeoutMs: 3000 }],
    ['mysql://h/db?connect-timeout=12', { connectTimeoutMs: 12_000 }],
    ['mariadb://h/db?connect_timeout=600', { connectTimeoutMs: 600_000 }],
  ])('reads %j', (url, expected) => {
    // Act
    const { engine: _e, host: _h, port: _p, user: _u, password: _pw, database: _d, ...rest } = parseConnectionUrl(url);

    // Assess
    expect(rest).toEqual(expected);
  });

  it('reads the CA file of sslrootcert / ssl-ca in place of the RDS bundle', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(parseConnectionUrl(`postgres://h/db?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`).tls).toEqual({ mode: 'verify-full', ca: pem, rejectUnauthorized: true, verifyHostName: true });
    expect(parseConnectionUrl(`mysql://h/db?ssl-ca=${caFile}&ssl-mode=VERIFY_CA`).tls).toEqual({ mode: 'verify-ca', ca: pem, rejectUnauthorized: true, verifyHostName: false });
  });

  it.each([
    ['postgres://u:s3cr3t@h/db?ssl=true', 'SOURCE_URL_PARAMETER_UNKNOWN', 'source URL parameter "ssl" is not supported; say how: sslmode=require or sslmode=verify-full (postgres URLs take sslmode, sslrootcert, connect_timeout)'],
    ['postgres://u:s3cr3t@h/db?application_name=x', 'SOURCE_URL_PARAMETER_UNKNOWN', 'source URL parameter "application_name" is not supported (postgres URLs take sslmode'],
    ['postgres://u:s3cr3t@h/db?ssl-mode=REQUIRED', 'SOURCE_URL_PARAMETER_UNKNOWN', '"ssl-mode" is MySQL\'s name, postgres takes "sslmode"'],
    ['mysql://u:s3cr3t@h/db?sslmode=require', 'SOURCE_URL_PARAMETER_UNKNOWN', '"sslmode" is PostgreSQL\'s name, mysql takes "ssl-mode"'],
    ['mariadb://u:s3cr3t@h/db?sslrootcert=/ca.pem', 'SOURCE_URL_PARAMETER_UNKNOWN', '"sslrootcert" is PostgreSQL\'s name, mariadb takes "ssl-ca"'],
    ['mysql://u:s3cr3t@h/db?useSSL=true', 'SOURCE_URL_PARAMETER_UNKNOWN', 'say how: ssl-mode=REQUIRED or ssl-mode=VERIFY_IDENTITY'],
    ['postgres://u:s3cr3t@h/db?sslmode=prefer', 'SOURCE_URL_INVALID', 'sslmode="prefer" is not one of disable, require, verify-ca, verify-full (it falls back to plain text'],
    ['postgres://u:s3cr3t@h/db?sslmode=REQUIRE', 'SOURCE_URL_INVALID', 'sslmode="REQUIRE" is not one of disable, require, verify-ca, verify-full'],
    ['mysql://u:s3cr3t@h/db?ssl-mode=PREFERRED', 'SOURCE_URL_INVALID', 'ssl-mode="PREFERRED" is not one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY (it falls back'],
    ['postgres://u:s3cr3t@h/db?sslmode=require&sslmode=disable', 'SOURCE_URL_INVALID', 'source URL parameter "sslmode" is given twice'],
    ['mysql://u:s3cr3t@h/db?ssl-mode=REQUIRED&ssl_mode=DISABLED', 'SOURCE_URL_INVALID', 'source URL parameter "ssl-mode" is given twice'],
    ['postgres://u:s3cr3t@h/db?sslmode=require&sslrootcert=/ca.pem', 'SOURCE_URL_INVALID', 'sslrootcert is the CA a certificate is checked against; it needs sslmode=verify-ca or verify-full'],
    ['mysql://u:s3cr3t@h/db?ssl-ca=/ca.pem', 'SOURCE_URL_INVALID', 'ssl-ca is the CA a certificate is checked against; it needs ssl-mode=VERIFY_CA or VERIFY_IDENTITY'],
    ['postgres://u:s3cr3t@h/db?sslmode=verify-full&sslrootcert=/no/such/ca.pem', 'TLS_CA_UNREADABLE', 'sslrootcert: cannot read the CA file "/no/such/ca.pem" (ENOENT)'],
    ['postgres://u:s3cr3t@h/db?connect_timeout=0', 'SOURCE_URL_INVALID', 'connect_timeout="0" must be whole seconds from 1 to 600'],
    ['mysql://u:s3cr3t@h/db?connect-timeout=2.5', 'SOURCE_URL_INVALID', 'connect-timeout="2.5" must be whole seconds from 1 to 600'],
    ['mysql://u:s3cr3t@h/db?connect-timeout=601', 'SOURCE_URL_INVALID', 'connect-timeout="601" must be whole seconds'],
  ])('refuses %j by name (%s)', (url, code, message) => {
    // Act
    const error = thrown(() => parseConnectionUrl(url));

    // Assess
    expect(error.errorClass).toBe('config');
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('s3cr3t');
  });

  it('refuses a CA file that holds no PEM certificate', () => {
    const notPem = join(mkdtempSync(join(tmpdir(), 'url-ca-')), 'ca.der');
    writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01]));
    const error = thrown(() => parseConnectionUrl(`mysql://h/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=${notPem}`));
    expect(error.code).toBe('TLS_CA_UNREADABLE');
    expect(error.message).toBe(`ssl-ca: "${notPem}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  });
});
