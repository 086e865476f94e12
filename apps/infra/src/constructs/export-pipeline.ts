import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { JobConfig } from '@rds-s3-export/shared-types';
import { Construct } from 'constructs';
import { deployedConnections, type DeployedConnection } from './database-connections.js';
import { ExportAlarms } from './export-alarms.js';
import { EXPORTER_S3_ACTIONS, ExportBucket, type ExportLifecycleRule } from './export-bucket.js';
import { ExportCatalog, type ExportCatalogProps } from './export-catalog.js';
import { ExportFunction } from './export-function.js';
import { ExportNetwork, type DatabaseAccess } from './export-network.js';
import { ExportSchedules } from './export-schedules.js';
import { ExportStateTable } from './export-state-table.js';
import { ParallelExportStateMachine } from './parallel-export-state-machine.js';
import { acknowledge, nagFlatten } from '../nag.js';

export interface ExportPipelineProps {
  /**
   * The jobs to deploy (schedules, memory/timeout, prefixes, alarms), resolved from the deployment
   * config. Their connections are the databases: each needs a secret (complete ARN or name) and
   * the database's security group; its port defaults to the engine's (3306 MySQL/MariaDB, 5432
   * PostgreSQL). Any number of connections, engines and ports.
   */
  readonly jobs: readonly JobConfig[];
  /** The bundled exporter: `Code.fromAsset('dist/apps/exporter/lambda')` (see `exporterCodeFromBuild`). */
  readonly exporterCode: lambda.Code;
  /** The VPC of the database. */
  readonly vpc: ec2.IVpc;
  /** Private subnets of the exporter. @default { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** An existing export bucket. @default a new bucket (see `ExportBucket`) */
  readonly exportBucket?: s3.IBucket;
  /** Customer-managed key for the export bucket. @default SSE-S3 */
  readonly exportBucketKey?: kms.IKey;
  /** Expiry/transition per prefix. @default none */
  readonly lifecycleRules?: readonly ExportLifecycleRule[];
  /** Subscribe this address to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
  /**
   * Create the S3 + DynamoDB gateway endpoints and the Secrets Manager interface endpoint, with
   * policies that allow only the export bucket, the state table and the connections' secrets.
   * @default true
   */
  readonly createVpcEndpoints?: boolean;
  /**
   * With `createVpcEndpoints: false`: the security group of the VPC's own Secrets Manager
   * interface endpoint, the exporter's only HTTPS destination besides the S3/DynamoDB prefix lists.
   * @default none (required when createVpcEndpoints is false)
   */
  readonly vpcEndpointSecurityGroup?: ec2.ISecurityGroup;
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
  /** The distinct connections of the jobs (the databases). */
  readonly connections: readonly DeployedConnection[];
  /** The connections' secrets, by connection name; the exporter may read these and no other. */
  readonly secrets: ReadonlyMap<string, secretsmanager.ISecret>;

