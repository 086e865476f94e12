import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The newest Node.js runtime of the pinned aws-cdk-lib (cdk-nag AwsSolutions-L1 checks exactly this). */
export const EXPORTER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Service name of Powertools logs/metrics; also the `service` dimension of the EMF metrics. */
export const POWERTOOLS_SERVICE_NAME = 'rds-s3-export';
/** CloudWatch namespace of the exporter's EMF metrics. */
export const METRICS_NAMESPACE = 'RdsS3Export';

export interface ExportFunctionProps {
  /** The bundled handler (`index.mjs` exporting `handler`): `Code.fromAsset('dist/apps/exporter/lambda')` in the app. */
  readonly code: lambda.Code;
  /** Memory of the function: the largest `lambda.memoryMb` of the jobs. */
  readonly memorySize: number;
  /** Timeout of the function: the largest `lambda.timeoutSeconds` of the jobs. */
  readonly timeout: Duration;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Extra environment (EXPORT_BUCKET, STATE_TABLE, ...). */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Reserved concurrency. Caps the number of parallel database connections of all jobs together.
   * The per-job lease already prevents overlapping runs of one job, and a reservation takes
   * capacity out of the account's unreserved pool (which must keep 100), so none by default.
   * @default no reservation (the account's unreserved concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The exporter Lambda: arm64, newest Node.js runtime, in the private subnets, with an explicit
 * log group and an execution role whose every statement is written out here (no AWS managed
 * policies: AWSLambdaBasicExecutionRole grants logs on `*`, AWSLambdaVPCAccessExecutionRole
 * more EC2 actions than Lambda needs). Asynchronous retries are off: EventBridge Scheduler owns
 * the retry policy and the dead-letter queue, and two retry layers would multiply attempts.
 */
export class ExportFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ExportFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'rds-s3-export exporter Lambda',
      // Inline on the role (not a separate AWS::IAM::Policy) so that they exist before the
      // function: Lambda checks the ENI permissions when it creates a function in a VPC.
      inlinePolicies: {
        logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
        vpc: new iam.PolicyDocument({
          statements: [
            // The ENI actions of AWSLambdaVPCAccessExecutionRole, written out. EC2 Describe*
            // supports no resource-level permissions, and the Lambda service creates the ENIs
            // with the function's role before the function (and its ENIs) exist, so AWS
            // documents Resource "*" for these; the subnets and security group are fixed by
            // the function's VpcConfig, not by this policy.
            new iam.PolicyStatement({
              actions: [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:DeleteNetworkInterface',
                'ec2:AssignPrivateIpAddresses',
                'ec2:UnassignPrivateIpAddresses',
              ],
              resources: ['*'],
            }),
          ],
        }),
      },
    });

    this.function = new lambda.Function(this, 'Function', {
      description: 'rds-s3-export: one scheduled export run (EventBridge Scheduler -> RDS -> S3)',
      runtime: EXPORTER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
    });
  }
}
