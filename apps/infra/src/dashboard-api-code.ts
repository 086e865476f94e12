import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { DeploymentConfig } from '@rds-s3-export/shared-types';
import { bundleWithConfig } from './bundled-config.js';

/** Where `nx run dashboard-api:build` writes the bundled handler (`index.mjs`). */
export const DASHBOARD_API_BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/apps/dashboard-api/lambda');

/**
 * The dashboard API's Lambda code from the Nx build output, no Docker bundling, so synth works
 * offline, with the deployment config (its job list) written next to the handler (see
 * bundled-config.ts). `nx run infra:synth` / `infra:deploy` build it first (dependsOn `^build`;
 * dashboard-api is an implicit dependency of infra).
 */
export function dashboardApiCodeFromBuild(config: DeploymentConfig, dir: string = DASHBOARD_API_BUILD_DIR): lambda.Code {
  if (!existsSync(path.join(dir, 'index.mjs'))) {
    throw new Error(`no dashboard API bundle at ${dir}/index.mjs: run "npx nx run dashboard-api:build" (or "npx nx run infra:synth", which builds it first)`);
  }
  return lambda.Code.fromAsset(bundleWithConfig(dir, config));
}
