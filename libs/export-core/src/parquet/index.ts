/**
 * `@rds-s3-export/export-core/parquet`: the Arrow batch builder of the Parquet stage, for tools
 * that write Parquet the exporter's way (the writer comparison in tools/bench). A subpath, not
 * the main entry, so importing the core never loads apache-arrow (only a Parquet export does).
 */
export { arrowBatch, arrowSchema, batchIpc, type BatchSchema } from './arrow-batch.js';
