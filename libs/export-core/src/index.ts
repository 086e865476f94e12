export * from './ports.js';
export * from './errors.js';
export * from './version.js';
export * from './csv/index.js';
export * from './sinks/local-folder-sink.js';
export * from './sources/connection-settings.js';
export * from './sources/tls-settings.js';
export * from './sources/sql-identifiers.js';
export { checkCustomQuery, QueryRefusedError, tokenizeQuery, type QueryLanguage, type QueryToken } from './sources/query-tokens.js';
export { assertQueryPrivileges, LEAST_PRIVILEGE_DOCS, type PrivilegeFindings } from './sources/privilege-policy.js';
export * from './sources/open-source.js';
// The engines' RowSource classes are not exported: createRowSource imports the one a run needs
// when it opens (the built CLI loads one driver only; see sources/open-source.ts).
export type { MysqlSourceOptions } from './sources/mysql/mysql-row-source.js';
export type { PostgresSourceOptions } from './sources/postgres/postgres-row-source.js';
export * from './redact.js';
// run/: the layers, bottom up (docs/architecture.md, "Inside libs/export-core/src").
export { type ObjectResult } from './run/object-export.js';
export { DEFAULT_GZIP_LEVEL } from './run/streams/gzip.js';
export { type PartLimits } from './run/split-writer.js';
export { assertSameColumns, type ExpectedColumns } from './run/snapshot.js';
export { runContext, type ChunkProgress, type ExportProgress } from './run/snapshot-export.js';
export { buildManifest, manifestKey, readManifest, type ManifestSubject, type RunFacts } from './run/manifest.js';
export { type ExportDependencies, type ExportRequest } from './run/export-request.js';
export { exportChunk, planChunks, type ChunkOptions, type ChunkPlan, type ChunkResult } from './run/chunks.js';
export { runChunkedExport, runExport } from './run/run-export.js';
export { chunkKeyOf, defaultRunMode, exportRequestFor, windowFor, type RunMode } from './run/job-protocol.js';
export * from './run/run-job.js';
export * from './run/staged-run.js';
export * from './parquet/parquet-types.js';
export * from './parquet/parquet-values.js';
