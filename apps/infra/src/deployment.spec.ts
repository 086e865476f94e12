// The deployment config as `cdk synth` reads it (deployment.ts, main.ts): a deployment's own file
// with no sample job synthesizes its jobs and nothing of the sample, and the validated config is
// bundled next to each Lambda handler, where the handler reads it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_CONFIG_FILE, parseDeploymentConfigText } from '@rds-s3-export/jobs';
import { createApp } from './app.js';
import { dashboardApiCodeFromBuild } from './dashboard-api-code.js';
import { isWatchedConfig, loadDeployment, STACK_BUCKET_STAND_IN, WORKSPACE_ROOT } from './deployment.js';
import { exporterCodeFromBuild } from './exporter-code.js';
import { testApp, testSettings } from './testing/test-settings.js';

const temp = mkdtempSync(path.join(tmpdir(), 'infra-deployment-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const OWN_CONFIG = `# A deployment's own config: no sample job.
connections:
  billing:
    engine: postgres
    secret: arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing-ro-AbCdEf
    securityGroupId: sg-0db0db0db0db0db00
defaults:
  schedule: { timeZone: Europe/Dublin }
jobs:
  - name: invoices
    connection: billing
    table: invoices
    primaryKey: [id]
    incremental: { cursorColumn: updated_at, keyColumn: id }
    schedule: { expression: rate(1 hour) }
  - name: ledger
    connection: billing
    table: accounting.ledger
    schedule: { expression: cron(0 3 * * ? *) }
`;

/** A stand-in for an Nx build output folder (the real bundle is not needed to check what is added to it). */
function fakeBundle(name: string): string {
  const dir = path.join(temp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.mjs'), `export const handler = async () => ({ from: '${name}' });\n`);
  return dir;
}

describe('Deployment config: cdk synth', () => {
  it('synthesizes a deployment\'s own config: its jobs, nothing of the sample, the config bundled with both functions', () => {
    const file = path.join(temp, 'own.yaml');
    writeFileSync(file, OWN_CONFIG);
    const deployment = loadDeployment({}, { RDS_S3_EXPORT_CONFIG: file });
    const { app } = createApp({
      app: testApp(),
      settings: testSettings(),
      jobs: [...deployment.jobs.values()],
      exporterCode: exporterCodeFromBuild(deployment.config, fakeBundle('exporter')),
      dashboardApiCode: dashboardApiCodeFromBuild(deployment.config, fakeBundle('dashboard-api')),
    });
    const assembly = app.synth();

    const templates = assembly.stacks.map((stack) => JSON.stringify(stack.template));
    expect(templates.join('\n')).not.toMatch(/employees/i);
    const pipeline = assembly.stacks.find((stack) => stack.stackName === 'RdsS3Export-test')!;
    const resources = Object.values(pipeline.template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>);
    const schedules = resources.filter((r) => r.Type === 'AWS::Scheduler::Schedule').map((r) => r.Properties as { ScheduleExpression: string; ScheduleExpressionTimezone: string; Target: { Input: string } });
    expect(schedules.map((s) => [(JSON.parse(s.Target.Input) as { job: string }).job, s.ScheduleExpression, s.ScheduleExpressionTimezone]).sort()).toEqual([
      ['invoices', 'rate(1 hour)', 'Europe/Dublin'],
      ['ledger', 'cron(0 3 * * ? *)', 'Europe/Dublin'],
    ]);

    // Each Lambda asset (the folders with a handler) carries the validated config, which parses to the same jobs.
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.') && existsSync(path.join(assembly.directory, name, 'index.mjs')));
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const bundled = readFileSync(path.join(assembly.directory, asset, BUNDLED_CONFIG_FILE), 'utf8');
      const reread = parseDeploymentConfigText(bundled, { file: BUNDLED_CONFIG_FILE, bucket: 'bucket-of-the-stack', requireSecrets: true });
      expect([...reread.jobs.keys()]).toEqual(['invoices', 'ledger']);
      expect(reread.job('invoices').connection).toEqual({ name: 'billing', secret: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing-ro-AbCdEf', securityGroupId: 'sg-0db0db0db0db0db00', port: 5432 });
    }
  });

  it('changes the function code when the config changes (so a config change redeploys the functions)', () => {
    const file = path.join(temp, 'own.yaml');
    writeFileSync(file, OWN_CONFIG);
    const hashOf = (config: string) => {
      writeFileSync(file, config);
      const deployment = loadDeployment({}, { RDS_S3_EXPORT_CONFIG: file });
      const { app } = createApp({ app: testApp(), settings: testSettings(), jobs: [...deployment.jobs.values()], exporterCode: exporterCodeFromBuild(deployment.config, fakeBundle('exporter')) });
      const pipeline = app.synth().stacks.find((stack) => stack.stackName === 'RdsS3Export-test')!;
      const fn = Object.values(pipeline.template.Resources as Record<string, { Type: string; Properties: { Code?: { S3Key?: unknown }; Handler?: string } }>).find(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
      )!;
      return JSON.stringify(fn.Properties.Code?.S3Key);
    };
    expect(hashOf(OWN_CONFIG)).not.toBe(hashOf(OWN_CONFIG.replace('rate(1 hour)', 'rate(2 hours)')));
  });

  it('reads RDS_S3_EXPORT_CONFIG relative to the repository root, with the stack\'s bucket and every connection\'s secret required', () => {
    const example = loadDeployment({}, { RDS_S3_EXPORT_CONFIG: 'rds-s3-export.example.yaml' });
    expect([...example.jobs.values()].map((j) => [j.name, j.engine, j.connection.name, j.destination.bucket])).toEqual([
      ['orders', 'mariadb', 'shop', STACK_BUCKET_STAND_IN],
      ['customers', 'mariadb', 'shop', STACK_BUCKET_STAND_IN],
      ['page-views', 'postgres', 'analytics', STACK_BUCKET_STAND_IN],
    ]);
    expect(loadDeployment({ exportBucketName: 'my-exports' }, { RDS_S3_EXPORT_CONFIG: 'rds-s3-export.example.yaml' }).job('orders').destination.bucket).toBe('my-exports');
    const file = path.join(temp, 'no-secret.yaml');
    writeFileSync(file, OWN_CONFIG.replace(/ {4}secret: .*\n/, '    url: postgres://exporter@127.0.0.1:5432/billing\n'));
    expect(() => loadDeployment({}, { RDS_S3_EXPORT_CONFIG: file })).toThrow(
      `${file}:3: connections.billing.secret: is not set, and job "invoices" uses this connection: in AWS each connection needs the ARN of its database's secret`,
    );
  });

  it('in a CI deploy, refuses a config that nx affected does not watch (a push changing it would deploy nothing)', () => {
    const file = path.join(temp, 'elsewhere.yaml');
    writeFileSync(file, OWN_CONFIG);
    const ci = { CI: 'true', DEPLOY_STAGE: 'production' };
    expect(() => loadDeployment({}, { ...ci, RDS_S3_EXPORT_CONFIG: file })).toThrow(
      `RDS_S3_EXPORT_CONFIG names ${file}, which nx affected does not watch: a push that changes it would not redeploy. Keep the deployment config at rds-s3-export.yaml or under deploy/ (e.g. deploy/production.yaml) in the repository`,
    );
    expect(() => loadDeployment({}, { ...ci, RDS_S3_EXPORT_CONFIG: 'rds-s3-export.example.yaml' })).toThrow(/DEPLOYMENT_CONFIG_UNWATCHED|which nx affected does not watch/);
    // Locally (no CI) or a CI synth without a stage to deploy, any file is read.
    expect([...loadDeployment({}, { DEPLOY_STAGE: 'production', RDS_S3_EXPORT_CONFIG: file }).jobs.keys()]).toEqual(['invoices', 'ledger']);
    expect([...loadDeployment({}, { CI: 'true', RDS_S3_EXPORT_CONFIG: file }).jobs.keys()]).toEqual(['invoices', 'ledger']);
  });

  it('watches rds-s3-export.yaml at the root and every file under deploy/, nothing else', () => {
    const at = (relative: string) => isWatchedConfig(path.join(WORKSPACE_ROOT, relative));
    expect([at('rds-s3-export.yaml'), at('deploy/production.yaml'), at('deploy/eu/staging.json')]).toEqual([true, true, true]);
    expect([at('rds-s3-export.example.yaml'), at('apps/infra/rds-s3-export.yaml'), at('deployments/production.yaml'), at('../deploy/production.yaml')]).toEqual([false, false, false, false]);
  });
});
