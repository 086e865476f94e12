import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { JobConfigSchema, type JobConfig } from '@rds-s3-export/shared-types';
import {
  catalogJobs,
  HR_SECURITY_GROUP_ID,
  SHOP_CONNECTION,
  SHOP_SECRET_ARN,
  SHOP_SECURITY_GROUP_ID,
  TEST_SECRET_ARN,
  testJobs,
  testPipeline,
} from '../testing/test-settings.js';
import { NO_TRAFFIC_EGRESS } from './export-network.js';
import { stalenessWindow } from './export-alarms.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
const jobs = catalogJobs();
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** The exporter, not the deploy-time prefix list lookup. */
const isExporter = (p: Record<string, unknown>) => String(p.Description).includes('scheduled export run');
const logicalId = (type: string, match: (props: Record<string, unknown>) => boolean = () => true): string => {
  const found = ofType(type).filter(([, r]) => match(r.Properties ?? {}));
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]![0];
};

beforeAll(() => {
  // Prepare: one synthesized template for the whole file.
  template = Template.fromStack(testPipeline().stack);
  resources = template.toJSON().Resources as Resources;
});

describe('Construct: ExportFunction', () => {
  it('runs the newest Node.js runtime on arm64, in the VPC, with memory and timeout from the catalog', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: Math.max(...jobs.map((j) => j.lambda.memoryMb)),
      Timeout: Math.max(...jobs.map((j) => j.lambda.timeoutSeconds)),
      VpcConfig: { SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'], SecurityGroupIds: [Match.anyValue()] },
      LoggingConfig: { LogGroup: { Ref: logicalId('AWS::Logs::LogGroup', (p) => p.RetentionInDays === 90) } },
      Environment: {
        Variables: Match.objectLike({
          EXPORT_BUCKET: { Ref: logicalId('AWS::S3::Bucket', (p) => p.VersioningConfiguration !== undefined) },
          STATE_TABLE: { Ref: logicalId('AWS::DynamoDB::Table') },
          LOG_LEVEL: 'INFO',
          POWERTOOLS_SERVICE_NAME: 'rds-s3-export',
        }),
      },
    });
    // Secrets and TLS come per connection from the config bundled with the function, never from the environment.
    const variables = (resources[logicalId('AWS::Lambda::Function', isExporter)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(['EXPORT_BUCKET', 'LOG_LEVEL', 'NODE_OPTIONS', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'STATE_TABLE']);
  });

  it('leaves retries to the scheduler (async retries 0) and keeps logs for a bounded time', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, Qualifier: '$LATEST' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('uses no AWS managed policy', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('Construct: ExportNetwork', () => {
  // Prepare: the test deployment: three jobs over PostgreSQL "hr" (5432) and MariaDB "shop" (3306).
  let two: Template;
  let twoResources: Resources;
  beforeAll(() => {
    two = Template.fromStack(testPipeline({ jobs: testJobs() }).stack);
    twoResources = two.toJSON().Resources as Resources;
  });
  const exporterGroup = (r: Resources) => Object.entries(r).find(([, v]) => v.Type === 'AWS::EC2::SecurityGroup' && String(v.Properties.GroupDescription).includes('exporter Lambda'))![0];
  const rulesOf = (r: Resources, type: string) => Object.values(r).filter((v) => v.Type === type).map((v) => v.Properties);
  const prefixListOf = (r: Resources, service: string) => {
    const lookups = Object.entries(r).filter(([, v]) => v.Type === 'Custom::AWS' && JSON.stringify(v.Properties.Create).includes(`.${service}\\"]`));
    expect(lookups, `${service} prefix list lookup`).toHaveLength(1);
    return { 'Fn::GetAtt': [lookups[0]![0], 'PrefixLists.0.PrefixListId'] };
  };

  it('lets the exporter out to exactly the two databases and HTTPS to the endpoints: no 0.0.0.0/0, no other rule', () => {
    const sg = exporterGroup(twoResources);
    const self = { 'Fn::GetAtt': [sg, 'GroupId'] };
    const endpointGroup = Object.entries(twoResources).find(([, v]) => v.Type === 'AWS::EC2::SecurityGroup' && String(v.Properties.GroupDescription).includes('Secrets Manager endpoint'))![0];
    // Inline: only the placeholder that keeps EC2's default allow-all egress rule from being created.
    expect(twoResources[sg]!.Properties.SecurityGroupEgress).toEqual([NO_TRAFFIC_EGRESS]);
    const egress = rulesOf(twoResources, 'AWS::EC2::SecurityGroupEgress').map(({ Description: _d, ...rule }) => rule);
    expect(egress).toHaveLength(5);
    expect(egress).toEqual(
      expect.arrayContaining([
        { GroupId: self, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: HR_SECURITY_GROUP_ID },
        { GroupId: self, IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, DestinationSecurityGroupId: SHOP_SECURITY_GROUP_ID },
        { GroupId: self, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationPrefixListId: prefixListOf(twoResources, 's3') },
        { GroupId: self, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationPrefixListId: prefixListOf(twoResources, 'dynamodb') },
        { GroupId: self, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] } },
      ]),
    );
    // Nowhere in the template: an egress or ingress rule to or from an address range.
    const everyRule = [...rulesOf(twoResources, 'AWS::EC2::SecurityGroupEgress'), ...rulesOf(twoResources, 'AWS::EC2::SecurityGroupIngress')];
    expect(everyRule.filter((rule) => rule.CidrIp !== undefined || rule.CidrIpv6 !== undefined)).toEqual([]);
    expect(JSON.stringify(two.toJSON())).not.toContain('0.0.0.0/0');
  });

  it('adds the matching ingress rule on each database security group, and on the endpoint group, from the exporter only', () => {
    const self = { 'Fn::GetAtt': [exporterGroup(twoResources), 'GroupId'] };
    const ingress = rulesOf(twoResources, 'AWS::EC2::SecurityGroupIngress').map(({ Description: _d, GroupId, FromPort, ToPort, SourceSecurityGroupId }) => ({ GroupId, FromPort, ToPort, SourceSecurityGroupId }));
    expect(ingress).toHaveLength(3);
    expect(ingress).toEqual(
      expect.arrayContaining([
        { GroupId: HR_SECURITY_GROUP_ID, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: self },
        { GroupId: SHOP_SECURITY_GROUP_ID, FromPort: 3306, ToPort: 3306, SourceSecurityGroupId: self },
        { GroupId: expect.objectContaining({ 'Fn::GetAtt': [expect.stringContaining('EndpointSecurityGroup'), 'GroupId'] }), FromPort: 443, ToPort: 443, SourceSecurityGroupId: self },
      ]),
    );
  });

  it('looks the gateway prefix lists up at deploy time (offline synth), with a Lambda outside the VPC', () => {
    for (const service of ['s3', 'dynamodb']) {
      const create = JSON.stringify(twoResources[prefixListOf(twoResources, service)['Fn::GetAtt'][0]!]!.Properties.Create);
      expect(create).toContain('DescribePrefixLists');
      expect(create).toContain('prefix-list-name');
    }
    const lookup = Object.values(twoResources).find((v) => v.Type === 'AWS::Lambda::Function' && !isExporter(v.Properties))!;
    expect(lookup.Properties.VpcConfig).toBeUndefined();
  });

  it('gives the endpoints policies that allow only the export bucket, the state table and the two secrets', () => {
    const bucket = logicalId('AWS::S3::Bucket', (p) => p.VersioningConfiguration !== undefined);
    const bucketArn = { 'Fn::GetAtt': [bucket, 'Arn'] };
    const policyOf = (fragment: string) => {
      const endpoint = rulesOf(twoResources, 'AWS::EC2::VPCEndpoint').find((e) => JSON.stringify(e.ServiceName).includes(fragment))!;
      return (endpoint.PolicyDocument as { Statement: unknown[] }).Statement;
    };
    expect(policyOf('.s3')).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
        Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
      },
    ]);
    expect(policyOf('.dynamodb')).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [logicalId('AWS::DynamoDB::Table'), 'Arn'] },
      },
    ]);
    expect(policyOf('secretsmanager')).toEqual([
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'secretsmanager:GetSecretValue', Resource: [TEST_SECRET_ARN, SHOP_SECRET_ARN] },
    ]);
  });

  it('creates S3 and DynamoDB gateway endpoints and a private-DNS Secrets Manager interface endpoint', () => {
    const endpoints = ofType('AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties);
    expect(endpoints).toHaveLength(3);
    const gateway = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    expect(gateway.map((e) => JSON.stringify(e.ServiceName)).sort()).toEqual([expect.stringContaining('.dynamodb'), expect.stringContaining('.s3')]);
    for (const e of gateway) expect(e.RouteTableIds).toEqual(['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2']);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: Match.stringLikeRegexp('secretsmanager'),
      PrivateDnsEnabled: true,
      SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });
  });

  it('with the VPC\'s own endpoints: no endpoints, HTTPS to their security group and the prefix lists only', () => {
    const { stack } = testPipeline({
      createVpcEndpoints: false,
      vpcEndpointSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(new Stack(), 'Endpoints', 'sg-0e0e0e0e0e0e0e0e0', { mutable: false }),
    });
    const own = Template.fromStack(stack);
    own.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    const r = own.toJSON().Resources as Resources;
    const https = rulesOf(r, 'AWS::EC2::SecurityGroupEgress').filter((rule) => rule.FromPort === 443);
    expect(https.map((rule) => rule.DestinationSecurityGroupId ?? Object.keys(rule.DestinationPrefixListId as object)[0])).toEqual(
      expect.arrayContaining(['sg-0e0e0e0e0e0e0e0e0', 'Fn::GetAtt', 'Fn::GetAtt']),
    );
    expect(https).toHaveLength(3);
    // The user's endpoint group is not changed (its inbound rules are its owner's).
    expect(rulesOf(r, 'AWS::EC2::SecurityGroupIngress').filter((rule) => rule.GroupId === 'sg-0e0e0e0e0e0e0e0e0')).toEqual([]);
    expect(() => testPipeline({ createVpcEndpoints: false })).toThrow('with createEndpoints: false give endpointSecurityGroup');
  });

  it('leaves a database security group it may not change alone, and outputs the rule to add', () => {
    const jobs = testJobs().map((j): JobConfig => (j.connection.name === 'shop' ? JobConfigSchema.parse({ ...j, connection: { ...j.connection, addIngressRule: false } }) : j));
    const { stack } = testPipeline({ jobs });
    const t = Template.fromStack(stack);
    const r = t.toJSON().Resources as Resources;
    expect(rulesOf(r, 'AWS::EC2::SecurityGroupIngress').map((rule) => rule.GroupId)).not.toContain(SHOP_SECURITY_GROUP_ID);
    expect(rulesOf(r, 'AWS::EC2::SecurityGroupEgress').map((rule) => rule.DestinationSecurityGroupId)).toContain(SHOP_SECURITY_GROUP_ID);
    const outputs = Object.values(t.toJSON().Outputs as Record<string, { Description: string; Value: unknown }>).filter((o) => o.Description?.startsWith('Add this inbound rule'));
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.Description).toContain('connection(s) shop');
    expect(outputs[0]!.Value).toEqual({
      'Fn::Join': ['', [`${SHOP_SECURITY_GROUP_ID} inbound TCP 3306 from `, { 'Fn::GetAtt': [exporterGroup(r), 'GroupId'] }]],
    });
  });

  it('makes one rule of connections that share a security group and port, and honours a connection\'s port', () => {
    const base = testJobs();
    const jobs = [
      ...base,
      JobConfigSchema.parse({ ...base[1], name: 'orders-replica', connection: { ...SHOP_CONNECTION, name: 'shop-replica' } }),
      JobConfigSchema.parse({ ...base[1], name: 'analytics', connection: { ...SHOP_CONNECTION, name: 'analytics', port: 3307 } }),
    ];
    const r = Template.fromStack(testPipeline({ jobs }).stack).toJSON().Resources as Resources;
    const toShop = rulesOf(r, 'AWS::EC2::SecurityGroupEgress').filter((rule) => rule.DestinationSecurityGroupId === SHOP_SECURITY_GROUP_ID);
    expect(toShop.map((rule) => rule.FromPort).sort()).toEqual([3306, 3307]);
    expect(toShop.find((rule) => rule.FromPort === 3306)!.Description).toBe('exporter to database (shop, shop-replica)');
    // Three connections share the shop secret: it is granted (and imported) once.
    const secretGrants = rulesOf(r, 'AWS::IAM::Policy')
      .flatMap((p) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement)
      .filter((st) => JSON.stringify(st.Action).includes('secretsmanager:'));
    expect(secretGrants.map((st) => st.Resource)).toEqual([[TEST_SECRET_ARN, SHOP_SECRET_ARN]]);
  });
});

