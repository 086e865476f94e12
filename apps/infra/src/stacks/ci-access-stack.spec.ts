import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/test-settings.js';
import { CiAccessStack } from './ci-access-stack.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let template: Template;
let resources: Resources;

beforeAll(() => {
  template = Template.fromStack(new CiAccessStack(testApp(), 'CiAccess', { repository: 'example-org/rds-s3-export' }));
  resources = template.toJSON().Resources as Resources;
});

describe('Stack: CiAccessStack', () => {
  it('creates the GitHub OIDC provider for the STS audience', () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('trusts only this repository: pushes to main and the staging/production environments', () => {
    const role = Object.values(resources).find((r) => r.Type === 'AWS::IAM::Role')!;
    expect((role.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        // Ref of an AWS::IAM::OIDCProvider is its ARN.
        Principal: { Federated: { Ref: Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::IAM::OIDCProvider') } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [
              'repo:example-org/rds-s3-export:ref:refs/heads/main',
              'repo:example-org/rds-s3-export:environment:staging',
              'repo:example-org/rds-s3-export:environment:production',
            ],
          },
        },
      },
    ]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('may assume the CDK bootstrap roles and do nothing else', () => {
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: { Action: string[]; Resource: unknown[] }[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    const arns = statements[0]!.Resource.map((r) => JSON.stringify(r));
    expect(arns).toHaveLength(4);
    for (const [i, name] of ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].entries()) {
      expect(arns[i]).toContain(`:role/cdk-hnb659fds-${name}-`);
    }
    expect(arns.join()).not.toContain('*');
  });

  it('refuses a repository that is not owner/name', () => {
    expect(() => new CiAccessStack(testApp(), 'Bad', { repository: 'rds-s3-export' })).toThrow('must be "owner/name"');
  });
});
