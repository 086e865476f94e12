// Walks every IAM policy of the synthesized pipeline stack (AWS::IAM::Policy documents and the
// inline policies of AWS::IAM::Role) and checks each statement against what the design allows
// each principal. A permission added anywhere without being listed here fails the walk.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parquetJobs, SHOP_SECRET_ARN, TEST_SECRET_ARN, testJobs, testPipelineWithDashboard } from './testing/test-settings.js';

type Json = unknown;
interface Statement {
  readonly role: string;
  readonly policy: string;
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}
type Resources = Record<string, { Type: string; Properties: Record<string, Json> }>;

const ENI_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

/** What Step Functions logging (vended log delivery) and X-Ray tracing need; none has resource-level permissions. */
const LOG_DELIVERY_AND_XRAY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

let resources: Resources;
let statements: Statement[];
let exporterRole: string;
let schedulerRole: string;
let bucketArn: string;
let tableArn: string;
let logGroupArn: string;
let functionArn: string;
let queueArn: string;
let machineRole: string;
let startRole: string;
let machine: string;
let dashboardRole: string;
let dashboardLogGroupArn: string;
let lookupRole: string;
let lookupLogGroupArn: string;

/** A resolved CloudFormation value as one comparable string (`Fn::GetAtt` -> `<Id.Attr>`, `Ref` -> `<Id>`). */
function flat(value: Json): string {
  if (typeof value === 'string') return value;
  const o = value as Record<string, Json>;
  if (o['Fn::GetAtt']) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  if (o.Ref) return `<${String(o.Ref)}>`;
  // The state machine name as CDK's DistributedMap derives it from the ARN: split(:, <Ref>)[6].
  if (o['Fn::Select']) {
    const [index, from] = o['Fn::Select'] as [number, Json];
    return `${flat(from)}[${index}]`;
  }
  if (o['Fn::Split']) {
    const [sep, from] = o['Fn::Split'] as [string, Json];
    return `split(${sep},${flat(from)})`;
  }
  if (o['Fn::Join']) {
    const [sep, parts] = o['Fn::Join'] as [string, Json[]];
    return parts.map(flat).join(sep);
  }
  throw new Error(`unexpected CloudFormation value ${JSON.stringify(value)}`);
}
const list = <T,>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function collectStatements(): Statement[] {
  const out: Statement[] = [];
  const add = (role: string, policy: string, document: Json) => {
    for (const s of list((document as { Statement: Json[] }).Statement) as Record<string, Json>[]) {
      expect(s.NotAction, `${policy}: NotAction`).toBeUndefined();
      expect(s.NotResource, `${policy}: NotResource`).toBeUndefined();
      out.push({
        role,
        policy,
        effect: String(s.Effect),
        actions: list(s.Action as string | string[]),
        resources: list(s.Resource as Json).map(flat),
      });
    }
  };
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy') {
      const roles = list(r.Properties.Roles as Json[]).map(flat);
      expect(roles, `${id} is attached to exactly one role`).toHaveLength(1);
      add(roles[0]!.replace(/^<|>$/g, ''), id, r.Properties.PolicyDocument);
    }
    if (r.Type === 'AWS::IAM::Role') {
      expect(r.Properties.ManagedPolicyArns, `${id} uses no managed policy`).toBeUndefined();
      for (const p of list(r.Properties.Policies as { PolicyName: string; PolicyDocument: Json }[])) add(id, `${id}/${p.PolicyName}`, p.PolicyDocument);
    }
    expect(r.Type, 'no managed policies, users or groups').not.toMatch(/^AWS::IAM::(ManagedPolicy|User|Group)$/);
  }
  return out;
}

const forRole = (role: string) => statements.filter((s) => s.role === role);
const resourcesOf = (role: string, action: string) => new Set(forRole(role).filter((s) => s.actions.includes(action)).flatMap((s) => s.resources));
const idOf = (type: string) => {
  const ids = Object.entries(resources).filter(([, r]) => r.Type === type).map(([id]) => id);
  expect(ids, type).toHaveLength(1);
  return ids[0]!;
};

