import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** The roles `cdk bootstrap` creates; the deploy role may assume these and nothing else. */
export const CDK_BOOTSTRAP_ROLES = ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'] as const;

export interface CiAccessStackProps extends StackProps {
  /** `owner/name` of the GitHub repository allowed to deploy. */
  readonly repository: string;
  /** Branch whose pushes may deploy. @default 'main' */
  readonly branch?: string;
  /** GitHub environments whose jobs may deploy (their OIDC subject names the environment, not the branch). @default ['staging', 'production'] */
  readonly environments?: readonly string[];
  /**
   * The account's existing GitHub OIDC provider (there can be one per issuer and account).
   * @default a new provider for token.actions.githubusercontent.com
   */
  readonly oidcProvider?: iam.IOidcProvider;
  /** Qualifier of the CDK bootstrap stack. @default 'hnb659fds' (the CDK default) */
  readonly bootstrapQualifier?: string;
  /** Name of the deploy role (the workflow reads its ARN from the repository variable AWS_DEPLOY_ROLE_ARN). @default 'rds-s3-export-github-deploy' */
  readonly roleName?: string;
}

/**
 * Lets GitHub Actions deploy without stored keys: the GitHub OIDC provider and one role that only
 * this repository's `main` branch and its deployment environments can assume (audience
 * sts.amazonaws.com), and that can do exactly one thing: assume the CDK bootstrap roles of this
 * account and region (which then deploy through CloudFormation). Deployed once by an admin
 * (`npx cdk deploy RdsS3Export-CiAccess`), not by the pipeline itself.
 */
export class CiAccessStack extends Stack {
  readonly deployRole: iam.Role;
  readonly oidcProvider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: CiAccessStackProps) {
    super(scope, id, props);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`repository "${props.repository}" must be "owner/name"`);
    }
    const branch = props.branch ?? 'main';
    const environments = props.environments ?? ['staging', 'production'];
    this.oidcProvider =
      props.oidcProvider ??
      new iam.OidcProviderNative(this, 'GitHubOidcProvider', { url: `https://${GITHUB_OIDC_ISSUER}`, clientIds: ['sts.amazonaws.com'] });

    const subjects = [`repo:${props.repository}:ref:refs/heads/${branch}`, ...environments.map((e) => `repo:${props.repository}:environment:${e}`)];
    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: props.roleName ?? 'rds-s3-export-github-deploy',
      description: `GitHub Actions deploys of ${props.repository} (${branch} and environments ${environments.join(', ')})`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(this.oidcProvider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com',
          // Exact subjects, no wildcard: a fork, another branch or a pull request cannot assume it.
          [`${GITHUB_OIDC_ISSUER}:sub`]: subjects,
        },
      }),
    });
    const qualifier = props.bootstrapQualifier ?? 'hnb659fds';
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: CDK_BOOTSTRAP_ROLES.map((r) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${r}-${Aws.ACCOUNT_ID}-${Aws.REGION}`),
      }),
    );

    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: 'Set as the GitHub repository variable AWS_DEPLOY_ROLE_ARN',
    });
  }
}
