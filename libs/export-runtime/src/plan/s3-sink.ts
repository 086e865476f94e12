import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectSink } from '@rds-s3-export/aws';
import type { ObjectSink } from '@rds-s3-export/export-core';
import { s3ClientFor } from '../clients/s3-client.js';

/**
 * The S3 sink of a plan whose destination is a bucket. A module of its own because
 * run-export-plan.ts imports it only for such a plan: the built CLI is split into chunks
 * (apps/exporter/bin/cli-bundle.mjs), so an export to a local folder never reads or compiles
 * the AWS SDK.
 */
export function s3SinkFor(bucket: string, endpoint: string | undefined, client?: S3Client): ObjectSink {
  return new S3ObjectSink({ client: client ?? s3ClientFor(endpoint), bucket });
}