beforeAll(() => {
  // Prepare: the pipeline as the app builds it over the test deployment: three jobs on two
  // databases (PostgreSQL "hr", MariaDB "shop"), direct jobs and one parallel job (state machine
  // role, scheduler start role).
  // The dashboard API is in the walk too (as the pipeline stack adds it with dashboardApiCode).
  resources = Template.fromStack(testPipelineWithDashboard({ jobs: testJobs() }).stack).toJSON().Resources as Resources;
  statements = collectStatements();
  // The prefix list lookup (a deploy-time custom resource) has a Lambda of its own.
  const lookup = Object.entries(resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && String(r.Properties.Description).includes('prefix list'))!;
  lookupRole = lookup[0];
  const lookupFunction = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && flat(r.Properties.Role) === `<${lookupRole}.Arn>`);
  expect(lookupFunction).toHaveLength(1);
  lookupLogGroupArn = `<${flat((lookupFunction[0]![1].Properties.LoggingConfig as Record<string, Json>).LogGroup).replace(/^<|>$/g, '')}.Arn>`;
  const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r !== lookupFunction[0]![1]);
  expect(functions).toHaveLength(2);
  const isDashboard = (r: { Properties: Record<string, Json> }) =>
    (r.Properties.Environment as { Variables: Record<string, Json> }).Variables.EXPORTER_LOG_GROUP !== undefined;
  const [exporterId, fn] = functions.find(([, r]) => !isDashboard(r))!;
  const dashboardFn = functions.find(([, r]) => isDashboard(r))![1];
  dashboardRole = flat(dashboardFn.Properties.Role).replace(/^<|\.Arn>$/g, '');
  dashboardLogGroupArn = `<${flat((dashboardFn.Properties.LoggingConfig as Record<string, Json>).LogGroup).replace(/^<|>$/g, '')}.Arn>`;
  exporterRole = flat(fn.Properties.Role).replace(/^<|\.Arn>$/g, '');
  const roleOfTarget = (target: (arn: string) => boolean) => {
    const schedule = Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::Schedule' && target(flat((r.Properties.Target as Record<string, Json>).Arn)))!;
    return flat((schedule.Properties.Target as Record<string, Json>).RoleArn).replace(/^<|\.Arn>$/g, '');
  };
  machine = idOf('AWS::StepFunctions::StateMachine');
  machineRole = flat(resources[machine]!.Properties.RoleArn).replace(/^<|\.Arn>$/g, '');
  schedulerRole = roleOfTarget((arn) => arn === `<${exporterId}.Arn>`);
  startRole = roleOfTarget((arn) => arn === `<${machine}>`);
  const bucket = Object.entries(resources).find(([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties.VersioningConfiguration)![0];
  bucketArn = `<${bucket}.Arn>`;
  tableArn = `<${idOf('AWS::DynamoDB::Table')}.Arn>`;
  const exporterLogGroup = flat((fn.Properties.LoggingConfig as Record<string, Json>).LogGroup).replace(/^<|>$/g, '');
  logGroupArn = `<${exporterLogGroup}.Arn>`;
  functionArn = `<${exporterId}.Arn>`;
  queueArn = `<${idOf('AWS::SQS::Queue')}.Arn>`;
});