describe('Function: deployedConnections (through ExportPipeline)', () => {
  const withConnection = (connection: Record<string, unknown>, engine = 'mariadb') =>
    JobConfigSchema.parse({ ...testJobs()[1], engine, connection: { name: 'shop', ...connection } });

  it('refuses a connection without a security group or a secret, naming the connection, the job and the field', () => {
    expect(() => testPipeline({ jobs: [withConnection({ secret: SHOP_SECRET_ARN })] })).toThrow(
      'connection "shop" (job "orders-archive") has no securityGroupId',
    );
    expect(() => testPipeline({ jobs: [withConnection({ url: 'mariadb://exporter@127.0.0.1:3306/shop', securityGroupId: SHOP_SECURITY_GROUP_ID })] })).toThrow(
      'connection "shop" (job "orders-archive") has no secret',
    );
  });

  it('refuses a partial or malformed secret ARN, and a secret of another region', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop';
    expect(() => testPipeline({ jobs: [withConnection({ secret: partial, securityGroupId: SHOP_SECURITY_GROUP_ID })] })).toThrow(
      `connection "shop" (job "orders-archive"): secret "${partial}" is not a complete Secrets Manager ARN`,
    );
    expect(() => testPipeline({ jobs: [withConnection({ secret: 'arn:aws:secretsmanager:eu-west-1:1111:secret:shop-Xy12Ab', securityGroupId: SHOP_SECURITY_GROUP_ID })] })).toThrow(
      'is not a complete Secrets Manager ARN',
    );
    const elsewhere = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shop-Xy12Ab';
    expect(() => testPipeline({ jobs: [withConnection({ secret: elsewhere, securityGroupId: SHOP_SECURITY_GROUP_ID })] })).toThrow(
      'is in us-east-1 but the stack deploys to eu-west-1',
    );
  });

  it('grants a secret given by name as exactly that name plus the 6-character suffix', () => {
    const { stack } = testPipeline({ jobs: [withConnection({ secret: 'shop/readonly', securityGroupId: SHOP_SECURITY_GROUP_ID })] });
    const endpoint = rulesOfType(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint').find((e) => e.VpcEndpointType === 'Interface')!;
    expect(JSON.stringify(endpoint.PolicyDocument)).toContain(':secretsmanager:eu-west-1:111122223333:secret:shop/readonly-??????');
  });

  it('refuses two uses of one connection name that describe different databases', () => {
    const jobs = [withConnection({ secret: SHOP_SECRET_ARN, securityGroupId: SHOP_SECURITY_GROUP_ID }), { ...catalogJobs()[0]!, connection: { ...catalogJobs()[0]!.connection, name: 'shop' } }];
    expect(() => testPipeline({ jobs })).toThrow('connection "shop" (job "employees") differs from its use by job "orders-archive" in engine, port, securityGroupId, secret');
  });
});

