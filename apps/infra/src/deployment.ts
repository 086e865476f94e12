import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDeploymentConfig, type DeploymentConfigFile } from '@rds-s3-export/jobs';

/** The repository root: where `rds-s3-export.yaml` is looked for, and what a relative RDS_S3_EXPORT_CONFIG is relative to. */
export const WORKSPACE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

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
 */
export function loadDeployment(settings: { readonly exportBucketName?: string }, env: Readonly<Record<string, string | undefined>> = process.env): DeploymentConfigFile {
  return loadDeploymentConfig({ cwd: WORKSPACE_ROOT, env, bucket: settings.exportBucketName ?? STACK_BUCKET_STAND_IN, requireSecrets: true });
}
