import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** The roles `cdk bootstrap` creates; a deploy role may assume these and nothing else. */
export const CDK_BOOTSTRAP_ROLES = ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'] as const;

/** The workflow whose jobs may assume the deploy roles (it must run from {@link DEFAULT_WORKFLOW_BRANCH}). */
export const DEFAULT_DEPLOY_WORKFLOW = '.github/workflows/deploy.yml';
export const DEFAULT_WORKFLOW_BRANCH = 'main';
export const DEFAULT_ENVIRONMENTS = ['staging', 'production'] as const;

/**
 * The claim keys of the repository's OIDC subject template that the trust below expects:
 * `PUT /repos/{owner}/{repo}/actions/oidc/customization/sub` with
 * `{"use_default": false, "include_claim_keys": ["repo", "context", "job_workflow_ref"]}`.
 * IAM cannot condition on GitHub's other claims (`job_workflow_ref` is not an IAM condition key;
 * only `aud`, `sub` and `amr` are), so the workflow ref can only be pinned through the subject.
 */
export const OIDC_SUBJECT_CLAIM_KEYS = ['repo', 'context', 'job_workflow_ref'] as const;

export interface CiAccessStackProps extends StackProps {
  /** `owner/name` of the GitHub repository allowed to deploy. */
  readonly repository: string;
  /** GitHub environments; each gets a deploy role of its own. @default ['staging', 'production'] */
  readonly environments?: readonly string[];
  /** The only workflow file allowed to deploy. @default '.github/workflows/deploy.yml' */
  readonly workflowPath?: string;
  /** The only branch that workflow may run from. @default 'main' */
  readonly workflowBranch?: string;
  /**
   * The account's existing GitHub OIDC provider (there can be one per issuer and account).
   * @default a new provider for token.actions.githubusercontent.com
   */
  readonly oidcProvider?: iam.IOidcProvider;
  /** Qualifier of the CDK bootstrap stack. @default 'hnb659fds' (the CDK default) */
  readonly bootstrapQualifier?: string;
  /** Role names are `<roleNamePrefix>-<environment>`. @default 'rds-s3-export-github-deploy' */
  readonly roleNamePrefix?: string;
}

/**
 * The OIDC subject GitHub issues to a job of `workflowPath` at `refs/heads/<workflowBranch>` that
 * runs in `environment`, once the repository's subject template is
 * {@link OIDC_SUBJECT_CLAIM_KEYS} (`repo`, `context` = `environment:<name>`, `job_workflow_ref`).
 */
export const deploySubject = (repository: string, environment: string, workflowPath = DEFAULT_DEPLOY_WORKFLOW, workflowBranch = DEFAULT_WORKFLOW_BRANCH): string =>
  `repo:${repository}:environment:${environment}:job_workflow_ref:${repository}/${workflowPath}@refs/heads/${workflowBranch}`;

/** `staging` → `Staging`, `eu-prod` → `EuProd`: for output ids. */
const pascal = (name: string) => name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');

/**
 * Lets GitHub Actions deploy without stored keys: the GitHub OIDC provider and one role per GitHub
 * environment. Environment `<env>`'s role trusts exactly one OIDC subject (audience
 * sts.amazonaws.com): a job of this repository's deploy workflow, run from `main`, in environment
 * `<env>` — so a fork, another branch, another workflow of the same repository or a job of another
 * environment cannot assume it, and a production job only runs after the environment's required
 * reviewers approved it. Each role can do exactly one thing: assume the CDK bootstrap roles of this
 * account and region (which then deploy through CloudFormation). Deployed once by an admin
 * (`npx cdk deploy RdsS3Export-CiAccess`), not by the pipeline itself.
 *
 * The subject names the workflow ref only when the repository's OIDC subject template includes
 * `job_workflow_ref` ({@link OIDC_SUBJECT_CLAIM_KEYS}; apps/infra/README.md and docs/deploy-guide.md
 * show the `gh api` call). Without it GitHub issues `repo:<owner/name>:environment:<env>`, which no
 * role accepts: the deploy fails closed.
 */
export class CiAccessStack extends Stack {
  /** The deploy role of each environment, by environment name. */
  readonly deployRoles: ReadonlyMap<string, iam.Role>;
  readonly oidcProvider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: CiAccessStackProps) {
    super(scope, id, props);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`repository "${props.repository}" must be "owner/name"`);
    }
    const environments = props.environments ?? DEFAULT_ENVIRONMENTS;
    if (environments.length === 0) throw new Error('environments must name at least one GitHub environment');
    for (const environment of environments) {
      // The name becomes part of the OIDC subject (GitHub writes a `:` there as %3A) and of the role name: keep it plain.
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(environment)) {
        throw new Error(`environment "${environment}" must be letters, digits, '.', '_' or '-' (it becomes part of the OIDC subject and the role name)`);
      }
    }
    if (new Set(environments.map(pascal)).size !== environments.length) throw new Error(`environments ${environments.join(', ')} must be distinct`);
    const workflowPath = props.workflowPath ?? DEFAULT_DEPLOY_WORKFLOW;
    if (!/^\.github\/workflows\/[A-Za-z0-9_.-]+\.ya?ml$/.test(workflowPath)) throw new Error(`workflowPath "${workflowPath}" must be a file in .github/workflows/`);
    const workflowBranch = props.workflowBranch ?? DEFAULT_WORKFLOW_BRANCH;
    if (!/^[A-Za-z0-9_.\/-]+$/.test(workflowBranch)) throw new Error(`workflowBranch "${workflowBranch}" must be a plain branch name (no wildcard)`);

    this.oidcProvider =
      props.oidcProvider ??
      new iam.OidcProviderNative(this, 'GitHubOidcProvider', { url: `https://${GITHUB_OIDC_ISSUER}`, clientIds: ['sts.amazonaws.com'] });
    const qualifier = props.bootstrapQualifier ?? 'hnb659fds';
    const bootstrapRoleArns = CDK_BOOTSTRAP_ROLES.map((r) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${r}-${Aws.ACCOUNT_ID}-${Aws.REGION}`);

    const roles = new Map<string, iam.Role>();
    for (const environment of environments) {
      const subject = deploySubject(props.repository, environment, workflowPath, workflowBranch);
      const roleName = `${props.roleNamePrefix ?? 'rds-s3-export-github-deploy'}-${environment}`;
      // IAM refuses longer role names at deploy time; say so at synth, naming the environment.
      if (roleName.length > 64) throw new Error(`environment "${environment}" makes the role name "${roleName}" ${roleName.length} characters long; IAM allows 64: use a shorter environment name or roleNamePrefix`);
      const role = new iam.Role(this, `DeployRole${pascal(environment)}`, {
        roleName,
        description: `GitHub Actions deploys of ${props.repository}, environment ${environment}, ${workflowPath} on ${workflowBranch}`.slice(0, 1000),
        maxSessionDuration: Duration.hours(1),
        assumedBy: new iam.WebIdentityPrincipal(this.oidcProvider.oidcProviderArn, {
          // One exact subject, no wildcard (StringEquals): this repository, this environment, the deploy workflow at main.
          StringEquals: { [`${GITHUB_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_ISSUER}:sub`]: subject },
        }),
      });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: bootstrapRoleArns }));
      new CfnOutput(this, `DeployRoleArn${pascal(environment)}`, {
        value: role.roleArn,
        description: `Set as the variable AWS_DEPLOY_ROLE_ARN of the GitHub environment "${environment}" (accepted OIDC subject: ${subject})`,
      });
      roles.set(environment, role);
    }
    this.deployRoles = roles;
  }
}
