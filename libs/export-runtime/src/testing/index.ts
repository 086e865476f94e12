/**
 * `@rds-s3-export/export-runtime/testing`: the exporter handler on real local servers (s3rver,
 * dynalite from `@rds-s3-export/aws/testing`), with adapters a test can replace one by one.
 */
export * from './harness.js';
