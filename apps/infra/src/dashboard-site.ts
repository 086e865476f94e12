import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';

/** Where `nx run dashboard:build` writes the app (`index.html`, `assets/`). */
export const DASHBOARD_BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/apps/dashboard');

/**
 * The built dashboard as a BucketDeployment source. `nx run infra:synth` / `infra:deploy` build
 * it first (dependsOn `^build`; dashboard is an implicit dependency of infra), so synth runs offline.
 */
export function dashboardSiteFromBuild(dir: string = DASHBOARD_BUILD_DIR): s3deploy.ISource {
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`no dashboard build at ${dir}/index.html: run "npx nx run dashboard:build" (or "npx nx run infra:synth", which builds it first)`);
  }
  return s3deploy.Source.asset(dir, { exclude: ['config.json', '*.map'] });
}
