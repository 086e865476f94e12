import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Every S3 action the exporter uses (libs/aws S3ObjectSink: multipart and single PutObject,
 * AbortMultipartUpload, GetObject of manifests, DeleteObject of an aborted run's objects,
 * ListObjects of leftovers). The S3 endpoint policy allows these on the export bucket only.
 */
export const EXPORTER_S3_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket'] as const;

/** An optional expiry or storage-class transition for the objects under one prefix. */
export interface ExportLifecycleRule {
  /** Key prefix the rule applies to, without a trailing slash (e.g. `rds_exports/employees`). */
  readonly prefix: string;
  /** Delete current objects this long after they were written. @default never */
  readonly expiration?: Duration;
  /** Storage-class transitions. @default none */
  readonly transitions?: readonly s3.Transition[];
}

export interface ExportBucketProps {
  /**
   * Use an existing bucket instead of creating one. The stack then only grants on it: encryption,
   * versioning, lifecycle and access logging are the owner's business.
   * @default a new bucket is created
   */
  readonly bucket?: s3.IBucket;
  /** Customer-managed key for SSE-KMS. @default SSE-S3 (AES-256, no key to manage, no KMS request cost) */
  readonly encryptionKey?: kms.IKey;
  /** Data prefixes the exporter writes under (one per distinct `destination.prefix` of the jobs). */
  readonly dataPrefixes: readonly string[];
  /** Manifest prefixes (one per distinct `destination.manifestPrefix`). */
  readonly manifestPrefixes: readonly string[];
  /** Expiry/transition rules per prefix. @default none (exports are kept) */
  readonly lifecycleRules?: readonly ExportLifecycleRule[];
  /** Noncurrent versions (overwritten or deleted objects) are expired after this long. @default Duration.days(30) */
  readonly noncurrentVersionExpiration?: Duration;
  /** @default RemovalPolicy.RETAIN (exports outlive the stack) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The bucket of CSV exports and manifests: private, TLS-only, encrypted, versioned, with server
 * access logs in a separate log bucket and incomplete multipart uploads aborted after one day
 * (a failed run aborts its own upload; the rule is the backstop for a killed process).
 *
 * Permissions are granted per prefix: see {@link grantWriteExports} and {@link grantReadManifests}.
 */
export class ExportBucket extends Construct {
  readonly bucket: s3.IBucket;
  /** The server-access-log bucket; undefined when an existing bucket was given. */
  readonly accessLogBucket?: s3.IBucket;
  readonly encryptionKey?: kms.IKey;
  readonly dataPrefixes: readonly string[];
  readonly manifestPrefixes: readonly string[];

  constructor(scope: Construct, id: string, props: ExportBucketProps) {
    super(scope, id);
    if (props.dataPrefixes.length === 0 || props.manifestPrefixes.length === 0) {
      throw new Error('ExportBucket needs at least one data prefix and one manifest prefix (is the job catalog empty?)');
    }
    this.dataPrefixes = [...new Set(props.dataPrefixes)];
    this.manifestPrefixes = [...new Set(props.manifestPrefixes)];
    this.encryptionKey = props.encryptionKey ?? props.bucket?.encryptionKey;

    if (props.bucket) {
      this.bucket = props.bucket;
      return;
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging delivers only to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    this.accessLogBucket = accessLogBucket;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      ...(props.encryptionKey && { encryptionKey: props.encryptionKey, bucketKeyEnabled: true }),
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'export-bucket/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30) },
        ...(props.lifecycleRules ?? []).map((rule, index) => ({
          id: `prefix-rule-${index + 1}`,
          prefix: `${rule.prefix.replace(/\/+$/, '')}/`,
          ...(rule.expiration && { expiration: rule.expiration }),
          ...(rule.transitions && { transitions: [...rule.transitions] }),
        })),
      ],
      removalPolicy,
    });
  }

  /**
   * Lets `grantee` write data objects (multipart: PutObject covers create/upload/complete, and
   * AbortMultipartUpload) and manifests (single PutObject, never multipart), and delete data
   * objects (a run that is aborted after S3 completed its upload removes the object again).
   * Nothing else: no overwrite of objects outside the prefixes, no reads of data.
   */
  grantWriteExports(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: [...this.dataPrefixes, ...this.manifestPrefixes].map((p) => this.bucket.arnForObjects(`${p}/*`)),
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:AbortMultipartUpload', 's3:DeleteObject'],
      resourceArns: this.dataPrefixes.map((p) => this.bucket.arnForObjects(`${p}/*`)),
    });
    // Multipart uploads to SSE-KMS need Decrypt as well as GenerateDataKey.
    this.encryptionKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return grant;
  }

  /**
   * Lets `grantee` read manifests (the idempotency check of a run). s3:ListBucket comes with it:
   * without it S3 answers a GetObject of an absent manifest with 403 instead of 404, and the
   * exporter could not tell "not committed yet" from "access denied". ListBucket reveals key
   * names only, never content; a `s3:prefix` condition would not help, as GetObject carries none.
   */
  grantReadManifests(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: this.manifestPrefixes.map((p) => this.bucket.arnForObjects(`${p}/*`)),
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
    this.encryptionKey?.grant(grantee, 'kms:Decrypt');
    return grant;
  }
}
