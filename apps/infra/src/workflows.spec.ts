// The GitHub workflows are part of the delivery design: parse them and check the triggers, jobs,
// permissions, pinning and commands that apps/infra/README.md ("Delivery") describes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readDeploySettings } from './settings.js';
import { DEFAULT_ENVIRONMENTS } from './stacks/ci-access-stack.js';
import { cdkJsonContext } from './testing/test-settings.js';

interface Step {
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number | boolean>;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | string[];
  readonly uses?: string;
  readonly environment?: string | { name: string };
  readonly env?: Record<string, string>;
  readonly permissions?: Record<string, string> | string;
  readonly services?: Record<string, { image: string }>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string> | string;
  readonly jobs: Record<string, Job>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKFLOWS = ['ci.yml', 'deploy.yml'] as const;
const source = (name: string) => readFileSync(path.join(root, '.github/workflows', name), 'utf8');
const workflow = (name: string) => parse(source(name)) as Workflow;
const stepsOf = (job: Job) => job.steps ?? [];
const runs = (job: Job) => stepsOf(job).flatMap((s) => (s.run ? [s.run] : []));
const uses = (job: Job, action: string) => stepsOf(job).filter((s) => s.uses?.startsWith(`${action}@`));
const CREDENTIALS_ACTION = 'aws-actions/configure-aws-credentials';
/** Jobs that can hold AWS credentials: those that run configure-aws-credentials. */
const credentialJobs = (wf: Workflow) => Object.entries(wf.jobs).filter(([, job]) => uses(job, CREDENTIALS_ACTION).length > 0);

/**
 * The environment variables `readDeploySettings` (apps/infra/src/settings.ts) looks up, observed by
 * running it over a recording `process.env` with the example context of cdk.json: derived from the
 * code itself, so a setting added to (or removed from) settings.ts changes this list and the
 * plumbing test below fails until deploy.yml follows. CDK_DEFAULT_* are given, as the cdk CLI does.
 */
function settingEnvNamesRead(): string[] {
  const read = new Set<string>();
  const given: Record<string, string> = { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' };
  const env = new Proxy(given, {
    get: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
  });
  const context = cdkJsonContext();
  readDeploySettings((key) => context[key], env as NodeJS.ProcessEnv);
  return [...read].filter((name) => name.startsWith('RDS_S3_EXPORT_')).sort();
}

describe('Workflows: pinning and injection', () => {
  describe.each(WORKFLOWS)('%s', (name) => {
    const text = source(name);
    const wf = workflow(name);
    const parsedUses = Object.values(wf.jobs).flatMap((job) => [...(job.uses ? [job.uses] : []), ...stepsOf(job).flatMap((s) => (s.uses ? [s.uses] : []))]);

    it('pins every action by full 40-hex commit SHA, the version tag in a comment', () => {
      const lines = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
      // Every `uses:` the parser sees is on a line of its own (none hidden in flow style).
      expect(lines).toHaveLength(parsedUses.length);
      expect(parsedUses.length).toBeGreaterThan(0);
      for (const line of lines) {
        const value = line.replace(/^\s*(-\s+)?uses:\s*/, '');
        if (value.startsWith('./')) continue; // a local action or workflow of this repository
        expect(value, line).toMatch(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
      }
      for (const value of parsedUses) expect(value).not.toMatch(/^docker:\/\//);
    });

    it('uses one SHA per action', () => {
      const shas = new Map<string, Set<string>>();
      for (const value of parsedUses) {
        const [action, sha] = value.split('@') as [string, string];
        shas.set(action, (shas.get(action) ?? new Set()).add(sha));
      }
      for (const [action, set] of shas) expect(set.size, action).toBe(1);
    });

    it('never splices an expression into a shell command (inputs and variables reach run steps through env only)', () => {
      for (const job of Object.values(wf.jobs)) for (const command of runs(job)) expect(command).not.toContain('${{');
    });
  });
});

describe('Workflow: ci.yml', () => {
  const ci = workflow('ci.yml');

  it('runs nx affected lint/typecheck/test/build on pull requests against the SHAs of nx-set-shas', () => {
    expect(Object.keys(ci.on)).toContain('pull_request');
    const [job] = Object.values(ci.jobs);
    expect(uses(job!, 'nrwl/nx-set-shas')).toHaveLength(1);
    expect(runs(job!)).toContain('npm ci');
    expect(runs(job!).find((r) => r.includes('nx affected'))).toMatch(/nx affected -t lint typecheck test build --base=\$NX_BASE --head=\$NX_HEAD/);
  });

  it('has MariaDB and PostgreSQL as service containers, and read-only permissions without an OIDC token', () => {
    const [job] = Object.values(ci.jobs);
    expect(Object.values(job!.services ?? {}).map((s) => s.image.split(':')[0]).sort()).toEqual(['mariadb', 'postgres']);
    expect(ci.permissions).toEqual({ contents: 'read', actions: 'read' });
    for (const j of Object.values(ci.jobs)) expect(j.permissions).toBeUndefined();
    expect(credentialJobs(ci)).toEqual([]);
  });
});

describe('Workflow: deploy.yml', () => {
  const deploy = workflow('deploy.yml');
  const deployJobs = credentialJobs(deploy);

  it('runs on pushes to main and by hand, with a choice of stage (one per CI-access role)', () => {
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    const dispatch = deploy.on.workflow_dispatch as { inputs: Record<string, { type: string; options: string[]; required: boolean; default: string }> };
    expect(Object.keys(dispatch.inputs)).toEqual(['stage']);
    expect(dispatch.inputs.stage).toMatchObject({ type: 'choice', required: true, default: 'staging' });
    expect(dispatch.inputs.stage!.options).toEqual([...DEFAULT_ENVIRONMENTS]);
  });

  it('grants only contents: read at workflow level: no OIDC token for a job that does not ask for it', () => {
    expect(deploy.permissions).toEqual({ contents: 'read' });
  });

  it('grants id-token: write exactly to the jobs that assume a role', () => {
    expect(deployJobs.map(([name]) => name)).toEqual(['staging', 'production']);
    for (const [name, job] of Object.entries(deploy.jobs)) {
      const permissions = typeof job.permissions === 'object' ? job.permissions : {};
      const assumes = uses(job, CREDENTIALS_ACTION).length > 0;
      expect(permissions['id-token'] === 'write', name).toBe(assumes);
    }
    for (const [name, job] of deployJobs) {
      // Job permissions replace the workflow's: nothing that writes to the repository.
      expect(job.permissions, name).toEqual({ contents: 'read', actions: 'read', 'id-token': 'write' });
    }
  });

  it('deploys staging, then production after it (production waits for the environment approval); main only', () => {
    expect(deploy.jobs.staging!.environment).toBe('staging');
    expect(deploy.jobs.production!.environment).toBe('production');
    expect(deploy.jobs.production!.needs).toBe('staging');
    for (const [, job] of deployJobs) expect(job.if).toContain("github.ref == 'refs/heads/main'");
    // By hand: each job runs only for its own stage; production does not wait for a skipped staging.
    expect(deploy.jobs.staging!.if).toContain("inputs.stage == 'staging'");
    expect(deploy.jobs.production!.if).toContain("inputs.stage == 'production'");
    expect(deploy.jobs.production!.if).toContain('!cancelled()');
    expect(deploy.jobs.production!.if).toContain("needs.staging.result == 'success'");
  });

  it.each(['staging', 'production'])('%s: installs without lifecycle scripts, assumes its environment role by OIDC, then deploys that stage', (name) => {
    const job = deploy.jobs[name]!;
    expect(job.env?.DEPLOY_STAGE).toBe(name);
    const [credentials] = uses(job, CREDENTIALS_ACTION);
    // The ARN is the variable of the job's GitHub environment (each environment its own role).
    expect(credentials?.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    expect(credentials?.with?.['aws-region']).toBe('${{ vars.AWS_REGION }}');
    // No long-lived keys anywhere.
    expect(JSON.stringify(job)).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\./);
    const checkout = uses(job, 'actions/checkout')[0];
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    expect(checkout?.with?.['persist-credentials']).toBe(false);

    const installs = runs(job).filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs).toEqual(['npm ci --ignore-scripts']);
    expect(runs(job).join('\n')).not.toMatch(/\b(yarn|pnpm|npm (rebuild|run postinstall))\b/);

    const index = (predicate: (s: Step) => boolean) => stepsOf(job).findIndex(predicate);
    const install = index((s) => s.run === 'npm ci --ignore-scripts');
    const assume = index((s) => s === credentials);
    const onPush = index((s) => s.run === 'npx nx affected -t deploy --base=$NX_BASE --head=$NX_HEAD');
    const byHand = index((s) => s.run === 'npx nx run infra:deploy');
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(assume);
    expect(assume).toBeLessThan(onPush);
    expect(assume).toBeLessThan(byHand);
    expect(stepsOf(job)[onPush]!.if).toBe("github.event_name == 'push'");
    expect(stepsOf(job)[byHand]!.if).toBe("github.event_name == 'workflow_dispatch'");
    const [shas] = uses(job, 'nrwl/nx-set-shas');
    expect(shas?.if).toBe("github.event_name == 'push'");
    expect(index((s) => s === shas)).toBeLessThan(onPush);
  });

  it('reads the settings of settings.ts from the environment (sanity of the derived list)', () => {
    const names = settingEnvNamesRead();
    expect(names).toEqual(expect.arrayContaining(['RDS_S3_EXPORT_VPC_ID', 'RDS_S3_EXPORT_PRIVATE_SUBNET_IDS', 'RDS_S3_EXPORT_GITHUB_REPOSITORY']));
  });

  it('passes every RDS_S3_EXPORT_* setting settings.ts reads, from the GitHub environment, to every deploy job', () => {
    const names = settingEnvNamesRead();
    for (const [job, { env = {} }] of deployJobs) {
      for (const name of names) {
        const expected = name === 'RDS_S3_EXPORT_GITHUB_REPOSITORY' ? '${{ github.repository }}' : `\${{ vars.${name} }}`;
        expect(env[name], `${job}: ${name}`).toBe(expected);
      }
    }
  });

  it('passes the config file path (repository-relative) and nothing else under RDS_S3_EXPORT_ (no stale setting)', () => {
    const names = new Set([...settingEnvNamesRead(), 'RDS_S3_EXPORT_CONFIG']);
    for (const [job, { env = {} }] of deployJobs) {
      // The GitHub variable is relative to the repository root; cdk runs in apps/infra.
      expect(env.RDS_S3_EXPORT_CONFIG, job).toBe("${{ vars.RDS_S3_EXPORT_CONFIG && format('{0}/{1}', github.workspace, vars.RDS_S3_EXPORT_CONFIG) || '' }}");
      for (const name of Object.keys(env).filter((n) => n.startsWith('RDS_S3_EXPORT_'))) expect(names.has(name), `${job}: ${name} is read by nothing`).toBe(true);
    }
  });
});
