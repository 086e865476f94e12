import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Engine, JobConfig } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';
import { ExportAlarms } from './export-alarms.js';
import { ExportBucket, type ExportLifecycleRule } from './export-bucket.js';
import { ExportCatalog, type ExportCatalogProps } from './export-catalog.js';
import { ExportFunction } from './export-function.js';
import { ExportNetwork } from './export-network.js';
import { ExportSchedules } from './export-schedules.js';
import { ExportStateTable } from './export-state-table.js';
import { ParallelExportStateMachine } from './parallel-export-state-machine.js';
import { acknowledge, nagFlatten } from '../nag.js';

const DEFAULT_PORT: Readonly<Record<Engine, number>> = { mysql: 3306, mariadb: 3306, postgres: 5432 };

export interface ExportPipelineProps {
  /** The jobs to deploy (schedules, memory/timeout, prefixes, alarms). Usually `[...jobCatalog().values()]`. */
  readonly jobs: readonly JobConfig[];
  /** The bundled exporter: `Code.fromAsset('dist/apps/exporter/lambda')` (see `exporterCodeFromBuild`). */
  readonly exporterCode: lambda.Code;
  /** The VPC of the database. */
  readonly vpc: ec2.IVpc;
  /** Private subnets of the exporter. @default { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Security group of the RDS instance / Aurora cluster; gets one ingress rule from the exporter. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  /** @default the default port of the jobs' engine (5432 PostgreSQL, 3306 MySQL/MariaDB); required when they differ */
  readonly databasePort?: number;
  /**
   * The database secret (RDS-managed or your own) for every job. Passed to the function as
   * `DATABASE_SECRET_ARN`, which wins over the catalog's `connection.secret`.
   * @default each job's `connection.secret` (a name or ARN) from the catalog
   */
  readonly databaseSecret?: secretsmanager.ISecret;
  /** An existing export bucket. @default a new bucket (see `ExportBucket`) */
  readonly exportBucket?: s3.IBucket;
  /** Customer-managed key for the export bucket. @default SSE-S3 */
  readonly exportBucketKey?: kms.IKey;
  /** Expiry/transition per prefix. @default none */
  readonly lifecycleRules?: readonly ExportLifecycleRule[];
  /** Subscribe this address to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
  /** @default true (S3 + DynamoDB gateway endpoints, Secrets Manager interface endpoint) */
  readonly createVpcEndpoints?: boolean;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default no reservation (see `ExportFunctionProps.reservedConcurrentExecutions`) */
  readonly reservedConcurrentExecutions?: number;
  /** @default true */
  readonly schedulesEnabled?: boolean;
  /**
   * Timeout of each parallel job's state machine (see `ParallelExportStateMachineProps.timeout`).
   * @default Duration.minutes(100)
   */
  readonly parallelTimeout?: Duration;
  /** Glue database / Athena workgroup settings. @default see `ExportCatalogProps` */
  readonly athena?: Pick<
    ExportCatalogProps,
    'databaseName' | 'workGroupName' | 'partitionStartDate' | 'bytesScannedCutoffPerQuery' | 'resultsEncryptionKey' | 'resultsExpiration'
  >;
}

/**
 * The export pipeline: EventBridge Scheduler -> exporter Lambda (VPC) -> RDS -> S3, with its
 * state table, VPC endpoints and alarms, for an account that already has the database.
 * `parallel` jobs run on a Step Functions state machine each (plan -> Distributed Map -> commit);
 * the exports are queryable in Athena (Glue tables with `dt` partition projection).
 * Composes one construct per concern and wires the least-privilege grants between them.
 */
export class ExportPipeline extends Construct {
  readonly exportBucket: ExportBucket;
  readonly stateTable: ExportStateTable;
  readonly network: ExportNetwork;
  readonly exporter: ExportFunction;
  readonly schedules: ExportSchedules;
  readonly alarms: ExportAlarms;
  /** The state machine of each `parallel` job, by job name. */
  readonly parallelExports: ReadonlyMap<string, ParallelExportStateMachine>;
  readonly catalog: ExportCatalog;
  readonly secrets: readonly secretsmanager.ISecret[];

