export { AwsConfigError, StorageError, S3ErrorCodes, classifyS3Error, isS3NotFound, redact, type S3Operation, type S3ErrorContext } from './errors.js';
export {
  S3ObjectSink,
  DEFAULT_PART_SIZE_BYTES,
  DEFAULT_QUEUE_SIZE,
  DEFAULT_ABORT_CLEANUP_TIMEOUT_MS,
  MIN_PART_SIZE_BYTES,
  MAX_PART_SIZE_BYTES,
  type S3ObjectSinkOptions,
} from './s3/s3-object-sink.js';
export { SecretsManagerCredentials, SecretError } from './secrets/secrets-manager-credentials.js';
export { DynamoDbStateStore, StateStoreError } from './dynamodb/dynamodb-state-store.js';
export { ensureStateTable } from './dynamodb/state-table.js';
export {
  S3ExportCatalog,
  DOWNLOAD_URL_EXPIRY_SECONDS,
  DEFAULT_MAX_LISTS_PER_PAGE,
  EARLIEST_RUN_TIME,
  FUTURE_RUN_MARGIN_MS,
  runCursorProblem,
  downloadFilename,
  type ExportCatalogOptions, type ManifestPage, type PresignedDownload } from './s3/export-catalog.js';
export { CloudWatchRunLogs, LogsError, LogsErrorCodes, type CloudWatchRunLogsOptions } from './logs/cloudwatch-run-logs.js';
export { toLogLine, toFailedRun, DEFAULT_RUN_LOG_LIMIT, type RunLogReader, type FailedRun, type TimeWindow } from './logs/log-line.js';
export { ignoreSdkNodeVersionWarning, isSdkNodeVersionWarning, SDK_NODE_VERSION_WARNING_PREFIX } from './node-version-warning.js';
export { GlueCatalogError, GlueErrorCodes } from './errors.js';
export {
  GlueTableColumns,
  glueColumnsFor,
  sameColumns,
  withColumns,
  PARTITION_COLUMN,
  type GlueTableRef,
  type CatalogColumnInput,
  type GlueColumn,
  type SyncOutcome,
  type GlueTableColumnsOptions,
} from './glue/glue-table-columns.js';
