/**
 * What the benchmark runs: for each engine its driver ceiling, the project's exporter (the
 * real CLI, bundled like the Lambda) to a local folder and to s3rver, uncompressed and gzip,
 * and for MariaDB the two naive baselines of issue 6.
 */
import type { EngineName, VariantKind } from './report.js';

export interface VariantSpec {
  readonly id: string;
  readonly engine: EngineName;
  readonly kind: VariantKind;
  readonly label: string;
  /** Bundled script under the build directory (without .mjs). */
  readonly script: string;
  readonly destination?: 'file' | 's3';
  readonly compression?: 'none' | 'gzip';
  /** runExport in-process at this zlib level (the CLI has no level option). */
  readonly gzipLevel?: number;
}

export const ALL_VARIANTS: readonly VariantSpec[] = [
  { id: 'mariadb.ceiling', engine: 'mariadb', kind: 'ceiling', label: 'MariaDB ceiling: mysql2 stream, rows discarded', script: 'mysql-ceiling' },
  ...exporterVariants('mariadb', 'MariaDB'),
  { id: 'mariadb.baseline.stream', engine: 'mariadb', kind: 'baseline', label: 'MariaDB naive: mysql2 stream -> csv-stringify stream -> file', script: 'csv-stringify-stream' },
  { id: 'mariadb.baseline.buffered', engine: 'mariadb', kind: 'baseline', label: 'MariaDB naive: buffered query -> csv-stringify/sync -> file', script: 'csv-stringify-sync' },
  { id: 'postgres.ceiling', engine: 'postgres', kind: 'ceiling', label: 'PostgreSQL ceiling: COPY (SELECT *) TO STDOUT csv, discarded', script: 'postgres-ceiling' },
  ...exporterVariants('postgres', 'PostgreSQL'),
];

function exporterVariants(engine: EngineName, name: string): VariantSpec[] {
  const out: VariantSpec[] = [];
  for (const destination of ['file', 's3'] as const) {
    for (const compression of ['none', 'gzip'] as const) {
      out.push({
        id: `${engine}.exporter.${destination}.${compression}`,
        engine,
        kind: 'exporter',
        label: `${name} exporter -> ${destination === 'file' ? 'local folder' : 's3rver'}${compression === 'gzip' ? ', gzip' : ''}`,
        script: 'exporter-cli',
        destination,
        compression,
      });
    }
  }
  return out;
}

/**
 * The variants a session runs. `only` holds substrings of ids; the ceiling of every engine
 * involved is always kept (every ratio needs it). The buffered baseline holds the whole
 * table in memory (~1.7 GB per million rows), so it is left out above `bufferedMaxRows`.
 */
export function selectVariants(options: {
  engines: readonly EngineName[];
  only: readonly string[];
  rows: number;
  bufferedMaxRows: number;
  /** Extra MariaDB -> local folder gzip runs at these zlib levels (the level trade-off). @default none */
  gzipLevels?: readonly number[];
}): VariantSpec[] {
  const all = [...ALL_VARIANTS, ...(options.gzipLevels ?? []).map(gzipLevelVariant)];
  const picked = all.filter(
    (v) =>
      options.engines.includes(v.engine) &&
      (options.only.length === 0 || options.only.some((o) => v.id.includes(o))) &&
      !(v.id === 'mariadb.baseline.buffered' && options.rows > options.bufferedMaxRows),
  );
  const engines = new Set(picked.map((v) => v.engine));
  return all.filter((v) => picked.includes(v) || (v.kind === 'ceiling' && engines.has(v.engine)));
}

function gzipLevelVariant(level: number): VariantSpec {
  return {
    id: `mariadb.gzip-level-${level}`,
    engine: 'mariadb',
    kind: 'exporter',
    label: `MariaDB runExport -> local folder, gzip level ${level}`,
    script: 'export-core',
    destination: 'file',
    compression: 'gzip',
    gzipLevel: level,
  };
}
