import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploymentConfigError, loadDeploymentConfig, type DeploymentConfigFile } from '@rds-s3-export/jobs';

/** The repository root: where `rds-s3-export.yaml` is looked for, and what a relative RDS_S3_EXPORT_CONFIG is relative to. */
export const WORKSPACE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Where a deployment config must live for `nx affected` to see a change to it: the named input
 * `deploymentConfig` of apps/infra/project.json lists exactly these (repository-relative), so a
 * push that changes the file deploys it. Keep the two in step (src/affected.spec.ts asks Nx).
 */
export const WATCHED_CONFIG_LOCATIONS = ['rds-s3-export.yaml', 'deploy/'] as const;

/** Whether `file` (absolute) is one `nx affected` sees: `rds-s3-export.yaml` at the root, or any file under `deploy/`. */
export function isWatchedConfig(file: string): boolean {
  const relative = path.relative(WORKSPACE_ROOT, file).split(path.sep).join('/');
  return relative === WATCHED_CONFIG_LOCATIONS[0] || relative.startsWith(WATCHED_CONFIG_LOCATIONS[1]);
}

/**
 * What the synthesized jobs carry as `destination.bucket` when the stack creates the bucket: its
 * name exists only at deploy time. No construct reads a job's bucket (the stack's bucket is
 * passed as such), and the Lambdas resolve their bundled config with their `EXPORT_BUCKET`.
 */
export const STACK_BUCKET_STAND_IN = 'stack-export-bucket';

/**
 * The deployment config of `cdk synth` / `cdk deploy`: RDS_S3_EXPORT_CONFIG (relative to the
 * repository root) or `rds-s3-export.yaml` at the repository root, validated with every
 * connection a job uses required to name its secret.
 *
 * In CI (`CI=true`, as GitHub Actions sets it) with a stage to deploy (`DEPLOY_STAGE`), the file
 * must be one `nx affected` watches ({@link isWatchedConfig}): elsewhere, a push that changes it
 * would deploy nothing, silently. Local synths and deploys may read a file from anywhere.
 */
export function loadDeployment(settings: { readonly exportBucketName?: string }, env: Readonly<Record<string, string | undefined>> = process.env): DeploymentConfigFile {
  const deployment = loadDeploymentConfig({ cwd: WORKSPACE_ROOT, env, bucket: settings.exportBucketName ?? STACK_BUCKET_STAND_IN, requireSecrets: true });
  if (env.CI === 'true' && env.DEPLOY_STAGE?.trim() && !isWatchedConfig(deployment.file)) {
    throw new DeploymentConfigError(
      'DEPLOYMENT_CONFIG_UNWATCHED',
      `RDS_S3_EXPORT_CONFIG names ${deployment.file}, which nx affected does not watch: a push that changes it would not redeploy. Keep the deployment config at rds-s3-export.yaml or under deploy/ (e.g. deploy/${env.DEPLOY_STAGE.trim()}.yaml) in the repository`,
    );
  }
  return deployment;
}
