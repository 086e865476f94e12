// docs/deploy-guide.md is followed top to bottom by someone who cannot ask us: check offline what
// it names against what the stacks, the schemas and the workflow really have (output names,
// role names, the OIDC subject, event payloads, the run summary, the GitHub variables).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { parseDeploymentConfigText } from '@rds-s3-export/jobs';
import { ExporterEventSchema, RunSummarySchema, StagedEventSchema } from '@rds-s3-export/shared-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApp } from './app.js';
import { dashboardSiteFromBuild } from './dashboard-site.js';
import { DEFAULT_ENVIRONMENTS, OIDC_SUBJECT_CLAIM_KEYS, deploySubject } from './stacks/ci-access-stack.js';
import { testApp, testDashboardApiCode, testExporterCode, testJobs, testSettings } from './testing/test-settings.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const guide = readFileSync(path.join(root, 'docs/deploy-guide.md'), 'utf8');
const deployWorkflow = readFileSync(path.join(root, '.github/workflows/deploy.yml'), 'utf8');
/** The fenced code blocks of the guide with their language. */
const blocks = [...guide.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
const section = (heading: string) => {
  const start = guide.indexOf(`\n## ${heading}`);
  expect(start, heading).toBeGreaterThan(0);
  const end = guide.indexOf('\n## ', start + 1);
  return guide.slice(start, end < 0 ? undefined : end);
};
/** Undo the shell quoting of a single-quoted argument. */
const singleQuoted = (pattern: RegExp) => [...guide.matchAll(pattern)].map((m) => m[1]!);

let pipelineOutputs: Record<string, { Value: unknown; Description?: string }>;
let ciAccessOutputs: Record<string, unknown>;
let ciAccessRoles: string[];

beforeAll(() => {
  const site = mkdtempSync(path.join(tmpdir(), 'guide-site-'));
  mkdirSync(path.join(site, 'assets'));
  writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>dashboard</title>');
  const { pipeline, ciAccess } = createApp({
    app: testApp(),
    settings: testSettings({ stage: 'staging' }),
    jobs: testJobs(),
    exporterCode: testExporterCode(),
    dashboardApiCode: testDashboardApiCode(),
    dashboardSite: dashboardSiteFromBuild(site),
  });
  pipelineOutputs = (Template.fromStack(pipeline).toJSON() as { Outputs: typeof pipelineOutputs }).Outputs;
  const ci = Template.fromStack(ciAccess).toJSON() as { Outputs: Record<string, unknown>; Resources: Record<string, { Type: string; Properties: { RoleName?: string } }> };
  ciAccessOutputs = ci.Outputs;
  ciAccessRoles = Object.values(ci.Resources).flatMap((r) => (r.Type === 'AWS::IAM::Role' && r.Properties.RoleName ? [r.Properties.RoleName] : []));
});

describe('docs/deploy-guide.md', () => {
  it('names stack outputs that the pipeline stack has (the `output <prefix>` helper and the outputs table)', () => {
    const fromCommands = singleQuoted(/\$\(output (\w+)\)/g);
    const fromTable = [...section('7. Deploy').matchAll(/^\| `((?:Pipeline|Dashboard)[A-Za-z…]+)`/gm)].map((m) => m[1]!);
    const fromTableSecond = [...section('7. Deploy').matchAll(/^\| `[^`]+`, `((?:Pipeline|Dashboard)[A-Za-z]+)`/gm)].map((m) => m[1]!);
    const names = [...new Set([...fromCommands, ...fromTable, ...fromTableSecond, 'DashboardHostingSignInDomain'])];
    expect(names.length).toBeGreaterThanOrEqual(10);
    const keys = Object.keys(pipelineOutputs);
    for (const name of names) {
      // `…` stands for the job part of a per-job output; CDK appends an 8-hex hash to every key.
      const pattern = new RegExp(`^${name.replace(/…/g, '[A-Za-z0-9]+')}[0-9A-F]{8}$`);
      expect(keys.filter((key) => pattern.test(key)), name).not.toHaveLength(0);
    }
  });

  it('finds a parallel job\'s state machine by the output description the stack writes', () => {
    const [description] = singleQuoted(/Description=='(parallel export of job \\"[a-z0-9-]+\\")'/g);
    expect(description).toBeDefined();
    const wanted = description!.replace(/\\"/g, '"');
    expect(Object.values(pipelineOutputs).filter((o) => o.Description === wanted)).toHaveLength(1);
  });

  it('says the Athena names the stack gives the stage', () => {
    const value = (prefix: string) => Object.entries(pipelineOutputs).find(([key]) => key.startsWith(prefix))![1].Value;
    expect(value('PipelineGlueDatabaseName')).toBe('rdss3export_staging');
    expect(value('PipelineAthenaWorkGroupName')).toBe('RdsS3Export-staging');
    expect(guide).toContain('database `rdss3export_<stage>`');
    expect(guide).toContain('workgroup `RdsS3Export-<stage>`');
  });

  it('names the CI-access outputs and roles of each environment, and the subject they trust', () => {
    for (const environment of DEFAULT_ENVIRONMENTS) {
      const suffix = environment[0]!.toUpperCase() + environment.slice(1);
      expect(Object.keys(ciAccessOutputs)).toContain(`DeployRoleArn${suffix}`);
      expect(guide).toContain(`DeployRoleArn${suffix}`);
      expect(ciAccessRoles).toContain(`rds-s3-export-github-deploy-${environment}`);
    }
    expect(guide).toContain('`rds-s3-export-github-deploy-staging`');
    expect(guide).toContain(deploySubject('<owner>/<name>', '<env>'));
    const keys = singleQuoted(/-f 'include_claim_keys\[\]=(\w+)'/g);
    expect(keys).toEqual([...OIDC_SUBJECT_CLAIM_KEYS]);
  });

  it('sends payloads the exporter and the state machine accept', () => {
    const lambdaPayloads = singleQuoted(/--payload '([^']+)'/g);
    const inline = singleQuoted(/`(\{"job":[^`]+\})`/g);
    expect(lambdaPayloads.length).toBeGreaterThan(0);
    for (const payload of [...lambdaPayloads, ...inline]) expect(ExporterEventSchema.safeParse(JSON.parse(payload)).success, payload).toBe(true);
    const inputs = singleQuoted(/--input '([^']+)'/g);
    expect(inputs).toHaveLength(1);
    expect(StagedEventSchema.safeParse(JSON.parse(inputs[0]!)).success).toBe(true);
  });

  it('shows a run summary of the real shape', () => {
    const json = blocks.filter((b) => b.lang === 'json').map((b) => JSON.parse(b.text) as unknown);
    expect(json).toHaveLength(1);
    expect(RunSummarySchema.strict().parse(json[0])).toMatchObject({ job: 'orders', status: 'committed' });
  });

  it('has a config example whose jobs use connections it defines, and the invoked job is one of them', () => {
    const yamlBlocks = blocks.filter((b) => b.lang === 'yaml').map((b) => parse(b.text) as { connections: Record<string, unknown>; jobs: { name: string; connection: string }[] });
    expect(yamlBlocks).toHaveLength(1);
    const config = yamlBlocks[0]!;
    for (const job of config.jobs) expect(Object.keys(config.connections)).toContain(job.connection);
    const invoked = singleQuoted(/--payload '([^']+)'/g).map((p) => (JSON.parse(p) as { job: string }).job);
    for (const job of invoked) expect(config.jobs.map((j) => j.name)).toContain(job);
  });

  it('has a config example that synthesizes: its schedule, its connection\'s egress and ingress, its secret and nothing else', () => {
    const text = blocks.find((b) => b.lang === 'yaml')!.text;
    const deployment = parseDeploymentConfigText(text, { file: 'docs/deploy-guide.md', bucket: 'stack-export-bucket', requireSecrets: true });
    const { pipeline } = createApp({ app: testApp(), settings: testSettings({ stage: 'guide' }), jobs: [...deployment.jobs.values()], exporterCode: testExporterCode() });
    const resources = Object.values((Template.fromStack(pipeline).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources);
    const ofType = (type: string) => resources.filter((r) => r.Type === type).map((r) => r.Properties);

    const schedules = ofType('AWS::Scheduler::Schedule') as { ScheduleExpression: string; Target: { Input: string } }[];
    expect(schedules.map((s) => [(JSON.parse(s.Target.Input) as { job: string }).job, s.ScheduleExpression])).toEqual([['orders', 'rate(15 minutes)']]);
    const toDatabase = (ofType('AWS::EC2::SecurityGroupEgress') as { DestinationSecurityGroupId?: unknown; FromPort: number }[]).filter((r) => typeof r.DestinationSecurityGroupId === 'string');
    expect(toDatabase.map((r) => [r.DestinationSecurityGroupId, r.FromPort])).toEqual([['sg-0123456789abcdef0', 3306]]);
    expect((ofType('AWS::EC2::SecurityGroupIngress') as { GroupId: unknown; FromPort: number }[]).filter((r) => r.GroupId === 'sg-0123456789abcdef0').map((r) => r.FromPort)).toEqual([3306]);
    const secretStatements = (ofType('AWS::IAM::Policy') as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }[])
      .flatMap((p) => p.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secretStatements.map((s) => s.Resource)).toEqual(['arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds-s3-export/shop-AbCdEf']);
  });

  it('sets GitHub variables that deploy.yml reads', () => {
    const variables = [...guide.matchAll(/gh variable set (\w+) /g)].map((m) => m[1]!);
    expect(variables).toEqual(expect.arrayContaining(['AWS_DEPLOY_ROLE_ARN', 'AWS_REGION', 'RDS_S3_EXPORT_VPC_ID']));
    for (const name of variables) expect(deployWorkflow, name).toContain(`vars.${name} }}`);
  });
});
