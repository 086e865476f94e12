// cdk-nag 3 (AwsSolutions pack) runs as a CDK validation plugin: synthesis of the real app
// (both stacks, the catalog's jobs) fails on any finding that is not acknowledged. These tests
// synthesize it, prove the plugin really bites (a control with one wildcard policy fails), and
// list every acknowledgement so that a new one shows up in review with its reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { catalogJobs, parquetJobs, TEST_SECRET_ARN, testApp, testDashboardApiCode, testExporterCode, testJobs, testSettings } from './testing/test-settings.js';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Recorded as { '<plugin>::<rule id>': reason }.
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^[A-Za-z]+::/, ''), reason })),
  );
}

const build = (settings = testSettings(), jobs = catalogJobs(), withDashboard = false) =>
  createApp({ app: testApp(), settings, jobs, exporterCode: testExporterCode(), ...(withDashboard && { dashboardApiCode: testDashboardApiCode() }) });
/** Acknowledgement ids by path, stack prefix and logical-id hashes removed, for stable lists. */
const ackList = (root: IConstruct) =>
  acknowledgements(root)
    .map((a) => `${a.path.replace(/^RdsS3Export-test\//, '')} ${a.id.replace(/<[A-Za-z0-9]+\.Arn>/g, '<Arn>').replace(/"Ref":"[A-Za-z0-9]+"/g, '"Ref":"<Id>"')}`)
    .sort();

let app: App;
let outdir: string;

beforeAll(() => {
  // Prepare: the real app with the AwsSolutions plugin; Act: synthesize it.
  ({ app } = build());
  outdir = app.synth().directory;
});

describe('cdk-nag: AwsSolutions', () => {
  it('synthesizes the whole app with no unacknowledged finding', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    for (const stack of app.node.children.filter((c): c is Stack => c instanceof Stack)) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue()), `${stack.stackName} errors`).toEqual([]);
      expect(annotations.findWarning('*', Match.anyValue()), `${stack.stackName} warnings`).toEqual([]);
    }
  });

  it('fails synthesis on an unacknowledged finding (the plugin is live)', () => {
    const { app: control, pipeline } = build();
    new iam.Policy(pipeline, 'Wildcard', {
      roles: [pipeline.pipeline.exporter.role],
      statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })],
    });
    expect(() => control.synth()).toThrow(/AwsSolutions-IAM5/);
  });

  it('acknowledges exactly these findings, each narrowly and with a reason', () => {
    const acks = acknowledgements(app);
    for (const a of acks) {
      expect(a.reason.length, `${a.id} at ${a.path} has a real reason`).toBeGreaterThan(80);
      // Never a whole rule: IAM5 findings name the one wildcard they are about.
      if (a.id.startsWith('AwsSolutions-IAM5')) expect(a.id).toMatch(/^AwsSolutions-IAM5\[Resource::.+\]$/);
    }
    expect(ackList(app)).toEqual(
      [
        'Pipeline/Alarms/Topic AwsSolutions-SNS2',
        'Pipeline/ExportBucket/AccessLogs AwsSolutions-S1',
        'Pipeline/Exporter/Role AwsSolutions-IAM5[Resource::*]',
        'Pipeline/Exporter/Role AwsSolutions-IAM5[Resource::<Arn>/_manifests/*]',
        'Pipeline/Exporter/Role AwsSolutions-IAM5[Resource::<Arn>/rds_exports/*]',
        'Pipeline/Network/PrefixListLookupRole AwsSolutions-IAM5[Resource::*]',
        'Pipeline/Schedules/DeadLetterQueue AwsSolutions-SQS3',
        'Pipeline/Schedules/InvokeRole AwsSolutions-IAM5[Resource::<Arn>:*]',
      ].sort(),
    );
  });

  it('needs no wildcard acknowledgement for secrets given by complete ARN, and exactly one per secret given by name', () => {
    expect(catalogJobs()[0]!.connection.secret).toBe(TEST_SECRET_ARN);
    expect(acknowledgements(app).filter((a) => a.id.includes('secretsmanager'))).toEqual([]);
    // Prepare: the sample job with its secret given by name; Act: synthesize with the plugin.
    const byName = catalogJobs().map((j) => ({ ...j, connection: { ...j.connection, secret: 'rds-s3-export/employees' } }));
    const { app: named } = build(testSettings(), byName);
    expect(() => named.synth()).not.toThrow();
    expect(ackList(named).filter((a) => a.includes('secretsmanager'))).toEqual([
      'Pipeline/Exporter/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:eu-west-1:<AWS::AccountId>:secret:rds-s3-export/employees-??????]',
    ]);
  });

  it('synthesizes a catalog with a parallel job (state machine, Athena table) with no unacknowledged finding', () => {
    // Prepare: the test catalog (one parallel job with columns); Act: synthesize with the plugin.
    const { app: parallel } = build(testSettings(), testJobs());
    const report = JSON.parse(readFileSync(path.join(parallel.synth().directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    const machine = 'Pipeline/Parallel-orders-archive';
    const executions = 'arn:<AWS::Partition>:states:eu-west-1:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"<Id>"}]}]}';
    // Exactly the findings of the real app plus the state machine's four.
    expect(ackList(parallel)).toEqual(
      [
        ...ackList(app),
        `${machine}/Role AwsSolutions-IAM5[Resource::*]`,
        `${machine}/Role AwsSolutions-IAM5[Resource::<Arn>:*]`,
        `${machine}/StateMachine AwsSolutions-IAM5[Resource::${executions}:*]`,
        `${machine}/StateMachine AwsSolutions-IAM5[Resource::${executions}/chunk:*]`,
      ].sort(),
    );
  });

  it('synthesizes a catalog with Parquet jobs (typed Glue tables, the exporter\'s column updates, a Glue endpoint) with no new finding', () => {
    // Prepare: the real app's jobs plus two Parquet jobs; Act: synthesize with the plugin.
    const { app: withParquet } = build(testSettings(), [...catalogJobs(), ...parquetJobs()]);
    const report = JSON.parse(readFileSync(path.join(withParquet.synth().directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    // The Glue grant names each table: no wildcard, so no acknowledgement beyond the real app's.
    expect(ackList(withParquet)).toEqual(ackList(app));
  });

  it('synthesizes the app with the dashboard API (Cognito, HTTP API, read-only Lambda) with no unacknowledged finding', () => {
    // Prepare: the real app plus the dashboard API; Act: synthesize with the plugin.
    const { app: withDashboard } = build(testSettings(), catalogJobs(), true);
    const report = JSON.parse(readFileSync(path.join(withDashboard.synth().directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    for (const stack of withDashboard.node.children.filter((c): c is Stack => c instanceof Stack)) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue()), `${stack.stackName} errors`).toEqual([]);
      expect(annotations.findWarning('*', Match.anyValue()), `${stack.stackName} warnings`).toEqual([]);
    }
    for (const a of acknowledgements(withDashboard)) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(80);
    // Exactly the findings of the real app plus the dashboard API's: read-only GetObject per
    // prefix, and the PLUS tier (threat protection).
    expect(ackList(withDashboard)).toEqual(
      [
        ...ackList(app),
        'DashboardApi/ReadOnly AwsSolutions-IAM5[Resource::<Arn>/_manifests/*]',
        'DashboardApi/ReadOnly AwsSolutions-IAM5[Resource::<Arn>/rds_exports/*]',
        'DashboardApi/UserPool AwsSolutions-COG8',
      ].sort(),
    );
  });
});
