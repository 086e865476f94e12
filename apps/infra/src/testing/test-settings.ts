import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { JobConfigSchema, type JobConfig, type JobConfigInput } from '@rds-s3-export/shared-types';
import { DashboardApi, type DashboardApiProps } from '../constructs/dashboard-api.js';
import { ExportPipeline, type ExportPipelineProps } from '../constructs/export-pipeline.js';
import type { DeploySettings } from '../settings.js';

/** The context of apps/infra/cdk.json (feature flags, example settings), so tests build what `cdk synth` builds. */
export const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** A new App with the context of cdk.json. */
export const testApp = (): App => new App({ context: cdkJsonContext() });

export const TEST_ENV = { account: '111122223333', region: 'eu-west-1' } as const;

/**
 * The test deployment's two databases, as a deployment config's `connections` resolve into
 * each job's `connection`: a PostgreSQL one (`hr`, RDS-managed secret, default port 5432) and a
 * MariaDB one (`shop`, its own secret, default port 3306), each with its own security group.
 */
export const TEST_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0123-AbCdEf';
export const SHOP_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop-readonly-Xy12Ab';
export const HR_SECURITY_GROUP_ID = 'sg-0db0db0db0db0db00';
export const SHOP_SECURITY_GROUP_ID = 'sg-0a11a11a11a11a11a';
export const HR_CONNECTION = { name: 'hr', secret: TEST_SECRET_ARN, securityGroupId: HR_SECURITY_GROUP_ID, tls: 'verify-full' } as const;
export const SHOP_CONNECTION = { name: 'shop', secret: SHOP_SECRET_ARN, securityGroupId: SHOP_SECURITY_GROUP_ID, tls: 'verify-full' } as const;

/** Stand-in for the bundle, so tests need no `dist/` (the app uses `exporterCodeFromBuild`). */
export const testExporterCode = (): lambda.Code => lambda.Code.fromInline('export const handler = async () => ({});');

export const testSettings = (overrides: Partial<DeploySettings> = {}): DeploySettings => ({
  stage: 'test',
  region: 'eu-west-1',
  vpcId: 'vpc-0aaaaaaaaaaaaaaaa',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
  createVpcEndpoints: true,
  githubRepository: 'example-org/rds-s3-export',
  ...overrides,
});

const job = (input: JobConfigInput): JobConfig => JobConfigSchema.parse(input);

/** The sample `employees` job (PostgreSQL), deployed against the `hr` connection. */
export const catalogJobs = (): JobConfig[] => [
  job({
    name: 'employees',
    engine: 'postgres',
    connection: HR_CONNECTION,
    table: 'employees',
    columns: ['id', 'first_name', 'last_name', 'email', 'department', 'salary', 'hired_on', 'updated_at', 'active', 'notes'],
    primaryKey: ['id'],
    incremental: { cursorColumn: 'updated_at', keyColumn: 'id', lagSeconds: 30 },
    schedule: { expression: 'rate(5 minutes)', timeZone: 'UTC' },
    destination: { bucket: 'rds-exports-local', prefix: 'rds_exports', layout: 'hive', compression: 'none' },
  }),
];

/**
 * A parallel job for tests: 8 chunks, 3 at a time, declared columns (so it gets an Athena
 * table), gzip, a daily cron in a non-UTC time zone; on the MariaDB `shop` connection.
 */
export const PARALLEL_TEST_JOB = 'orders-archive';

/**
 * Three jobs over two databases: {@link catalogJobs} and a flat-layout job (no Athena table) on
 * PostgreSQL `hr`, and {@link PARALLEL_TEST_JOB} on MariaDB `shop`.
 */
export const testJobs = (): JobConfig[] => [
  ...catalogJobs(),
  job({
    name: PARALLEL_TEST_JOB,
    engine: 'mariadb',
    connection: SHOP_CONNECTION,
    table: 'sales.orders',
    columns: ['id', 'customer_id', 'Total', 'created_at'],
    primaryKey: ['id'],
    schedule: { expression: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin' },
    destination: { bucket: 'rds-exports-local', prefix: 'rds_exports', compression: 'gzip' },
    parallel: { chunks: 8, maxConcurrency: 3 },
  }),
  job({
    name: 'legacy-flat',
    engine: 'postgres',
    connection: HR_CONNECTION,
    table: 'employees',
    columns: ['id', 'name'],
    destination: { bucket: 'rds-exports-local', prefix: 'rds_exports', layout: 'flat' },
  }),
];

/**
 * Two `format: parquet` jobs on MariaDB `shop`: `order-lines` declares its columns, `revenue`
 * is a custom query (no declared columns). Both get Parquet Glue tables whose columns the
 * exporter keeps (glue:GetTable/UpdateTable on exactly those tables).
 */
export const PARQUET_TEST_JOBS = ['order-lines', 'revenue'] as const;
export const parquetJobs = (): JobConfig[] => [
  job({
    name: 'order-lines',
    engine: 'mariadb',
    connection: SHOP_CONNECTION,
    table: 'sales.order_lines',
    columns: ['order_id', 'Line', 'amount'],
    format: 'parquet',
    destination: { bucket: 'rds-exports-local', prefix: 'rds_exports' },
  }),
  job({
    name: 'revenue',
    engine: 'mariadb',
    connection: SHOP_CONNECTION,
    query: 'SELECT day, SUM(total) AS revenue FROM sales.orders GROUP BY day',
    format: 'parquet',
    destination: { bucket: 'rds-exports-local', prefix: 'rds_exports' },
  }),
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
