import { describe, expect, it } from 'vitest';
import { RdsExportError } from '@rds-s3-export/shared-types';
import { parseConnectionUrl } from './connection-settings.js';

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
