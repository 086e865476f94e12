/**
 * What one export reads and where it writes: the request every driver builds (the CLI from its
 * arguments, the job protocol from a job), and the snapshot step it becomes.
 */
import { planKeys, type CsvDialect, type Layout } from '@rds-s3-export/shared-types';
import type { WindowRequest } from '../ports.js';
import type { ManifestSubject } from './manifest.js';
import type { SnapshotDependencies, SnapshotRequest } from './snapshot-export.js';
import type { PartLimits } from './split-writer.js';
import type { ParquetOptions } from './parquet-object.js';
import type { ExpectedColumns } from './snapshot.js';

export interface ExportRequest extends ManifestSubject {
  readonly job: string;
  readonly table?: string;
  readonly query?: string;
  /** Run `query` even as a user with more than read privileges (SourceRequest.allowPrivilegedQuery). @default false */
  readonly allowPrivilegedQuery?: boolean;
  /** Column subset for table exports, in output order. @default every column */
  readonly columns?: readonly string[];
  readonly dialect: CsvDialect;
  readonly prefix: string;
  readonly manifestPrefix: string;
  readonly layout: Layout;
  readonly compression: 'none' | 'gzip';
  /** Names the run and its keys (UTC). Retrying with the same run time rewrites the same keys. */
  readonly runTime: Date;
  /** Incremental window (see WindowRequest). Absent = every row. An empty window writes only the manifest. */
  readonly window?: WindowRequest;
  /** Row-group bounds and codec when `format` is parquet (run/parquet-object.ts defaults). */
  readonly parquet?: ParquetOptions;
  /** Split a single-stream export into `_partNNNN` objects at these limits (bytes measured before compression). */
  readonly limits?: PartLimits;
  /**
   * The columns of the previous committed run: a dropped, added, renamed or retyped column
   * fails the run (SCHEMA_CHANGED) before anything is written, instead of silently exporting
   * a different header under the same name.
   */
  readonly expectColumns?: ExpectedColumns;
}

export type ExportDependencies = SnapshotDependencies;

/** The snapshot step of an export request: the whole selection, one object or split parts. */
export function snapshotRequestFor(request: ExportRequest): SnapshotRequest {
  const keys = planKeys(request);
  return {
    job: request.job,
    runId: keys.runId,
    read: {
      table: request.table,
      query: request.query,
      columns: request.columns,
      dialect: request.dialect,
      window: request.window,
      allowPrivilegedQuery: request.allowPrivilegedQuery,
    },
    compression: request.compression,
    format: request.format,
    parquet: request.parquet,
    keyFor: keys.dataKey,
    limits: request.limits,
    expectColumns: request.expectColumns,
  };
}
