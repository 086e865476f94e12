/**
 * The local stack: the AWS stand-ins of `@rds-s3-export/aws/testing` (s3rver, dynalite), the fault
 * proxy of `@rds-s3-export/export-core/testing`, and what only the demo and tools need (PGlite, the
 * sample `employees` data, `startLocalStack`).
 */
export { startS3, localS3ClientConfig, S3RVER_CREDENTIALS, type StartS3Options, type LocalS3, type LocalS3ClientConfig } from '@rds-s3-export/aws/testing';
export { startPostgres, type StartPostgresOptions, type LocalPostgres } from './postgres.js';
export { startDynamo, localDynamoClientConfig, type StartDynamoOptions, type LocalDynamo, type LocalDynamoClientConfig } from '@rds-s3-export/aws/testing';
export { startLocalStack, type LocalStackOptions, type LocalStack } from './local-stack.js';
export { employees, type Employee, type NewEmployee } from './sample/employees-schema.js';
export { seedEmployees, sampleEmployee, sampleNote, SEED_BATCH_SIZE, type AnyPgDatabase } from './sample/seed-employees.js';
export { startFaultProxy, type FaultProxy } from '@rds-s3-export/export-core/testing';
