import { App, Tags, Validations, type Environment } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { JobConfig } from '@rds-s3-export/shared-types';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploySettings } from './settings.js';
import { CiAccessStack } from './stacks/ci-access-stack.js';
import { PipelineStack } from './stacks/pipeline-stack.js';

/**
 * The stacks' environment from the settings: the region of the VPC (setting `region`, else its
 * availability zones'), and the account of the setting `account`, else `CDK_DEFAULT_ACCOUNT`
 * (the CDK CLI sets it from the credentials in use). Without credentials the account stays
 * agnostic, so `cdk synth` works offline; `cdk deploy` then uses the credentials' account.
 */
export const stackEnvironment = (settings: DeploySettings): Environment => ({
  ...(settings.account && { account: settings.account }),
  region: settings.region,
});

export const pipelineStackName = (stage: string) => `RdsS3Export-${stage}`;
export const CI_ACCESS_STACK_NAME = 'RdsS3Export-CiAccess';

export interface CreateAppOptions {
  readonly settings: DeploySettings;
  readonly jobs: readonly JobConfig[];
  readonly exporterCode: lambda.Code;
  /** The bundled dashboard API. @default no dashboard API in the pipeline stack */
  readonly dashboardApiCode?: lambda.Code;
  /** The built dashboard, hosted with sign-in when the dashboard API is deployed. @default not hosted */
  readonly dashboardSite?: s3deploy.ISource;
  /** @default a new App */
  readonly app?: App;
}

/**
 * The CDK app: the pipeline stack of one stage and the CI-access stack, with cdk-nag's
 * AwsSolutions pack as a validation plugin, so synthesis fails on any unacknowledged finding.
 */
export function createApp(options: CreateAppOptions): { app: App; pipeline: PipelineStack; ciAccess: CiAccessStack } {
  const app = options.app ?? new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  Tags.of(app).add('project', 'rds-s3-export');
  const env = stackEnvironment(options.settings);
  const pipeline = new PipelineStack(app, pipelineStackName(options.settings.stage), {
    env,
    description: `rds-s3-export pipeline (${options.settings.stage}): EventBridge Scheduler -> Lambda -> RDS -> S3`,
    settings: options.settings,
    jobs: options.jobs,
    exporterCode: options.exporterCode,
    ...(options.dashboardApiCode && { dashboardApiCode: options.dashboardApiCode }),
    ...(options.dashboardSite && { dashboardSite: options.dashboardSite }),
  });
  const ciAccess = new CiAccessStack(app, CI_ACCESS_STACK_NAME, {
    env,
    description: 'rds-s3-export: GitHub OIDC deploy role (deployed once by an admin)',
    repository: options.settings.githubRepository,
  });
  return { app, pipeline, ciAccess };
}
