/**
 * `@rds-s3-export/aws/testing`: stand-ins for the AWS services this lib adapts, for other
 * projects' tests and the local stack. Real servers, not mocks: s3rver for S3, dynalite for
 * DynamoDB, both on 127.0.0.1 only; plus committed runs written as the exporter writes them.
 */
export { startS3, localS3ClientConfig, S3RVER_CREDENTIALS, type StartS3Options, type LocalS3, type LocalS3ClientConfig } from './local-s3.js';
export { startDynamo, localDynamoClientConfig, type StartDynamoOptions, type LocalDynamo, type LocalDynamoClientConfig } from './local-dynamo.js';
export { HOST_REFUSED_MESSAGE, isLoopbackHost, guardLoopbackHost } from './host-guard.js';
export * from './fake-runs.js';
