export { startS3, localS3ClientConfig, S3RVER_CREDENTIALS, type StartS3Options, type LocalS3, type LocalS3ClientConfig } from './s3.js';
export { startPostgres, type StartPostgresOptions, type LocalPostgres } from './postgres.js';
export { startDynamo, localDynamoClientConfig, type StartDynamoOptions, type LocalDynamo, type LocalDynamoClientConfig } from './dynamo.js';
export { startLocalStack, type LocalStackOptions, type LocalStack } from './local-stack.js';
export { employees, type Employee, type NewEmployee } from './sample/employees-schema.js';
export { seedEmployees, sampleEmployee, sampleNote, SEED_BATCH_SIZE, type AnyPgDatabase } from './sample/seed-employees.js';
export { startFaultProxy, type FaultProxy } from './fault-proxy.js';