const rulesOfType = (t: Template, type: string) =>
  Object.values(t.toJSON().Resources as Resources)
    .filter((v) => v.Type === type)
    .map((v) => v.Properties);

describe('Construct: ExportSchedules', () => {
  it('has one schedule per scheduled job with its expression, time zone and input {job, scheduledTime}', () => {
    const scheduled = jobs.filter((j) => j.schedule);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(ofType('AWS::Scheduler::Schedule')).toHaveLength(scheduled.length);
    for (const job of scheduled) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: job.schedule!.expression,
        ScheduleExpressionTimezone: job.schedule!.timeZone,
        State: 'ENABLED',
        GroupName: resources[logicalId('AWS::Scheduler::ScheduleGroup')]!.Properties.Name,
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', isExporter), 'Arn'] },
          Input: JSON.stringify({ job: job.name, scheduledTime: '<aws.scheduler.scheduled-time>' }),
        }),
      });
    }
  });

  it('retries a failed invocation and then sends it to an encrypted, TLS-only dead-letter queue', () => {
    const queue = logicalId('AWS::SQS::Queue');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
      }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('Construct: ExportBucket', () => {
  it('is private, versioned, encrypted, logs access to its own log bucket and aborts stale multipart uploads', () => {
    // The results bucket of the Athena workgroup is not versioned either: pick the log bucket by the one it logs to.
    const exportBucket = logicalId('AWS::S3::Bucket', (p) => p.VersioningConfiguration !== undefined);
    const logs = (resources[exportBucket]!.Properties.LoggingConfiguration as { DestinationBucketName: { Ref: string } }).DestinationBucketName.Ref;
    expect(resources[logs]!.Properties.LoggingConfiguration, 'the log bucket does not log itself').toBeUndefined();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 'export-bucket/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })]),
      },
    });
  });

  it('denies every request without TLS on every bucket (exports, access logs, Athena results)', () => {
    const policies = ofType('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(ofType('AWS::S3::Bucket').length);
    expect(policies).toHaveLength(3);
    for (const [, policy] of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('adds expiry rules per prefix when asked', () => {
    const withRules = Template.fromStack(testPipeline({ lifecycleRules: [{ prefix: 'rds_exports/employees/', expiration: Duration.days(400) }] }).stack);
    withRules.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'rds_exports/employees/', ExpirationInDays: 400 })]) },
    });
  });
});

