import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { buildCatalog, loadDeploymentConfig } from '@rds-s3-export/jobs';
import type { JobConfig } from '@rds-s3-export/shared-types';
import { DashboardApi, type DashboardApiProps } from '../constructs/dashboard-api.js';
import { ExportPipeline, type ExportPipelineProps } from '../constructs/export-pipeline.js';
import type { DeploySettings } from '../settings.js';

/** The context of apps/infra/cdk.json (feature flags, example settings), so tests build what `cdk synth` builds. */
export const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** A new App with the context of cdk.json. */
export const testApp = (): App => new App({ context: cdkJsonContext() });

export const TEST_ENV = { account: '111122223333', region: 'eu-west-1' } as const;
export const TEST_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0123-AbCdEf';

/** Stand-in for the bundle, so tests need no `dist/` (the app uses `exporterCodeFromBuild`). */
export const testExporterCode = (): lambda.Code => lambda.Code.fromInline('export const handler = async () => ({});');

export const testSettings = (overrides: Partial<DeploySettings> = {}): DeploySettings => ({
  stage: 'test',
  vpcId: 'vpc-0aaaaaaaaaaaaaaaa',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
  databaseSecurityGroupId: 'sg-0db0db0db0db0db00',
  createVpcEndpoints: true,
  githubRepository: 'example-org/rds-s3-export',
  ...overrides,
});

/** The demo's deployment config (the sample `employees` job): what the infra tests synthesize by default. */
export const DEMO_CONFIG_FILE = fileURLToPath(new URL('../../../../tools/demo/rds-s3-export.demo.yaml', import.meta.url));

/** The jobs of the demo's deployment config. */
export const catalogJobs = (): JobConfig[] => [...loadDeploymentConfig({ path: DEMO_CONFIG_FILE, env: {} }).jobs.values()];

/**
 * A parallel job for tests (the real catalog has none): 8 chunks, 3 at a time, declared
 * columns (so it gets an Athena table), gzip, a daily cron in a non-UTC time zone.
 */
export const PARALLEL_TEST_JOB = 'orders-archive';

/** The real catalog plus {@link PARALLEL_TEST_JOB} and a flat-layout job with columns (no Athena table). */
export const testJobs = (): JobConfig[] => [
  ...catalogJobs(),
  ...buildCatalog([
    {
      name: PARALLEL_TEST_JOB,
      engine: 'postgres',
      connection: { secret: 'rds-s3-export/employees' },
      table: 'sales.orders',
      columns: ['id', 'customer_id', 'Total', 'created_at'],
      primaryKey: ['id'],
      schedule: { expression: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin' },
      destination: { bucket: 'rds-exports-local', prefix: 'rds_exports', compression: 'gzip' },
      parallel: { chunks: 8, maxConcurrency: 3 },
    },
    {
      name: 'legacy-flat',
      engine: 'postgres',
      connection: { secret: 'rds-s3-export/employees' },
      table: 'employees',
      columns: ['id', 'name'],
      destination: { bucket: 'rds-exports-local', prefix: 'rds_exports', layout: 'flat' },
    },
  ]).values(),
];

/** An ExportPipeline in a stack of its own, over an imported VPC like the real app's. */
export function testPipeline(overrides: Partial<ExportPipelineProps> = {}): { stack: Stack; pipeline: ExportPipeline } {
  const app = testApp();
  const stack = new Stack(app, 'TestPipeline', { env: TEST_ENV });
  const s = testSettings();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: s.vpcId,
    availabilityZones: [...s.availabilityZones],
    privateSubnetIds: [...s.privateSubnetIds],
    privateSubnetRouteTableIds: [...s.privateSubnetRouteTableIds],
  });
  const pipeline = new ExportPipeline(stack, 'Pipeline', {
    jobs: catalogJobs(),
    exporterCode: testExporterCode(),
    vpc,
    databaseSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', s.databaseSecurityGroupId, { mutable: true }),
    databaseSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'DbSecret', TEST_SECRET_ARN),
    ...overrides,
  });
  return { stack, pipeline };
}

/** Stand-in for the dashboard API bundle, so tests need no `dist/` (the app uses `dashboardApiCodeFromBuild`). */
export const testDashboardApiCode = (): lambda.Code => lambda.Code.fromInline('export const handler = async () => ({ statusCode: 200 });');

/** {@link testPipeline} plus a DashboardApi over its bucket and exporter log group, as the pipeline stack wires it. */
export function testPipelineWithDashboard(
  overrides: Partial<ExportPipelineProps> = {},
  dashboard: Partial<Omit<DashboardApiProps, 'exportBucket' | 'exporterLogGroup'>> = {},
): { stack: Stack; pipeline: ExportPipeline; dashboardApi: DashboardApi } {
  const { stack, pipeline } = testPipeline(overrides);
  const dashboardApi = new DashboardApi(stack, 'DashboardApi', {
    code: testDashboardApiCode(),
    exportBucket: pipeline.exportBucket,
    exporterLogGroup: pipeline.exporter.logGroup,
    ...dashboard,
  });
  return { stack, pipeline, dashboardApi };
}