  constructor(scope: Construct, id: string, props: ExportPipelineProps) {
    super(scope, id);
    const jobs = props.jobs;
    if (jobs.length === 0) throw new Error('ExportPipeline needs at least one job');

    this.exportBucket = new ExportBucket(this, 'ExportBucket', {
      ...(props.exportBucket && { bucket: props.exportBucket }),
      ...(props.exportBucketKey && { encryptionKey: props.exportBucketKey }),
      dataPrefixes: jobs.map((j) => j.destination.prefix),
      manifestPrefixes: jobs.map((j) => j.destination.manifestPrefix),
      ...(props.lifecycleRules && { lifecycleRules: props.lifecycleRules }),
    });
    this.stateTable = new ExportStateTable(this, 'StateTable');
    this.network = new ExportNetwork(this, 'Network', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      databaseSecurityGroup: props.databaseSecurityGroup,
      databasePort: props.databasePort ?? defaultPort(jobs),
      ...(props.createVpcEndpoints !== undefined && { createEndpoints: props.createVpcEndpoints }),
    });
    this.exporter = new ExportFunction(this, 'Exporter', {
      code: props.exporterCode,
      memorySize: Math.max(...jobs.map((j) => j.lambda.memoryMb)),
      timeout: Duration.seconds(Math.max(...jobs.map((j) => j.lambda.timeoutSeconds))),
      vpc: props.vpc,
      vpcSubnets: this.network.vpcSubnets,
      securityGroup: this.network.securityGroup,
      ...(props.logRetention !== undefined && { logRetention: props.logRetention }),
      ...(props.logLevel && { logLevel: props.logLevel }),
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: {
        EXPORT_BUCKET: this.exportBucket.bucket.bucketName,
        STATE_TABLE: this.stateTable.table.tableName,
        ...(props.databaseSecret && { DATABASE_SECRET_ARN: props.databaseSecret.secretArn }),
      },
    });
    const fn = this.exporter.function;

    this.exportBucket.grantWriteExports(fn);
    this.exportBucket.grantReadManifests(fn);
    this.stateTable.grantExporterAccess(fn);
    this.secrets = props.databaseSecret ? [props.databaseSecret] : this.catalogSecrets(jobs);
    for (const secret of this.secrets) secret.grantRead(fn);

    const parallel = new Map<string, ParallelExportStateMachine>();
    for (const job of jobs.filter((j) => j.parallel)) {
      parallel.set(
        job.name,
        new ParallelExportStateMachine(this, `Parallel-${job.name}`, {
          job,
          exporter: fn,
          ...(props.parallelTimeout && { timeout: props.parallelTimeout }),
          ...(props.logRetention !== undefined && { logRetention: props.logRetention }),
        }),
      );
    }
    this.parallelExports = parallel;
    const stateMachines = new Map([...parallel].map(([name, p]) => [name, p.stateMachine] as const));

    this.schedules = new ExportSchedules(this, 'Schedules', {
      target: fn,
      jobs,
      stateMachines,
      ...(props.schedulesEnabled !== undefined && { enabled: props.schedulesEnabled }),
    });
    this.alarms = new ExportAlarms(this, 'Alarms', {
      exporter: fn,
      deadLetterQueue: this.schedules.deadLetterQueue,
      jobs,
      stateMachines,
      ...(props.alarmEmail && { alarmEmail: props.alarmEmail }),
    });
    this.catalog = new ExportCatalog(this, 'Catalog', {
      exportBucket: this.exportBucket.bucket,
      jobs,
      ...(this.exportBucket.accessLogBucket && { accessLogBucket: this.exportBucket.accessLogBucket }),
      ...props.athena,
    });

    this.acknowledgeFindings();

