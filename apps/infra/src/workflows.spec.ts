// The GitHub workflows are part of the delivery design: parse them and check the triggers, jobs,
// permissions and commands that apps/infra/README.md describes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number>;
}
interface Job {
  readonly needs?: string | string[];
  readonly environment?: string | { name: string };
  readonly env?: Record<string, string>;
  readonly permissions?: Record<string, string>;
  readonly services?: Record<string, { image: string }>;
  readonly steps: Step[];
}
interface Workflow {
  readonly on: Record<string, { branches?: string[] } | null>;
  readonly permissions: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const workflow = (name: string) => parse(readFileSync(path.join(root, '.github/workflows', name), 'utf8')) as Workflow;
const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
const uses = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe('Workflow: ci.yml', () => {
  const ci = workflow('ci.yml');

  it('runs nx affected lint/typecheck/test/build on pull requests against the SHAs of nx-set-shas', () => {
    expect(Object.keys(ci.on)).toContain('pull_request');
    const [job] = Object.values(ci.jobs);
    expect(uses(job!, 'nrwl/nx-set-shas')).toHaveLength(1);
    expect(runs(job!)).toContain('npm ci');
    expect(runs(job!).find((r) => r.includes('nx affected'))).toMatch(/nx affected -t lint typecheck test build --base=\$NX_BASE --head=\$NX_HEAD/);
  });

  it('has MariaDB and PostgreSQL as service containers, and no write or token permission', () => {
    const [job] = Object.values(ci.jobs);
    expect(Object.values(job!.services ?? {}).map((s) => s.image.split(':')[0]).sort()).toEqual(['mariadb', 'postgres']);
    expect(ci.permissions).toEqual({ contents: 'read', actions: 'read' });
  });
});

describe('Workflow: deploy.yml', () => {
  const deploy = workflow('deploy.yml');

  it('runs on pushes to main only, with an OIDC token and read-only contents', () => {
    expect(deploy.on).toEqual({ push: { branches: ['main'] } });
    expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read', actions: 'read' });
  });

  it('deploys staging, then production after it (production waits for the environment approval)', () => {
    expect(Object.keys(deploy.jobs)).toEqual(['staging', 'production']);
    expect(deploy.jobs.staging!.environment).toBe('staging');
    expect(deploy.jobs.production!.environment).toBe('production');
    expect(deploy.jobs.production!.needs).toBe('staging');
  });

  it.each(['staging', 'production'])('%s: assumes the deploy role by OIDC and runs nx affected -t deploy for that stage', (name) => {
    const job = deploy.jobs[name]!;
    expect(job.env?.DEPLOY_STAGE).toBe(name);
    const [credentials] = uses(job, 'aws-actions/configure-aws-credentials');
    expect(credentials?.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    // No long-lived keys anywhere.
    expect(JSON.stringify(job)).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\./);
    expect(uses(job, 'nrwl/nx-set-shas')).toHaveLength(1);
    expect(uses(job, 'actions/checkout')[0]?.with?.['fetch-depth']).toBe(0);
    const commands = runs(job);
    expect(commands[0]).toBe('npm ci');
    expect(commands.at(-1)).toBe('npx nx affected -t deploy --base=$NX_BASE --head=$NX_HEAD');
    // Credentials come before the deploy.
    const index = (s: Step | undefined) => job.steps.indexOf(s!);
    expect(index(credentials)).toBeLessThan(job.steps.findIndex((s) => s.run?.includes('-t deploy')));
  });

  it('passes every setting the app reads from the environment of the GitHub environment', () => {
    for (const job of Object.values(deploy.jobs)) {
      for (const key of ['VPC_ID', 'AVAILABILITY_ZONES', 'PRIVATE_SUBNET_IDS', 'PRIVATE_SUBNET_ROUTE_TABLE_IDS', 'DATABASE_SECURITY_GROUP_ID']) {
        expect(job.env?.[`RDS_S3_EXPORT_${key}`]).toBe(`\${{ vars.RDS_S3_EXPORT_${key} }}`);
      }
    }
  });
});
