import type { OpenedSource, RowSource, SourceRequest } from '../ports.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { MysqlSourceOptions } from './mysql/mysql-row-source.js';
import type { PostgresSourceOptions } from './postgres/postgres-row-source.js';

/**
 * The RowSource for an engine: mysql and mariadb share the mysql2 source.
 *
 * The engine's module (and with it its driver, mysql2 or pg) is imported when the source is
 * opened, not when this module loads: the built CLI is split into chunks (apps/exporter/bin/
 * cli-bundle.mjs), so a PostgreSQL run never reads or compiles mysql2, nor a MySQL run pg.
 * A bundle without splitting (the Lambda's) inlines both; tests load them on first use.
 */
export function createRowSource(settings: ConnectionSettings, options: MysqlSourceOptions & PostgresSourceOptions = {}): RowSource {
  return {
    engine: settings.engine,
    async open(request: SourceRequest, signal?: AbortSignal): Promise<OpenedSource> {
      const source: RowSource =
        settings.engine === 'postgres'
          ? new (await import('./postgres/postgres-row-source.js')).PostgresRowSource(settings, options)
          : new (await import('./mysql/mysql-row-source.js')).MysqlRowSource(settings, options);
      return source.open(request, signal);
    },
  };
}