    new CfnOutput(this, 'ExportBucketName', { value: this.exportBucket.bucket.bucketName });
    new CfnOutput(this, 'ExporterFunctionName', { value: fn.functionName });
    new CfnOutput(this, 'ExporterLogGroupName', { value: this.exporter.logGroup.logGroupName });
    new CfnOutput(this, 'StateTableName', { value: this.stateTable.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.catalog.databaseName });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: this.catalog.workGroupName });
  }

  /** One imported secret per distinct `connection.secret` of the jobs (name, partial or complete ARN). */
  private catalogSecrets(jobs: readonly JobConfig[]): secretsmanager.ISecret[] {
    const ids = new Set<string>();
    for (const job of jobs) {
      if (!job.connection.secret) {
        throw new Error(`job "${job.name}" has no connection.secret: it cannot run in AWS (give databaseSecret or set the job's secret)`);
      }
      ids.add(job.connection.secret);
    }
    return [...ids].map((id, index) => {
      const scopeId = `DatabaseSecret${index + 1}`;
      if (!id.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(this, scopeId, id);
      // A complete ARN ends in the 6-character suffix Secrets Manager appends to the name.
      return /-[A-Za-z0-9]{6}$/.test(id)
        ? secretsmanager.Secret.fromSecretCompleteArn(this, scopeId, id)
        : secretsmanager.Secret.fromSecretPartialArn(this, scopeId, id);
    });
  }

  /**
   * The cdk-nag findings this stack accepts, each named exactly (one wildcard resource or one
   * rule on one resource) with the reason; anything new fails the nag test.
   */
  private acknowledgeFindings(): void {
    const bucket = this.exportBucket;
    if (bucket.accessLogBucket) {
      acknowledge(
        bucket.accessLogBucket,
        'AwsSolutions-S1',
        'This is the server-access-log bucket of the export bucket; logging it into itself would log every log delivery (a feedback loop), and logging it elsewhere only moves the problem.',
      );
    }
    const role = this.exporter.role;
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only the VPC ENI actions of AWSLambdaVPCAccessExecutionRole (Create/Describe/DeleteNetworkInterface, DescribeSubnets, Assign/UnassignPrivateIpAddresses). EC2 Describe* has no resource-level permissions and Lambda creates the ENIs before they exist; the subnets and security group are fixed by the function VpcConfig. AWS documents Resource "*" for these.',
    );
    const bucketArn = nagFlatten(this, bucket.bucket.bucketArn);
    for (const prefix of bucket.dataPrefixes) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}/*]`,
        `Object keys are generated per run (<job>/dt=<date>/<runId>...), so PutObject/AbortMultipartUpload/DeleteObject are scoped to the data prefix "${prefix}/" of the export bucket, no wider.`,
      );
    }
    for (const prefix of bucket.manifestPrefixes) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}/*]`,
        `Manifest keys are generated per run (<job>/<runId>.json), so PutObject/GetObject are scoped to the manifest prefix "${prefix}/" of the export bucket, no wider.`,
      );
    }
    for (const secret of this.secrets) {
      if (!secret.secretFullArn) {
        acknowledge(
          role,
          `AwsSolutions-IAM5[Resource::${nagFlatten(this, secret.secretArn)}-??????]`,
          'The secret is given by name or partial ARN; Secrets Manager appends a random 6-character suffix to every secret ARN, and "-??????" matches exactly that suffix of this one secret.',
        );
      }
    }
    acknowledge(
      this.schedules.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the EventBridge Scheduler schedules; a dead-letter queue of a dead-letter queue would only hide given-up runs from the DLQ-depth alarm.',
    );
    if (!this.alarms.topic.masterKey) {
      acknowledge(
        this.alarms.topic,
        'AwsSolutions-SNS2',
        'The topic carries CloudWatch alarm state changes only (alarm name, metric, threshold), never export data or credentials. The AWS-managed SNS key cannot be used by CloudWatch alarms; pass a customer-managed key (ExportAlarmsProps.encryptionKey) where policy requires encryption at rest.',
      );
    }
  }
}

function defaultPort(jobs: readonly JobConfig[]): number {
  const ports = new Set(jobs.map((j) => DEFAULT_PORT[j.engine]));
  const [port] = ports;
  if (ports.size !== 1 || port === undefined) {
    throw new Error(`the jobs use engines with different default ports (${[...ports].join(', ')}); set databasePort`);
  }
  return port;
}
