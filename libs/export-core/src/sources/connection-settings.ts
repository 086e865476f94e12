import { DEFAULT_PORTS, type Engine } from '@rds-s3-export/shared-types';
import { ConfigError } from '../errors.js';
import { readCaFile, tlsSettings, type SourceTlsMode, type TlsSettings } from './tls-settings.js';

/** Everything a source needs to connect. Built from a URL (CLI, local runs) or a secret. */
export interface ConnectionSettings {
  readonly engine: Engine;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** TLS to the server (see tls-settings.ts). @default off */
  readonly tls?: TlsSettings;
  /** Connect timeout, TCP + TLS + login. @default 10000 (the CLI passes its own, 5000) */
  readonly connectTimeoutMs?: number;
}

/** Longest connect timeout a URL may ask for (seconds); `0` (wait forever, libpq) is refused. */
export const MAX_CONNECT_TIMEOUT_SECONDS = 600;

const POSTGRES_SSLMODES: Record<string, SourceTlsMode> = { disable: 'disable', require: 'require', 'verify-ca': 'verify-ca', 'verify-full': 'verify-full' };
const MYSQL_SSL_MODES: Record<string, SourceTlsMode> = { DISABLED: 'disable', REQUIRED: 'require', VERIFY_CA: 'verify-ca', VERIFY_IDENTITY: 'verify-full' };
/** The URL parameters each engine takes, by the names its own clients use (MySQL's `-` and `_` are interchangeable, as in its option files). */
const PARAMETERS = {
  postgres: { mode: ['sslmode'], ca: ['sslrootcert'], timeout: ['connect_timeout'] },
  mysql: { mode: ['ssl-mode', 'ssl_mode'], ca: ['ssl-ca', 'ssl_ca'], timeout: ['connect-timeout', 'connect_timeout'] },
} as const;

/**
 * Parses `mysql|mariadb|postgres://user:pass@host:port/db` (also `postgresql://`). The
 * password may be percent-encoded. Error messages never repeat the URL (it may hold a password).
 */
export function parseConnectionUrl(raw: string): ParsedConnectionUrl {
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
  const { tlsMode, tls, connectTimeoutMs } = urlParameters(url.searchParams, engine);
  return {
    engine,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    user: decodePart(url.username, 'user') || (engine === 'postgres' ? 'postgres' : 'root'),
    password: decodePart(url.password, 'password'),
    database,
    ...(tlsMode ? { tlsMode } : {}),
    ...(tls ? { tls } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
  };
}

/** A parsed source URL: the settings, and the TLS mode when the URL states one (`disable` included: it wins over a config's `tls`). */
export interface ParsedConnectionUrl extends ConnectionSettings {
  readonly tlsMode?: SourceTlsMode;
}

/**
 * The query parameters of a source URL: TLS and the connect timeout, by the names the engine's
 * own clients use. Anything else is refused by name (a silently ignored `?sslmode=require`
 * would connect in plain text), as are the other engine's names and the fall-back modes
 * (`prefer`, `PREFERRED`: plain text when TLS fails, which hides the very problem TLS is for).
 */
function urlParameters(params: URLSearchParams, engine: Engine): { tlsMode?: SourceTlsMode; tls?: TlsSettings; connectTimeoutMs?: number } {
  const family = engine === 'postgres' ? 'postgres' : 'mysql';
  const names = PARAMETERS[family];
  const other = PARAMETERS[family === 'postgres' ? 'mysql' : 'postgres'];
  const known: readonly string[] = [...names.mode, ...names.ca, ...names.timeout];
  const seen = new Map<string, string>();
  for (const [name, value] of params) {
    if (!known.includes(name)) {
      const theirs = (['mode', 'ca', 'timeout'] as const).find((k) => (other[k] as readonly string[]).includes(name));
      const hint = theirs
        ? `; "${name}" is ${family === 'postgres' ? 'MySQL' : 'PostgreSQL'}'s name, ${engine} takes "${names[theirs][0]}"`
        : name === 'ssl' || name === 'tls' || name === 'useSSL'
          ? `; say how: ${family === 'postgres' ? 'sslmode=require or sslmode=verify-full' : 'ssl-mode=REQUIRED or ssl-mode=VERIFY_IDENTITY'}`
          : '';
      throw new ConfigError(
        'SOURCE_URL_PARAMETER_UNKNOWN',
        `source URL parameter "${name}" is not supported${hint} (${engine} URLs take ${names.mode[0]}, ${names.ca[0]}, ${names.timeout[0]})`,
      );
    }
    const canonical = (['mode', 'ca', 'timeout'] as const).find((k) => (names[k] as readonly string[]).includes(name)) as 'mode' | 'ca' | 'timeout';
    if (seen.has(canonical)) throw new ConfigError('SOURCE_URL_INVALID', `source URL parameter "${names[canonical][0]}" is given twice`);
    seen.set(canonical, value.trim());
  }

  let mode: SourceTlsMode | undefined;
  const rawMode = seen.get('mode');
  if (rawMode !== undefined) {
    mode = family === 'postgres' ? POSTGRES_SSLMODES[rawMode] : MYSQL_SSL_MODES[rawMode.toUpperCase()];
    if (!mode) {
      const allowed = Object.keys(family === 'postgres' ? POSTGRES_SSLMODES : MYSQL_SSL_MODES).join(', ');
      const fallback = /^(prefer|allow|preferred)$/i.test(rawMode) ? ' (it falls back to plain text when TLS fails; choose one that does not)' : '';
      throw new ConfigError('SOURCE_URL_INVALID', `source URL ${names.mode[0]}="${rawMode}" is not one of ${allowed}${fallback}`);
    }
  }
  const caFile = seen.get('ca');
  if (caFile !== undefined && mode !== 'verify-ca' && mode !== 'verify-full') {
    const verify = family === 'postgres' ? 'sslmode=verify-ca or verify-full' : 'ssl-mode=VERIFY_CA or VERIFY_IDENTITY';
    throw new ConfigError('SOURCE_URL_INVALID', `source URL ${names.ca[0]} is the CA a certificate is checked against; it needs ${verify}`);
  }
  const tls = mode ? tlsSettings(mode, caFile ? readCaFile(caFile, names.ca[0]) : undefined) : undefined;

  let connectTimeoutMs: number | undefined;
  const rawTimeout = seen.get('timeout');
  if (rawTimeout !== undefined) {
    const seconds = Number(rawTimeout);
    if (!/^\d+$/.test(rawTimeout) || seconds < 1 || seconds > MAX_CONNECT_TIMEOUT_SECONDS) {
      throw new ConfigError('SOURCE_URL_INVALID', `source URL ${names.timeout[0]}="${rawTimeout}" must be whole seconds from 1 to ${MAX_CONNECT_TIMEOUT_SECONDS}`);
    }
    connectTimeoutMs = seconds * 1000;
  }
  return { ...(mode ? { tlsMode: mode } : {}), ...(tls ? { tls } : {}), ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}) };
}

/** decodeURIComponent with a coded error that names the part but never repeats its value. */
function decodePart(value: string, part: 'database' | 'user' | 'password'): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ConfigError('SOURCE_URL_INVALID', `source URL ${part} is not valid percent-encoding (write a literal % as %25)`);
  }
}
