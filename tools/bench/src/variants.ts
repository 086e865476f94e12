/**
 * What the benchmark runs: for each engine its driver ceiling, the project's exporter (the
 * built CLI, `node_modules/.bin/rds-s3-export`, as a user runs it) to a local folder and to
 * s3rver, uncompressed and gzip, and as Parquet to a local folder, and for MariaDB the two naive baselines of issue 6. For the
 * whole-process figures (issue 14): PostgreSQL's `psql \copy` of the same table, and the start-up
 * pair `rds-s3-export --help` vs `node -e 0`.
 */
import type { EngineName, VariantKind } from './report.js';

export interface VariantSpec {
  readonly id: string;
  readonly engine: EngineName;
  readonly kind: VariantKind;
  readonly label: string;
  /**
   * How the child is started: `bundle`, node with `script` (bundled under the build directory);
   * `bin`, the built CLI `node_modules/.bin/rds-s3-export` itself; `psql`, psql's `\copy`;
   * `node-empty`, `node -e 0`. @default 'bundle'
   */
  readonly launch?: 'bundle' | 'bin' | 'psql' | 'node-empty';
  /** Bundled script under the build directory (without .mjs), for `launch: 'bundle'`. */
  readonly script?: string;
  /** Extra arguments (the start-up variants). */
  readonly args?: readonly string[];
  readonly destination?: 'file' | 's3';
  readonly compression?: 'none' | 'gzip';
  /** `--format parquet` (typed Parquet, zstd). @default CSV */
  readonly format?: 'parquet';
  /** `wide`: PostgreSQL's employees_wide table (uuid and time added, data.ts). @default the employees table */
  readonly table?: 'wide';
  /** runExport in-process at this zlib level (the CLI has no level option). */
  readonly gzipLevel?: number;
}

export const ALL_VARIANTS: readonly VariantSpec[] = [
  { id: 'mariadb.ceiling', engine: 'mariadb', kind: 'ceiling', label: 'MariaDB ceiling: mysql2 stream, rows discarded', script: 'mysql-ceiling' },
  ...exporterVariants('mariadb', 'MariaDB'),
  { id: 'mariadb.baseline.stream', engine: 'mariadb', kind: 'baseline', label: 'MariaDB naive: mysql2 stream -> csv-stringify stream -> file', script: 'csv-stringify-stream' },
  { id: 'mariadb.baseline.buffered', engine: 'mariadb', kind: 'baseline', label: 'MariaDB naive: buffered query -> csv-stringify/sync -> file', script: 'csv-stringify-sync' },
  { id: 'postgres.ceiling', engine: 'postgres', kind: 'ceiling', label: 'PostgreSQL ceiling: COPY (SELECT *) TO STDOUT csv, discarded', script: 'postgres-ceiling' },
  {
    id: 'postgres.psql-copy',
    engine: 'postgres',
    kind: 'process-ceiling',
    label: 'PostgreSQL psql \\copy (SELECT *) TO file, csv (whole-process yardstick)',
    launch: 'psql',
  },
  ...exporterVariants('postgres', 'PostgreSQL'),
  // A uuid-keyed shape (uuid and time columns, about 40 % wider rows): CSV and Parquet, the same comparison.
  { id: 'postgres.exporter.wide.none', engine: 'postgres', kind: 'exporter', label: 'PostgreSQL exporter -> local folder, wide table (uuid, time)', launch: 'bin', destination: 'file', table: 'wide' },
  { id: 'postgres.exporter.wide.parquet', engine: 'postgres', kind: 'exporter', label: 'PostgreSQL exporter -> local folder, wide table (uuid, time), Parquet (zstd)', launch: 'bin', destination: 'file', format: 'parquet', table: 'wide' },
  { id: 'startup.node-empty', engine: 'startup', kind: 'ceiling', label: '`node -e 0`', launch: 'node-empty' },
  { id: 'startup.cli-help', engine: 'startup', kind: 'exporter', label: '`rds-s3-export --help` (built CLI)', launch: 'bin', args: ['--help'] },
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
        launch: 'bin',
        destination,
        compression,
      });
    }
  }
  // Typed Parquet output (issue #16) against the same table, to the local folder: its cost over CSV.
  out.push({ id: `${engine}.exporter.file.parquet`, engine, kind: 'exporter', label: `${name} exporter -> local folder, Parquet (zstd)`, launch: 'bin', destination: 'file', format: 'parquet' });
  return out;
}

/**
 * The variants a session runs. `only` holds substrings of ids; the ceilings of every engine
 * involved (driver and whole-process) are always kept (every ratio needs them). The buffered baseline holds the whole
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
  return all.filter((v) => picked.includes(v) || ((v.kind === 'ceiling' || v.kind === 'process-ceiling') && engines.has(v.engine)));
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
