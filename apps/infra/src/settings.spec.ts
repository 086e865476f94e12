import { Token } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { readDeploySettings, SettingsError, type DeploySettings } from './settings.js';
import { catalogJobs, cdkJsonContext, testApp, testExporterCode, testSettings } from './testing/test-settings.js';

const fromCdkJson = (key: string) => cdkJsonContext()[key];
/** The settings of cdk.json with these environment variables on top. */
const read = (env: NodeJS.ProcessEnv = {}) => readDeploySettings(fromCdkJson, env);
/** The one-line problems of a refused set of settings. */
const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('the settings were accepted');
};

describe('Function: readDeploySettings', () => {
  it('reads the cdk.json context, and environment variables win over it', () => {
    const settings = read({ RDS_S3_EXPORT_VPC_ID: ' vpc-0fedcba9876543210 ', RDS_S3_EXPORT_ALARM_EMAIL: '' });
    expect(settings).toEqual({
      stage: 'dev',
      region: 'eu-west-1',
      vpcId: 'vpc-0fedcba9876543210',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
      privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
      createVpcEndpoints: true,
      githubRepository: 'example-org/rds-s3-export',
    });
  });

  it('names the missing setting with its context key and environment variable', () => {
    expect(() => readDeploySettings(() => undefined, {})).toThrow(
      'setting "privateSubnetIds" is missing: pass -c rds-s3-export:privateSubnetIds=... or set RDS_S3_EXPORT_PRIVATE_SUBNET_IDS',
    );
  });

  it('reports every wrong setting at once, one line each', () => {
    const problems = problemsOf({ RDS_S3_EXPORT_VPC_ID: 'vpc-1', RDS_S3_EXPORT_ALARM_EMAIL: 'ops' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('setting "vpcId"');
    expect(problems[1]).toContain('setting "alarmEmail"');
  });
});

describe('Settings: the account and region of the stacks', () => {
  it('leave the account agnostic when neither the setting nor the CDK CLI name it (offline synth, no credentials)', () => {
    expect(read().account).toBeUndefined();
  });

  it('take the account from CDK_DEFAULT_ACCOUNT (the CDK CLI\'s credentials), the explicit setting first', () => {
    expect(read({ CDK_DEFAULT_ACCOUNT: '123456789012' }).account).toBe('123456789012');
    expect(read({ RDS_S3_EXPORT_ACCOUNT: '210987654321', CDK_DEFAULT_ACCOUNT: '123456789012' }).account).toBe('210987654321');
  });

  it('take the region of the VPC: the setting, else its zones\', never the CLI\'s us-east-1 fallback', () => {
    expect(read().region).toBe('eu-west-1');
    expect(read({ CDK_DEFAULT_REGION: 'us-east-1' }).region).toBe('eu-west-1');
    expect(read({ RDS_S3_EXPORT_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(problemsOf({ RDS_S3_EXPORT_REGION: 'us-east-1' })).toEqual([
      'setting "availabilityZones" (RDS_S3_EXPORT_AVAILABILITY_ZONES) are in eu-west-1 but the setting "region" is us-east-1; the stacks deploy to the VPC\'s region',
    ]);
  });

  it('must be a 12-digit account and a region name', () => {
    expect(problemsOf({ RDS_S3_EXPORT_ACCOUNT: '1234' })).toEqual(['setting "account" (RDS_S3_EXPORT_ACCOUNT) must be a 12-digit AWS account id (got "1234")']);
    expect(problemsOf({ CDK_DEFAULT_ACCOUNT: 'me' })).toEqual(['setting "account" (RDS_S3_EXPORT_ACCOUNT) must be a 12-digit AWS account id (got "me")']);
    expect(problemsOf({ RDS_S3_EXPORT_REGION: 'Ireland' })).toEqual(['setting "region" (RDS_S3_EXPORT_REGION) must be an AWS region like eu-west-1 (got "Ireland")']);
    expect(read({ RDS_S3_EXPORT_AVAILABILITY_ZONES: 'us-gov-west-1a,us-gov-west-1b' }).region).toBe('us-gov-west-1');
  });
});

describe('Settings: the network', () => {
  it('checks the id formats of the VPC, subnets and route tables', () => {
    expect(problemsOf({ RDS_S3_EXPORT_VPC_ID: 'vpc-xyz' })).toEqual(['setting "vpcId" (RDS_S3_EXPORT_VPC_ID) must be a VPC id like vpc-0123456789abcdef0 (got "vpc-xyz")']);
    expect(problemsOf({ RDS_S3_EXPORT_PRIVATE_SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaa1,sg-0bbbbbbbbbbbbbbb2' })).toEqual([
      'setting "privateSubnetIds" (RDS_S3_EXPORT_PRIVATE_SUBNET_IDS) must be a comma-separated list of subnet ids like subnet-0123456789abcdef0 (wrong: "sg-0bbbbbbbbbbbbbbb2")',
    ]);
    expect(problemsOf({ RDS_S3_EXPORT_PRIVATE_SUBNET_ROUTE_TABLE_IDS: 'rtb-0aaaaaaaaaaaaaaa1,rtb-NOPE' })[0]).toContain('route table ids like rtb-0123456789abcdef0 (wrong: "rtb-NOPE")');
    expect(problemsOf({ RDS_S3_EXPORT_AVAILABILITY_ZONES: 'eu-west-1a,euw1-az2' })[0]).toContain('availability zones like eu-west-1a (wrong: "euw1-az2")');
    // Older, 8-digit ids are ids too.
    expect(read({ RDS_S3_EXPORT_VPC_ID: 'vpc-0123abcd' }).vpcId).toBe('vpc-0123abcd');
  });

  it('needs at least two availability zones: one zone with two subnets fails', () => {
    const problems = problemsOf({ RDS_S3_EXPORT_AVAILABILITY_ZONES: 'eu-west-1a' });
    expect(problems).toEqual([
      'setting "availabilityZones" (RDS_S3_EXPORT_AVAILABILITY_ZONES) must name at least 2 availability zones (got 1: eu-west-1a); RDS and the exporter span two zones',
      'setting "privateSubnetIds" (RDS_S3_EXPORT_PRIVATE_SUBNET_IDS) needs exactly one subnet per availability zone, in the same order: 1 zone(s) (eu-west-1a) but 2 subnet(s)',
    ]);
  });

  it('needs exactly one subnet per zone, and one route table per subnet (a table may repeat)', () => {
    expect(problemsOf({ RDS_S3_EXPORT_PRIVATE_SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2,subnet-0ccccccccccccccc3', RDS_S3_EXPORT_PRIVATE_SUBNET_ROUTE_TABLE_IDS: 'rtb-0aaaaaaaaaaaaaaa1,rtb-0aaaaaaaaaaaaaaa1,rtb-0aaaaaaaaaaaaaaa1' })).toEqual([
      'setting "privateSubnetIds" (RDS_S3_EXPORT_PRIVATE_SUBNET_IDS) needs exactly one subnet per availability zone, in the same order: 2 zone(s) (eu-west-1a, eu-west-1b) but 3 subnet(s)',
    ]);
    expect(problemsOf({ RDS_S3_EXPORT_PRIVATE_SUBNET_ROUTE_TABLE_IDS: 'rtb-0aaaaaaaaaaaaaaa1' })).toEqual([
      'setting "privateSubnetRouteTableIds" (RDS_S3_EXPORT_PRIVATE_SUBNET_ROUTE_TABLE_IDS) needs one route table per subnet of privateSubnetIds, in the same order (a table may repeat): 2 subnet(s) but 1 route table(s)',
    ]);
    // One shared private route table is common.
    expect(read({ RDS_S3_EXPORT_PRIVATE_SUBNET_ROUTE_TABLE_IDS: 'rtb-0aaaaaaaaaaaaaaa1,rtb-0aaaaaaaaaaaaaaa1' }).privateSubnetRouteTableIds).toHaveLength(2);
  });

  it('refuses a zone or subnet named twice', () => {
    expect(problemsOf({ RDS_S3_EXPORT_AVAILABILITY_ZONES: 'eu-west-1a,eu-west-1a' })).toEqual([
      'setting "availabilityZones" (RDS_S3_EXPORT_AVAILABILITY_ZONES) names a zone twice (eu-west-1a)',
    ]);
    expect(problemsOf({ RDS_S3_EXPORT_PRIVATE_SUBNET_IDS: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa1' })).toEqual([
      'setting "privateSubnetIds" (RDS_S3_EXPORT_PRIVATE_SUBNET_IDS) names a subnet twice (subnet-0aaaaaaaaaaaaaaa1)',
    ]);
  });

  it('needs the zones in one region', () => {
    expect(problemsOf({ RDS_S3_EXPORT_AVAILABILITY_ZONES: 'eu-west-1a,eu-central-1b' })).toEqual([
      'setting "availabilityZones" (RDS_S3_EXPORT_AVAILABILITY_ZONES) mixes regions (eu-west-1, eu-central-1); a VPC lives in one region',
    ]);
  });

  it('needs the security group of the VPC\'s own endpoints when the stack creates none, and only then', () => {
    expect(problemsOf({ RDS_S3_EXPORT_CREATE_VPC_ENDPOINTS: 'false' })[0]).toMatch(/^setting "vpcEndpointSecurityGroupId" \(RDS_S3_EXPORT_VPC_ENDPOINT_SECURITY_GROUP_ID\) is required when createVpcEndpoints is false/);
    expect(read({ RDS_S3_EXPORT_CREATE_VPC_ENDPOINTS: 'false', RDS_S3_EXPORT_VPC_ENDPOINT_SECURITY_GROUP_ID: 'sg-0e0e0e0e0e0e0e0e0' })).toMatchObject({
      createVpcEndpoints: false,
      vpcEndpointSecurityGroupId: 'sg-0e0e0e0e0e0e0e0e0',
    });
    expect(problemsOf({ RDS_S3_EXPORT_VPC_ENDPOINT_SECURITY_GROUP_ID: 'sg-0e0e0e0e0e0e0e0e0' })[0]).toContain('applies only with createVpcEndpoints=false');
    expect(problemsOf({ RDS_S3_EXPORT_CREATE_VPC_ENDPOINTS: 'false', RDS_S3_EXPORT_VPC_ENDPOINT_SECURITY_GROUP_ID: 'sg-12' })[0]).toContain('must be a security group id');
    expect(problemsOf({ RDS_S3_EXPORT_CREATE_VPC_ENDPOINTS: 'no' })[0]).toBe('setting "createVpcEndpoints" (RDS_S3_EXPORT_CREATE_VPC_ENDPOINTS) must be true or false (got "no")');
  });

  it('refuses to deploy a stage with the example network of cdk.json', () => {
    expect(() => read({ DEPLOY_STAGE: 'staging' })).toThrow('DEPLOY_STAGE=staging but the network settings are the examples');
    expect(read({ DEPLOY_STAGE: 'staging', RDS_S3_EXPORT_VPC_ID: 'vpc-0fedcba9876543210' }).stage).toBe('staging');
  });
});

describe('Settings: the rest', () => {
  it('checks the export bucket name against the S3 naming rules', () => {
    expect(problemsOf({ RDS_S3_EXPORT_EXPORT_BUCKET_NAME: 'My_Bucket' })).toEqual([
      'setting "exportBucketName" (RDS_S3_EXPORT_EXPORT_BUCKET_NAME) may contain only lowercase letters, digits, dots and hyphens (got "My_Bucket")',
    ]);
    expect(read({ RDS_S3_EXPORT_EXPORT_BUCKET_NAME: 'acme-exports' }).exportBucketName).toBe('acme-exports');
  });

  it('checks the alarm email, the GitHub repository and the stage', () => {
    expect(problemsOf({ RDS_S3_EXPORT_ALARM_EMAIL: 'ops@example' })).toEqual(['setting "alarmEmail" (RDS_S3_EXPORT_ALARM_EMAIL) must be an email address like ops@example.com (got "ops@example")']);
    expect(read({ RDS_S3_EXPORT_ALARM_EMAIL: 'ops@example.com' }).alarmEmail).toBe('ops@example.com');
    expect(problemsOf({ RDS_S3_EXPORT_GITHUB_REPOSITORY: 'https://github.com/acme/x' })[0]).toContain('must be a GitHub repository "owner/name"');
    expect(problemsOf({ DEPLOY_STAGE: 'Prod' })[0]).toContain('stage "Prod" must be lowercase letters, digits and dashes');
  });

  it('has no single-database settings any more: the databases are the deployment config\'s connections', () => {
    const settings = read({ RDS_S3_EXPORT_DATABASE_SECURITY_GROUP_ID: 'sg-0123456789abcdef0', RDS_S3_EXPORT_DATABASE_PORT: '3306', RDS_S3_EXPORT_DATABASE_SECRET_ARN: 'x' });
    expect(Object.keys(settings).filter((key) => key.startsWith('database'))).toEqual([]);
  });
});

describe('Function: createApp (the stacks\' environment)', () => {
  const build = (settings: DeploySettings) => createApp({ app: testApp(), settings, jobs: catalogJobs(), exporterCode: testExporterCode() });

  it('deploys both stacks to the settings\' account and region', () => {
    const { pipeline, ciAccess } = build(testSettings({ account: '123456789012', region: 'eu-west-1' }));
    for (const stack of [pipeline, ciAccess]) expect([stack.account, stack.region]).toEqual(['123456789012', 'eu-west-1']);
  });

  it('leaves the account agnostic when unknown, so synth needs no credentials', () => {
    const { app, pipeline, ciAccess } = build(testSettings());
    for (const stack of [pipeline, ciAccess]) {
      expect(Token.isUnresolved(stack.account)).toBe(true);
      expect(stack.region).toBe('eu-west-1');
    }
    expect(() => app.synth()).not.toThrow();
  });
});
