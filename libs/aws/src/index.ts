export { AwsConfigError, StorageError, S3ErrorCodes, classifyS3Error, isS3NotFound, redact, type S3Operation, type S3ErrorContext } from './errors.js';
export {
  S3ObjectSink,
  DEFAULT_PART_SIZE_BYTES,
  DEFAULT_QUEUE_SIZE,
  DEFAULT_ABORT_CLEANUP_TIMEOUT_MS,
  MIN_PART_SIZE_BYTES,
  MAX_PART_SIZE_BYTES,
  type S3ObjectSinkOptions,
  type S3ObjectWriteOptions,
  type S3ObjectWriter,
} from './s3/s3-object-sink.js';
export { SecretsManagerCredentials, SecretError, type RdsSecretCredentials } from './secrets/secrets-manager-credentials.js';
export { DynamoDbStateStore, StateStoreError, type StoredCursor, type StoredPending } from './dynamodb/dynamodb-state-store.js';
export { ensureStateTable } from './dynamodb/state-table.js';
