/**
 * After a committed Parquet run: make the job's Glue table columns the run's typed columns
 * (libs/aws GlueTableColumns), so Athena reads the files without CASTs. Runs only when the
 * deployment passes the job's table (GLUE_DATABASE/GLUE_TABLES, set by the CDK stack for
 * `format: parquet` jobs) and the job writes Parquet.
 *
 * Fails softly: the export is committed and stays so; a refused or unreachable Glue is a
 * `glue table not updated` warning line (with the error's code) and a GlueTableUpdateFailed
 * sample of 1 (0 when the table is in step), never a failed run. The next committed run tries
 * again, as does a retry of the same slot (already-committed).
 */
import type { Engine, JobConfig, Manifest, RdsExportError } from '@rds-s3-export/shared-types';
import type { CatalogColumnInput, GlueTableRef, SyncOutcome } from '@rds-s3-export/aws';
import type { Logger } from '@rds-s3-export/export-core';
import type { RunMetrics } from './run-report.js';

/** The slice of GlueTableColumns the handler uses. */
export interface TableColumnsPort {
  sync(ref: GlueTableRef, engine: Engine, columns: readonly CatalogColumnInput[]): Promise<SyncOutcome>;
}

/** The deployment's Parquet tables (one database, a table per job) and the adapter that updates them. */
export interface GlueTables {
  readonly columns: TableColumnsPort;
  readonly databaseName: string;
  /** Glue table name by job name. */
  readonly tables: Readonly<Record<string, string>>;
}

/** The metric of each attempt: 1 when Glue refused or failed, 0 when the table is in step. */
export const GLUE_UPDATE_FAILED_METRIC = 'GlueTableUpdateFailed';

export async function updateGlueTable(
  glue: GlueTables | undefined,
  job: JobConfig,
  manifest: Manifest,
  logger: Logger,
  metrics: RunMetrics | undefined,
): Promise<void> {
  const tableName = glue?.tables[job.name];
  if (!glue || !tableName || job.format !== 'parquet') return;
  const ref = { databaseName: glue.databaseName, tableName };
  const table = `${glue.databaseName}.${tableName}`;
  let failed = 0;
  try {
    const outcome = await glue.columns.sync(ref, manifest.engine, manifest.columns);
    if (outcome.status === 'updated') {
      logger.info('glue table columns updated', { runId: manifest.runId, table, columns: outcome.columns.map((c) => `${c.name} ${c.type}`).join(', ') });
    }
  } catch (error) {
    failed = 1;
    const e = error as Partial<RdsExportError> & Error;
    logger.warn('glue table not updated', { runId: manifest.runId, table, code: e.code ?? 'GLUE_UPDATE_FAILED', errorClass: e.errorClass ?? 'storage', error: e.message });
  }
  if (!metrics) return;
  metrics.addDimension('job', job.name);
  metrics.addMetric(GLUE_UPDATE_FAILED_METRIC, 'Count', failed);
  metrics.publishStoredMetrics();
}
