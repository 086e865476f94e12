import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/test-settings.js';
import { CiAccessStack, OIDC_SUBJECT_CLAIM_KEYS, deploySubject } from './ci-access-stack.js';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
interface TrustStatement {
  readonly Action: string;
  readonly Effect: string;
  readonly Principal: unknown;
  readonly Condition: Record<string, Record<string, unknown>>;
}
type Resources = Record<string, Resource>;

const REPO = 'example-org/rds-s3-export';
let template: Template;
let resources: Resources;
let outputs: Record<string, { Value: unknown; Description: string }>;

const roles = (r: Resources) => Object.entries(r).filter(([, v]) => v.Type === 'AWS::IAM::Role');
const roleNamed = (name: string) => roles(resources).find(([, r]) => r.Properties.RoleName === name)!;
const trustOf = (role: Resource) => (role.Properties.AssumeRolePolicyDocument as { Statement: TrustStatement[] }).Statement;

beforeAll(() => {
  template = Template.fromStack(new CiAccessStack(testApp(), 'CiAccess', { repository: REPO }));
  const json = template.toJSON() as { Resources: Resources; Outputs: typeof outputs };
  resources = json.Resources;
  outputs = json.Outputs;
});

describe('Stack: CiAccessStack', () => {
  it('creates the GitHub OIDC provider for the STS audience', () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('has one deploy role per GitHub environment (staging, production by default)', () => {
    expect(roles(resources).map(([, r]) => r.Properties.RoleName).sort()).toEqual(['rds-s3-export-github-deploy-production', 'rds-s3-export-github-deploy-staging']);
  });

  it.each(['staging', 'production'])('%s: trusts exactly one subject, its environment with the deploy workflow pinned to main', (environment) => {
    const [, role] = roleNamed(`rds-s3-export-github-deploy-${environment}`);
    const provider = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::IAM::OIDCProvider');
    expect(trustOf(role)).toEqual([
      {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        // Ref of an AWS::IAM::OIDCProvider is its ARN.
        Principal: { Federated: { Ref: provider } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            // The subject GitHub issues with the template repo, context, job_workflow_ref.
            'token.actions.githubusercontent.com:sub': `repo:${REPO}:environment:${environment}:job_workflow_ref:${REPO}/.github/workflows/deploy.yml@refs/heads/main`,
          },
        },
      },
    ]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('never matches with wildcards, never trusts a branch ref, pull requests or another environment', () => {
    for (const [, role] of roles(resources)) {
      const [statement] = trustOf(role);
      expect(Object.keys(statement!.Condition)).toEqual(['StringEquals']);
      const sub = statement!.Condition.StringEquals!['token.actions.githubusercontent.com:sub'] as string;
      expect(typeof sub).toBe('string');
      expect(sub).not.toMatch(/[*?]/);
      expect(sub).not.toMatch(/:ref:|pull_request/);
    }
    const subjects = roles(resources).map(([, r]) => trustOf(r)[0]!.Condition.StringEquals!['token.actions.githubusercontent.com:sub']);
    expect(new Set(subjects).size).toBe(2);
  });

  it('each role may assume the CDK bootstrap roles and do nothing else', () => {
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect((policy.Properties.Roles as unknown[]).length).toBe(1);
      const statements = (policy.Properties.PolicyDocument as { Statement: { Effect: string; Action: string[]; Resource: unknown[] }[] }).Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Effect).toBe('Allow');
      expect(statements[0]!.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      const arns = statements[0]!.Resource.map((r) => JSON.stringify(r));
      expect(arns).toHaveLength(4);
      for (const [i, name] of ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].entries()) {
        expect(arns[i]).toContain(`:role/cdk-hnb659fds-${name}-`);
      }
      expect(arns.join()).not.toContain('*');
    }
    // Each policy belongs to a different role.
    expect(new Set(policies.map((p) => JSON.stringify(p.Properties.Roles))).size).toBe(2);
  });

  it('outputs one role ARN per environment, saying which GitHub environment variable it is for', () => {
    expect(Object.keys(outputs).sort()).toEqual(['DeployRoleArnProduction', 'DeployRoleArnStaging']);
    const [stagingId] = roleNamed('rds-s3-export-github-deploy-staging');
    expect(outputs.DeployRoleArnStaging!.Value).toEqual({ 'Fn::GetAtt': [stagingId, 'Arn'] });
    expect(outputs.DeployRoleArnStaging!.Description).toContain('AWS_DEPLOY_ROLE_ARN of the GitHub environment "staging"');
  });

  it('takes a configurable list of environments, workflow and branch', () => {
    const stack = new CiAccessStack(testApp(), 'Custom', {
      repository: REPO,
      environments: ['qa', 'eu-prod', 'us-prod'],
      workflowPath: '.github/workflows/release.yaml',
      workflowBranch: 'release',
      roleNamePrefix: 'exports-deploy',
    });
    const custom = Template.fromStack(stack).toJSON() as { Resources: Resources; Outputs: Record<string, unknown> };
    const subjects = Object.fromEntries(roles(custom.Resources).map(([, r]) => [r.Properties.RoleName, trustOf(r)[0]!.Condition.StringEquals!['token.actions.githubusercontent.com:sub']]));
    expect(subjects).toEqual({
      'exports-deploy-qa': `repo:${REPO}:environment:qa:job_workflow_ref:${REPO}/.github/workflows/release.yaml@refs/heads/release`,
      'exports-deploy-eu-prod': `repo:${REPO}:environment:eu-prod:job_workflow_ref:${REPO}/.github/workflows/release.yaml@refs/heads/release`,
      'exports-deploy-us-prod': `repo:${REPO}:environment:us-prod:job_workflow_ref:${REPO}/.github/workflows/release.yaml@refs/heads/release`,
    });
    expect(Object.keys(custom.Outputs).sort()).toEqual(['DeployRoleArnEuProd', 'DeployRoleArnQa', 'DeployRoleArnUsProd']);
    expect([...stack.deployRoles.keys()]).toEqual(['qa', 'eu-prod', 'us-prod']);
  });

  it('documents the subject template it expects: repo, context, job_workflow_ref', () => {
    expect(OIDC_SUBJECT_CLAIM_KEYS).toEqual(['repo', 'context', 'job_workflow_ref']);
    expect(deploySubject('o/r', 'staging')).toBe('repo:o/r:environment:staging:job_workflow_ref:o/r/.github/workflows/deploy.yml@refs/heads/main');
  });

  it('refuses a repository that is not owner/name, and environments, workflows or branches that would need escaping or match loosely', () => {
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: 'rds-s3-export' })).toThrow('must be "owner/name"');
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, environments: [] })).toThrow('at least one');
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, environments: ['prod*'] })).toThrow('environment "prod*"');
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, environments: ['prod:eu'] })).toThrow('environment "prod:eu"');
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, environments: ['prod', 'prod'] })).toThrow('distinct');
    // 28 characters of prefix and dash + 37 = 65: IAM would refuse the role at deploy time.
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, environments: ['production-eu-west-1-blue-green-abcde'] })).toThrow(/role name .* 65 characters long; IAM allows 64/);
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, workflowPath: 'deploy.yml' })).toThrow('workflowPath');
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: REPO, workflowBranch: 'release/*' })).toThrow('workflowBranch');
  });
});
