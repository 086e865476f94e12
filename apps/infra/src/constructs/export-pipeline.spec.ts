import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogJobs, TEST_SECRET_ARN, testPipeline } from '../testing/test-settings.js';
import { stalenessWindow } from './export-alarms.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
const jobs = catalogJobs();
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
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
      LoggingConfig: { LogGroup: { Ref: logicalId('AWS::Logs::LogGroup') } },
      Environment: {
        Variables: Match.objectLike({
          EXPORT_BUCKET: { Ref: logicalId('AWS::S3::Bucket', (p) => p.VersioningConfiguration !== undefined) },
          STATE_TABLE: { Ref: logicalId('AWS::DynamoDB::Table') },
          LOG_LEVEL: 'INFO',
          POWERTOOLS_SERVICE_NAME: 'rds-s3-export',
          DATABASE_SECRET_ARN: TEST_SECRET_ARN,
        }),
      },
    });
    expect(ofType('AWS::Lambda::Function')).toHaveLength(1);
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
  it('lets the exporter out to the database port on the RDS security group and HTTPS, nothing else', () => {
    const sg = logicalId('AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).includes('exporter Lambda'));
    expect(resources[sg]!.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: expect.stringContaining('HTTPS'), FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [sg, 'GroupId'] },
      DestinationSecurityGroupId: 'sg-0db0db0db0db0db00',
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0db0db0db0db0db00',
      SourceSecurityGroupId: { 'Fn::GetAtt': [sg, 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
    });
    // The only ingress rules: the database (from the exporter) and the endpoint (from the exporter).
    for (const [, rule] of ofType('AWS::EC2::SecurityGroupIngress')) {
      expect(rule.Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [sg, 'GroupId'] });
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
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

  it('creates no endpoints when the VPC has them already', () => {
    const without = Template.fromStack(testPipeline({ createVpcEndpoints: false }).stack);
    without.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});

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
          Arn: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function'), 'Arn'] },
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
