import { Annotations, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { JobConfig } from '@rds-s3-export/shared-types';
import type { Construct } from 'constructs';
import { DashboardApi, type DashboardApiProps } from '../constructs/dashboard-api.js';
import { DashboardHosting, type DashboardHostingProps } from '../constructs/dashboard-hosting.js';
import { ExportPipeline } from '../constructs/export-pipeline.js';
import { EXAMPLE_VPC_ID, type DeploySettings } from '../settings.js';

export interface PipelineStackProps extends StackProps {
  /** The network and what to create (see `readDeploySettings`). */
  readonly settings: DeploySettings;
  /** The jobs of the deployment config; their connections are the databases (see `ExportPipelineProps.jobs`). */
  readonly jobs: readonly JobConfig[];
  readonly exporterCode: lambda.Code;
  /**
   * The bundled dashboard API (`dashboardApiCodeFromBuild()`); when given, the stack adds a
   * {@link DashboardApi} (Cognito user pool, HTTP API, read-only Lambda) over the pipeline.
   * @default no dashboard API
   */
  readonly dashboardApiCode?: lambda.Code;
  /** Further settings of the dashboard API. @default see `DashboardApiProps` */
  readonly dashboardApi?: Pick<DashboardApiProps, 'throttlingRateLimit' | 'throttlingBurstLimit' | 'corsAllowOrigins' | 'threatProtection' | 'logRetention'>;
  /**
   * The built dashboard (`dashboardSiteFromBuild()`); with `dashboardApiCode`, the stack hosts it
   * behind CloudFront with Cognito sign-in ({@link DashboardHosting}). @default not hosted
   */
  readonly dashboardSite?: s3deploy.ISource;
  /** Further settings of the hosting (Cognito domain prefix, custom domain). */
  readonly dashboardHosting?: Pick<DashboardHostingProps, 'cognitoDomainPrefix' | 'customDomain'>;
}

/**
 * The deployable pipeline of one stage: imports the existing VPC and subnets (and the
 * connections' security groups and secrets, an existing bucket) by id, without context lookups
 * so that synth runs offline, and builds an {@link ExportPipeline} in them. The account and
 * region are the `env` the app gives it (`stackEnvironment`: the VPC's region; the account of the
 * settings or the CDK CLI's credentials, agnostic without them).
 */
export class PipelineStack extends Stack {
  readonly pipeline: ExportPipeline;
  /** Present when `dashboardApiCode` was given. */
  readonly dashboardApi?: DashboardApi;
  /** Present when `dashboardApiCode` and `dashboardSite` were given. */
  readonly dashboardHosting?: DashboardHosting;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const s = props.settings;
    if (s.vpcId === EXAMPLE_VPC_ID) {
      Annotations.of(this).addInfo('example network settings from apps/infra/cdk.json: fine for synth, replace them before a deploy (see apps/infra/README.md)');
    }
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: s.vpcId,
      availabilityZones: [...s.availabilityZones],
      privateSubnetIds: [...s.privateSubnetIds],
      privateSubnetRouteTableIds: [...s.privateSubnetRouteTableIds],
    });
    this.pipeline = new ExportPipeline(this, 'Pipeline', {
      jobs: props.jobs,
      exporterCode: props.exporterCode,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ...(s.exportBucketName && { exportBucket: s3.Bucket.fromBucketName(this, 'ExistingExportBucket', s.exportBucketName) }),
      ...(s.alarmEmail && { alarmEmail: s.alarmEmail }),
      createVpcEndpoints: s.createVpcEndpoints,
      ...(s.vpcEndpointSecurityGroupId && {
        // The VPC's own endpoint group: egress to it only, its inbound rules are the owner's.
        vpcEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(this, 'VpcEndpointSecurityGroup', s.vpcEndpointSecurityGroupId, { mutable: false }),
      }),
    });
    if (props.dashboardApiCode) {
      this.dashboardApi = new DashboardApi(this, 'DashboardApi', {
        code: props.dashboardApiCode,
        exportBucket: this.pipeline.exportBucket,
        exporterLogGroup: this.pipeline.exporter.logGroup,
        ...props.dashboardApi,
      });
      if (props.dashboardSite) {
        this.dashboardHosting = new DashboardHosting(this, 'DashboardHosting', { site: props.dashboardSite, dashboardApi: this.dashboardApi, stage: s.stage, ...props.dashboardHosting });
      }
    }
  }
}
