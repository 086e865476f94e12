import { DEFAULT_PORTS, type Engine } from '@rds-s3-export/shared-types';
import { ConfigError } from '../errors.js';

/** Everything a source needs to connect. Built from a URL (CLI, local runs) or a secret. */
export interface ConnectionSettings {
  readonly engine: Engine;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** TLS to the server; `ca` is a PEM bundle (RDS CA) when set. @default off */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  /** Connect timeout. @default 10000 */
  readonly connectTimeoutMs?: number;
}

/**
 * Parses `mysql|mariadb|postgres://user:pass@host:port/db` (also `postgresql://`). The
 * password may be percent-encoded. Error messages never repeat the URL (it may hold a password).
 */
export function parseConnectionUrl(raw: string): ConnectionSettings {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError('SOURCE_URL_INVALID', 'source URL is not a valid URL (expected mysql|mariadb|postgres://user:pass@host:port/db)');
  }
  const scheme = url.protocol.replace(/:$/, '');
  const engine: Engine | undefined =
    scheme === 'postgresql' ? 'postgres' : (['mysql', 'mariadb', 'postgres'] as const).find((e) => e === scheme);
  if (!engine) {
    throw new ConfigError('SOURCE_URL_INVALID', `source URL scheme "${scheme}" is not one of mysql, mariadb, postgres`);
  }
  const database = decodePart(url.pathname.replace(/^\//, ''), 'database');
  if (!database) throw new ConfigError('SOURCE_URL_INVALID', 'source URL names no database (…/dbname)');
  if (!url.hostname) throw new ConfigError('SOURCE_URL_INVALID', 'source URL names no host');
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[engine];
  return {
    engine,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    user: decodePart(url.username, 'user') || (engine === 'postgres' ? 'postgres' : 'root'),
    password: decodePart(url.password, 'password'),
    database,
  };
}

/** decodeURIComponent with a coded error that names the part but never repeats its value. */
function decodePart(value: string, part: 'database' | 'user' | 'password'): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ConfigError('SOURCE_URL_INVALID', `source URL ${part} is not valid percent-encoding (write a literal % as %25)`);
  }
}
