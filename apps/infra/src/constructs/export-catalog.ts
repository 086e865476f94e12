import { Annotations, ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { JobConfig } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';

/** Athena's smallest per-query cutoff is 10 MB. */
const MIN_CUTOFF_BYTES = 10_000_000;

export interface ExportCatalogProps {
  /** The bucket the exporter writes to. */
  readonly exportBucket: s3.IBucket;
  /**
   * Jobs of the catalog: one Glue table per `hive`-layout job that declares `columns` (CSV) or
   * writes Parquet (with or without declared columns).
   */
  readonly jobs: readonly JobConfig[];
  /**
   * Glue database name (lowercase letters, digits, `_`).
   * @default the stack name, lowercased, other characters as `_` (e.g. `rdss3export_dev`)
   */
  readonly databaseName?: string;
  /** @default the stack name (e.g. `RdsS3Export-dev`) */
  readonly workGroupName?: string;
  /**
   * First day (`YYYY-MM-DD`, UTC) of the `dt` partition projection; the range ends at `NOW`.
   * Older `dt=` folders are not seen by queries.
   * @default '2020-01-01'
   */
  readonly partitionStartDate?: string;
  /**
   * A query that would scan more than this is cancelled (Athena charges per byte scanned).
   * Filter on `dt` to scan only the days you need.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Customer-managed key of the query results (SSE-KMS). @default SSE-S3 */
  readonly resultsEncryptionKey?: kms.IKey;
  /** Query results are deleted after this long. @default Duration.days(30) */
  readonly resultsExpiration?: Duration;
  /**
   * Server-access-log bucket of the results bucket (logs under `athena-results/`).
   * @default a new log bucket
   */
  readonly accessLogBucket?: s3.IBucket;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Makes the exports queryable with Athena: a Glue database, one external table per job over
 * `s3://<bucket>/<prefix>/<job>/` with `dt` partition projection (no crawler, no
 * `MSCK REPAIR`: new days are visible at once), and an Athena workgroup whose settings are
 * enforced, with its own encrypted results bucket and a bytes-scanned cutoff.
 *
 * Tables read the files with OpenCSVSerde: every column is a `string` (the job config declares
 * names, not types; cast in the query), NULL reads as an empty string, a header row is skipped,
 * and gzip objects (`.csv.gz`) are decompressed transparently.
 *
 * Jobs with `format: parquet` get Parquet tables (ParquetHiveSerDe) with typed columns instead
 * (see {@link parquetColumns}): column types are only known once a run has read the source, so
 * the table is created with the declared column names (or one placeholder column) and the
 * exporter sets the typed columns after each committed run whose columns differ (glue:GetTable
 * and glue:UpdateTable on exactly these tables, see {@link grantColumnUpdates}).
 *
 * CSV jobs get no table when Athena cannot describe their files: without declared `columns`
 * (a `query` job, or a table job exporting every column) the column list is unknown before the
 * first run; the `flat` layout has neither a per-job folder nor `dt=` partitions (Parquet jobs
 * too). See {@link skipped}.
 */
export class ExportCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly workGroup: athena.CfnWorkGroup;
  readonly workGroupName: string;
  readonly resultsBucket: s3.Bucket;
  /** The server-access-log bucket this construct created; undefined when one was given. */
  readonly accessLogBucket?: s3.Bucket;
  /** Tables by job name. */
  readonly tables: ReadonlyMap<string, glue.CfnTable>;
  /** Jobs without a table, with the reason. */
  readonly skipped: ReadonlyMap<string, string>;
  /** The Glue table name of each `format: parquet` job with a table, by job name (the exporter keeps their columns). */
  readonly parquetTables: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: ExportCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const startDate = props.partitionStartDate ?? '2020-01-01';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(Date.parse(`${startDate}T00:00:00Z`))) {
      throw new Error(`partitionStartDate must be a date like 2020-01-01 (got "${startDate}")`);
    }
    const cutoff = props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3;
    if (!Number.isInteger(cutoff) || cutoff < MIN_CUTOFF_BYTES) throw new Error(`bytesScannedCutoffPerQuery must be at least ${MIN_CUTOFF_BYTES} bytes (Athena's minimum)`);
    this.databaseName = props.databaseName ?? stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    if (!/^[a-z0-9_]{1,255}$/.test(this.databaseName)) throw new Error(`Glue database name "${this.databaseName}" must be lowercase letters, digits and "_"`);
    this.workGroupName = props.workGroupName ?? stack.stackName;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'rds-s3-export: CSV exports, one table per job (partition projection on dt)' },
    });

    const tables = new Map<string, glue.CfnTable>();
    const skipped = new Map<string, string>();
    const parquetTables = new Map<string, string>();
    for (const job of props.jobs) {
      const reason = tableProblem(job);
      if (reason) {
        skipped.set(job.name, reason);
        continue;
      }
      const location = `s3://${props.exportBucket.bucketName}/${job.destination.prefix}/${job.name}/`;
      const parquet = job.format === 'parquet';
      const table = new glue.CfnTable(this, `Table-${job.name}`, {
        catalogId: Aws.ACCOUNT_ID,
        // Ref of a Glue database is its name: the table depends on the database.
        databaseName: this.database.ref,
        tableInput: {
          name: tableName(job),
          description: parquet
            ? `rds-s3-export job "${job.name}" (${job.table ?? 'query'}); Parquet, typed columns set by the exporter after each run`
            : `rds-s3-export job "${job.name}" (${job.table}); all columns are strings`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            ...(parquet ? { classification: 'parquet' } : { classification: 'csv', ...(job.csv.header && { 'skip.header.line.count': '1' }) }),
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${startDate},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            // `${dt}` is Athena's placeholder, not a CloudFormation substitution.
            'storage.location.template': `${location}dt=\${dt}/`,
          },
          partitionKeys: [{ name: 'dt', type: 'string', comment: 'UTC date of the run (the dt= folder)' }],
          storageDescriptor: parquet
            ? {
                location,
                inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
                outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
                serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
                columns: parquetColumns(job),
              }
            : {
                location,
                inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
                outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
                serdeInfo: {
                  serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
                  parameters: { separatorChar: job.csv.delimiter, quoteChar: '"', escapeChar: '\\' },
                },
                columns: job.columns!.map((c) => ({ name: c.toLowerCase(), type: 'string' })),
              },
        },
      });
      tables.set(job.name, table);
      if (parquet) parquetTables.set(job.name, tableName(job));
    }
    this.tables = tables;
    this.skipped = skipped;
    this.parquetTables = parquetTables;
    for (const [job, reason] of skipped) Annotations.of(this).addInfo(`no Athena table for job "${job}": ${reason}`);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    let accessLogBucket = props.accessLogBucket;
    if (!accessLogBucket) {
      this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        // S3 server access logging delivers only to SSE-S3 buckets.
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
        removalPolicy,
      });
      accessLogBucket = this.accessLogBucket;
    }
    const key = props.resultsEncryptionKey;
    this.resultsBucket = new s3.Bucket(this, 'Results', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      ...(key && { encryptionKey: key, bucketKeyEnabled: true }),
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        { id: 'expire-query-results', expiration: props.resultsExpiration ?? Duration.days(30) },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `rds-s3-export: queries over the exports (database ${this.databaseName})`,
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        // Clients cannot override the results location or its encryption.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject('results/'),
          expectedBucketOwner: Aws.ACCOUNT_ID,
          encryptionConfiguration: key ? { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn } : { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }

  /**
   * Lets `grantee` (the exporter) read and replace the columns of the Parquet tables:
   * glue:GetTable and glue:UpdateTable on exactly those tables, their database and the account's
   * catalog (Glue authorizes a table call on all three). Nothing when there is no Parquet table.
   */
  grantColumnUpdates(grantee: iam.IGrantable): void {
    const arns = this.columnUpdateArns();
    if (arns.length === 0) return;
    iam.Grant.addToPrincipal({ grantee, actions: [...ExportCatalog.COLUMN_UPDATE_ACTIONS], resourceArns: arns });
  }

  /** The Glue ARNs {@link grantColumnUpdates} allows: catalog, database, each Parquet table; empty without Parquet tables. */
  columnUpdateArns(): string[] {
    if (this.parquetTables.size === 0) return [];
    const stack = Stack.of(this);
    const arn = (resource: string) => stack.formatArn({ service: 'glue', resource, resourceName: undefined, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    return [
      arn('catalog'),
      arn(`database/${this.databaseName}`),
      ...[...this.parquetTables.values()].map((table) => arn(`table/${this.databaseName}/${table}`)),
    ];
  }

  /** What the exporter calls on the Parquet tables (libs/aws GlueTableColumns). */
  static readonly COLUMN_UPDATE_ACTIONS = ['glue:GetTable', 'glue:UpdateTable'] as const;
}

/**
 * A placeholder column of a Parquet table that declares no columns: Athena needs at least one.
 * The exporter replaces it with the run's typed columns after the first committed run; before
 * that there are no files to read.
 */
export const PENDING_COLUMN = { name: 'pending_first_run', type: 'string', comment: 'placeholder: the exporter sets the typed columns after the first committed run' } as const;

/**
 * The columns a Parquet table is created with: the declared names (their types are set by the
 * exporter after the first committed run, when the source has reported them), else
 * {@link PENDING_COLUMN}. A stack update that changes the table puts these back; the next
 * committed run sets the typed columns again.
 */
export function parquetColumns(job: JobConfig): glue.CfnTable.ColumnProperty[] {
  if (!job.columns) return [{ ...PENDING_COLUMN }];
  return job.columns.map((c) => ({ name: c.toLowerCase(), type: 'string', comment: 'type set by the exporter after the first committed run' }));
}

/** Athena table names: lowercase, `_` as the only special character. */
export const tableName = (job: JobConfig): string => job.name.replace(/-/g, '_');

/** Why a job gets no table, or null. */
function tableProblem(job: JobConfig): string | null {
  if (job.destination.layout !== 'hive') return 'the flat layout has no per-job folder and no dt= partitions';
  if (!job.columns && job.format === 'parquet') return null;
  if (!job.columns) return 'it declares no "columns" (Athena needs the column list before the first run)';
  const names = job.columns.map((c) => c.toLowerCase());
  if (names.includes('dt')) return 'a column is named "dt", the partition column';
  if (new Set(names).size !== names.length) return 'two columns have the same name in lowercase (Athena names are case-insensitive)';
  return null;
}