describe('Construct: ExportStateTable', () => {
  it('is on-demand, point-in-time recoverable, encrypted and retained', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      // The schema of libs/aws ensureStateTable / DynamoDbStateStore.
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });
});

describe('Construct: ExportAlarms', () => {
  it('alarms on exporter errors and a non-empty dead-letter queue, to the SNS topic', () => {
    const topic = logicalId('AWS::SNS::Topic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('alarms per scheduled job when no run committed within two schedule periods (missing data is stale)', () => {
    for (const job of jobs.filter((j) => j.schedule)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'RdsS3Export',
        MetricName: 'RowsExported',
        Dimensions: Match.arrayWith([{ Name: 'job', Value: job.name }]),
        Statistic: 'SampleCount',
        // employees runs every 5 minutes: one 10-minute period.
        Period: 600,
        EvaluationPeriods: 1,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        TreatMissingData: 'breaching',
      });
    }
  });

  it('splits windows longer than a day into whole days, all of which must be empty, capped at a week', () => {
    expect(stalenessWindow(43_200)).toEqual({ periodSeconds: 86_400, evaluationPeriods: 1 });
    expect(stalenessWindow(86_400)).toEqual({ periodSeconds: 86_400, evaluationPeriods: 2 });
    expect(stalenessWindow(31 * 86_400)).toEqual({ periodSeconds: 86_400, evaluationPeriods: 7 });
  });
});