  constructor(scope: Construct, id: string, props: ExportPipelineProps) {
    super(scope, id);
    const jobs = props.jobs;
    if (jobs.length === 0) throw new Error('ExportPipeline needs at least one job');
    const region = Stack.of(this).region;
    this.connections = deployedConnections(jobs, Token.isUnresolved(region) ? {} : { region });
    this.secrets = this.importSecrets(this.connections);

    this.exportBucket = new ExportBucket(this, 'ExportBucket', {
      ...(props.exportBucket && { bucket: props.exportBucket }),
      ...(props.exportBucketKey && { encryptionKey: props.exportBucketKey }),
      dataPrefixes: jobs.map((j) => j.destination.prefix),
      manifestPrefixes: jobs.map((j) => j.destination.manifestPrefix),
      ...(props.lifecycleRules && { lifecycleRules: props.lifecycleRules }),
    });
    this.stateTable = new ExportStateTable(this, 'StateTable');
    // Before the network and the function: the Parquet tables' ARNs go into the Glue endpoint's
    // policy and the exporter's grant, their names into its environment.
    this.catalog = new ExportCatalog(this, 'Catalog', {
      exportBucket: this.exportBucket.bucket,
      jobs,
      ...(this.exportBucket.accessLogBucket && { accessLogBucket: this.exportBucket.accessLogBucket }),
      ...props.athena,
    });
    const glueArns = this.catalog.columnUpdateArns();
    const secretArns = [...new Set([...this.secrets.values()].map((secret) => secretResourceArn(secret)))];
    this.network = new ExportNetwork(this, 'Network', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      databases: databaseAccess(this.connections),
      ...(props.createVpcEndpoints !== undefined && { createEndpoints: props.createVpcEndpoints }),
      ...(props.vpcEndpointSecurityGroup && { endpointSecurityGroup: props.vpcEndpointSecurityGroup }),
      endpointPolicy: {
        bucketArn: this.exportBucket.bucket.bucketArn,
        s3Actions: EXPORTER_S3_ACTIONS,
        tableArn: this.stateTable.table.tableArn,
        dynamoDbActions: ExportStateTable.EXPORTER_ACTIONS,
        secretArns,
        ...(glueArns.length > 0 && { glueArns, glueActions: ExportCatalog.COLUMN_UPDATE_ACTIONS }),
      },
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
        // The Parquet jobs' tables, whose columns the exporter keeps (apps/exporter exporter-env.ts).
        ...(this.catalog.parquetTables.size > 0 && {
          GLUE_DATABASE: this.catalog.databaseName,
          GLUE_TABLES: JSON.stringify(Object.fromEntries(this.catalog.parquetTables)),
        }),
      },
    });
    const fn = this.exporter.function;

    this.exportBucket.grantWriteExports(fn);
    this.exportBucket.grantReadManifests(fn);
    this.stateTable.grantExporterAccess(fn);
    // GetSecretValue only (the exporter never calls DescribeSecret), on exactly the connections' secrets.
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['secretsmanager:GetSecretValue'], resourceArns: secretArns });
    this.catalog.grantColumnUpdates(fn);

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
    this.acknowledgeFindings();

    new CfnOutput(this, 'ExportBucketName', { value: this.exportBucket.bucket.bucketName });
    new CfnOutput(this, 'ExporterFunctionName', { value: fn.functionName });
    new CfnOutput(this, 'ExporterLogGroupName', { value: this.exporter.logGroup.logGroupName });
    new CfnOutput(this, 'ExporterSecurityGroupId', {
      description: 'The exporter Lambda\'s security group: the source of the inbound rule each database security group needs',
      value: this.network.securityGroup.securityGroupId,
    });
    new CfnOutput(this, 'StateTableName', { value: this.stateTable.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.catalog.databaseName });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: this.catalog.workGroupName });
  }

  /**
   * The connections' secrets, imported once each (connections may share one): by complete ARN,
   * or by name in the stack's account and region.
   */
  private importSecrets(connections: readonly DeployedConnection[]): Map<string, secretsmanager.ISecret> {
    const imported = new Map<string, secretsmanager.ISecret>();
    const byConnection = new Map<string, secretsmanager.ISecret>();
    for (const c of connections) {
      const key = c.secret.kind === 'arn' ? c.secret.arn : `name:${c.secret.name}`;
      let secret = imported.get(key);
      if (!secret) {
        const id = `DatabaseSecret${imported.size + 1}`;
        secret =
          c.secret.kind === 'arn'
            ? secretsmanager.Secret.fromSecretCompleteArn(this, id, c.secret.arn)
            : secretsmanager.Secret.fromSecretNameV2(this, id, c.secret.name);
        imported.set(key, secret);
      }
      byConnection.set(c.name, secret);
    }
    return byConnection;
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
    for (const secret of new Set(this.secrets.values())) {
      if (!secret.secretFullArn) {
        acknowledge(
          role,
          `AwsSolutions-IAM5[Resource::${nagFlatten(this, secretResourceArn(secret))}]`,
          'The secret is given by name; Secrets Manager appends a dash and 6 random characters to every secret name in its ARN, and "-??????" matches exactly that suffix of this one secret (no other name fits the pattern).',
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

/** The ARN a policy names for a secret: the complete ARN, or `<ARN of the name>-??????` for a secret imported by name. */
function secretResourceArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** One entry per distinct database security group and port, with the connections that use it. */
function databaseAccess(connections: readonly DeployedConnection[]): DatabaseAccess[] {
  const byRule = new Map<string, { securityGroupId: string; port: number; addIngressRule: boolean; connections: string[] }>();
  for (const c of connections) {
    const key = `${c.securityGroupId}:${c.port}`;
    const entry = byRule.get(key) ?? { securityGroupId: c.securityGroupId, port: c.port, addIngressRule: c.addIngressRule, connections: [] };
    entry.connections.push(c.name);
    byRule.set(key, entry);
  }
  return [...byRule.values()];
}
