import type { RowSource } from '../ports.js';
import type { ConnectionSettings } from './connection-settings.js';
import { MysqlRowSource, type MysqlSourceOptions } from './mysql/mysql-row-source.js';
import { PostgresRowSource, type PostgresSourceOptions } from './postgres/postgres-row-source.js';

/** The RowSource for an engine: mysql and mariadb share the mysql2 source. */
export function createRowSource(settings: ConnectionSettings, options: MysqlSourceOptions & PostgresSourceOptions = {}): RowSource {
  return settings.engine === 'postgres' ? new PostgresRowSource(settings, options) : new MysqlRowSource(settings, options);
}