describe('IAM: every synthesized policy is least privilege', () => {
  it('finds the policies to walk: exporter, scheduler invoke, scheduler start, state machine, dashboard API and prefix list lookup roles, nothing else', () => {
    const roles = [exporterRole, schedulerRole, startRole, machineRole, dashboardRole, lookupRole];
    expect(new Set(roles).size).toBe(6);
    expect(new Set(statements.map((s) => s.role))).toEqual(new Set(roles));
    expect(statements.every((s) => s.effect === 'Allow')).toBe(true);
    expect(statements.flatMap((s) => s.actions).filter((a) => a.includes('*')), 'no wildcard actions').toEqual([]);
  });

  it('lets the exporter write only under the data and manifest prefixes, and read only manifests', () => {
    const writable = new Set([`${bucketArn}/rds_exports/*`, `${bucketArn}/_manifests/*`]);
    expect(resourcesOf(exporterRole, 's3:PutObject')).toEqual(writable);
    // Manifests are single PUTs (libs/export-core putObject); only data objects are multipart uploads.
    expect(resourcesOf(exporterRole, 's3:AbortMultipartUpload')).toEqual(new Set([`${bucketArn}/rds_exports/*`]));
    expect(resourcesOf(exporterRole, 's3:GetObject')).toEqual(new Set([`${bucketArn}/_manifests/*`]));
    expect(resourcesOf(exporterRole, 's3:DeleteObject')).toEqual(new Set([`${bucketArn}/rds_exports/*`]));
    // ListBucket on the bucket itself: a missing manifest must be a 404, not a 403 (see ExportBucket).
    expect(resourcesOf(exporterRole, 's3:ListBucket')).toEqual(new Set([bucketArn]));
  });

  it('lets the exporter read exactly the secrets of the two connections (GetSecretValue only) and use only the state table', () => {
    const secretStatements = statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements.map((s) => s.role)).toEqual([exporterRole]);
    expect(secretStatements.flatMap((s) => s.actions)).toEqual(['secretsmanager:GetSecretValue']);
    expect(new Set(secretStatements.flatMap((s) => s.resources))).toEqual(new Set([TEST_SECRET_ARN, SHOP_SECRET_ARN]));
    const dynamo = forRole(exporterRole).filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap((s) => s.resources)).toEqual([tableArn]);
    expect(dynamo.flatMap((s) => s.actions).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('gives the exporter exactly these actions, logs only on its own log group', () => {
    expect([...new Set(forRole(exporterRole).flatMap((s) => s.actions))].sort()).toEqual(
      [
        ...ENI_ACTIONS,
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    // No Glue permission without Parquet jobs (see the Parquet walk below).
    expect(forRole(exporterRole).flatMap((s) => s.actions).filter((a) => a.startsWith('glue:'))).toEqual([]);
    expect(resourcesOf(exporterRole, 'logs:PutLogEvents')).toEqual(new Set([logGroupArn]));
    expect(resourcesOf(exporterRole, 'logs:CreateLogStream')).toEqual(new Set([logGroupArn]));
  });

  it('has Resource "*" only for the VPC ENI actions, the Step Functions log delivery / X-Ray actions and ec2:DescribePrefixLists, which AWS requires it for', () => {
    const star = statements.filter((s) => s.resources.includes('*'));
    expect(star).toHaveLength(3);
    expect(star.find((s) => s.role === dashboardRole)).toBeUndefined();
    expect(star.find((s) => s.role === lookupRole)).toMatchObject({ actions: ['ec2:DescribePrefixLists'], resources: ['*'] });
    const eni = star.find((s) => s.role === exporterRole)!;
    expect(eni).toMatchObject({ policy: `${exporterRole}/vpc`, resources: ['*'] });
    expect([...eni.actions].sort()).toEqual(ENI_ACTIONS);
    const machineStar = star.find((s) => s.role === machineRole)!;
    expect(machineStar.resources).toEqual(['*']);
    expect([...machineStar.actions].sort()).toEqual(LOG_DELIVERY_AND_XRAY_ACTIONS);
  });

  it('lets the state machine invoke only the exporter and manage only its own Map child executions', () => {
    const executions = `arn:<AWS::Partition>:states:eu-west-1:111122223333:execution:split(:,<${machine}>)[6]`;
    expect([...new Set(forRole(machineRole).flatMap((s) => s.actions))].sort()).toEqual(
      [
        'lambda:InvokeFunction',
        'states:DescribeExecution',
        'states:RedriveExecution',
        'states:StartExecution',
        'states:StopExecution',
        ...LOG_DELIVERY_AND_XRAY_ACTIONS,
      ].sort(),
    );
    expect(resourcesOf(machineRole, 'lambda:InvokeFunction')).toEqual(new Set([functionArn, `${functionArn}:*`]));
    // Distributed Map: the Map run starts child executions of this same machine...
    expect(resourcesOf(machineRole, 'states:StartExecution')).toEqual(new Set([`<${machine}>`]));
    // ...describes and stops them (their names are generated), and may redrive the "chunk" Map run's children.
    expect(resourcesOf(machineRole, 'states:DescribeExecution')).toEqual(new Set([`${executions}:*`]));
    expect(resourcesOf(machineRole, 'states:StopExecution')).toEqual(new Set([`${executions}:*`]));
    expect(resourcesOf(machineRole, 'states:RedriveExecution')).toEqual(new Set([`${executions}/chunk:*`]));
  });

  it('lets the start role of a parallel job start only that job\'s state machine and send to the dead-letter queue', () => {
    expect([...new Set(forRole(startRole).flatMap((s) => s.actions))].sort()).toEqual(['sqs:SendMessage', 'states:StartExecution']);
    expect(resourcesOf(startRole, 'states:StartExecution')).toEqual(new Set([`<${machine}>`]));
    expect(resourcesOf(startRole, 'sqs:SendMessage')).toEqual(new Set([queueArn]));
    // The invoke role of the direct jobs cannot start executions.
    expect(resourcesOf(schedulerRole, 'states:StartExecution')).toEqual(new Set());
  });

  it('lets the scheduler only invoke the exporter and send to its dead-letter queue', () => {
    expect([...new Set(forRole(schedulerRole).flatMap((s) => s.actions))].sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(resourcesOf(schedulerRole, 'lambda:InvokeFunction')).toEqual(new Set([functionArn, `${functionArn}:*`]));
    expect(resourcesOf(schedulerRole, 'sqs:SendMessage')).toEqual(new Set([queueArn]));
  });

  it('lets the deploy-time prefix list lookup only describe prefix lists and write its own logs', () => {
    expect([...new Set(forRole(lookupRole).flatMap((s) => s.actions))].sort()).toEqual(['ec2:DescribePrefixLists', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resourcesOf(lookupRole, 'logs:PutLogEvents')).toEqual(new Set([lookupLogGroupArn]));
    expect(resourcesOf(lookupRole, 'logs:CreateLogStream')).toEqual(new Set([lookupLogGroupArn]));
  });

  it('gives the dashboard API only reads: export objects and manifests, the exporter log group, its own logs', () => {
    // FilterLogEvents is the only CloudWatch Logs call of the API (no Logs Insights queries).
    expect([...new Set(forRole(dashboardRole).flatMap((s) => s.actions))].sort()).toEqual(
      ['logs:CreateLogStream', 'logs:FilterLogEvents', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket'].sort(),
    );
    expect(resourcesOf(dashboardRole, 's3:GetObject')).toEqual(new Set([`${bucketArn}/_manifests/*`, `${bucketArn}/rds_exports/*`]));
    expect(resourcesOf(dashboardRole, 's3:ListBucket')).toEqual(new Set([bucketArn]));
    expect(resourcesOf(dashboardRole, 'logs:FilterLogEvents')).toEqual(new Set([logGroupArn]));
    // Writing its own function logs is the only "write", and only to its own log group.
    expect(resourcesOf(dashboardRole, 'logs:PutLogEvents')).toEqual(new Set([dashboardLogGroupArn]));
    expect(resourcesOf(dashboardRole, 'logs:CreateLogStream')).toEqual(new Set([dashboardLogGroupArn]));
    expect(dashboardLogGroupArn).not.toBe(logGroupArn);
  });

  it('gives the dashboard API no write action on anything it reads', () => {
    const write = /^(s3:(Put|Delete|Abort|Restore|Create|Replicate|Bypass|Update)|dynamodb:|secretsmanager:|lambda:|states:|sqs:|sns:|iam:|kms:(Encrypt|GenerateDataKey|ReEncrypt)|logs:(Delete|Put(Retention|Subscription|Resource|Destination|Metric|DataProtection|Index|Account)|Create(LogGroup|Export|Delivery)|Associate|Disassociate|Tag|Untag|StopQuery))/;
    const writes = forRole(dashboardRole)
      .flatMap((s) => s.actions.map((action) => ({ action, resources: s.resources })))
      .filter(({ action, resources: on }) => write.test(action) || ((action === 'logs:PutLogEvents' || action === 'logs:CreateLogStream') && on.some((r) => r !== dashboardLogGroupArn)));
    expect(writes).toEqual([]);
  });

  it('trusts only the service that uses each role, the scheduler and Step Functions only from this account', () => {
    const trust = (role: string) => resources[role]!.Properties.AssumeRolePolicyDocument as { Statement: Record<string, Json>[] };
    expect(trust(exporterRole).Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(trust(dashboardRole).Statement).toEqual(trust(exporterRole).Statement);
    expect(trust(lookupRole).Statement).toEqual(trust(exporterRole).Statement);
    const fromThisAccount = (service: string) => [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: service },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ];
    expect(trust(schedulerRole).Statement).toEqual(fromThisAccount('scheduler.amazonaws.com'));
    expect(trust(startRole).Statement).toEqual(fromThisAccount('scheduler.amazonaws.com'));
    expect(trust(machineRole).Statement).toEqual(fromThisAccount('states.amazonaws.com'));
  });
});

describe('IAM: Parquet jobs add only the column updates of their own Glue tables', () => {
  let parquetStatements: Statement[];
  let parquetExporterRole: string;

  beforeAll(() => {
    // Prepare: the same deployment plus two Parquet jobs (one declaring columns, one query job).
    // The walk above reads module state, so it is set back afterwards.
    const saved = resources;
    resources = Template.fromStack(testPipelineWithDashboard({ jobs: [...testJobs(), ...parquetJobs()] }).stack).toJSON().Resources as Resources;
    parquetStatements = collectStatements();
    const fn = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && (r.Properties.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables?.STATE_TABLE !== undefined,
    )!;
    parquetExporterRole = flat(fn.Properties.Role).replace(/^<|\.Arn>$/g, '');
    resources = saved;
  });

  it('lets only the exporter GetTable/UpdateTable, on exactly the Parquet tables, their database and the catalog', () => {
    const glue = parquetStatements.filter((s) => s.actions.some((a) => a.startsWith('glue:')));
    expect(glue.map((s) => s.role)).toEqual([parquetExporterRole]);
    expect(glue.flatMap((s) => s.actions).sort()).toEqual(['glue:GetTable', 'glue:UpdateTable']);
    const arn = (resource: string) => `arn:<AWS::Partition>:glue:eu-west-1:111122223333:${resource}`;
    expect(new Set(glue.flatMap((s) => s.resources))).toEqual(
      new Set([arn('catalog'), arn('database/testpipeline'), arn('table/testpipeline/order_lines'), arn('table/testpipeline/revenue')]),
    );
    // The CSV tables (employees, orders_archive) stay out of reach.
    expect(glue.flatMap((s) => s.resources).filter((r) => /employees|orders_archive|\*/.test(r))).toEqual([]);
  });

  it('adds nothing else to any role', () => {
    const key = (s: Statement) => `${s.actions.join(',')} on ${s.resources.join(',')}`;
    const before = new Set(statements.map(key));
    const added = parquetStatements.filter((s) => !before.has(key(s)));
    expect(added.flatMap((s) => s.actions).filter((a) => !a.startsWith('glue:'))).toEqual([]);
  });
});
