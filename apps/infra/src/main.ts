// Entry point of `cdk synth` / `cdk deploy` (apps/infra/cdk.json): `npx nx run infra:synth`.
// The jobs come from the deployment config file: RDS_S3_EXPORT_CONFIG, else rds-s3-export.yaml
// at the repository root (see deployment.ts).
import { App } from 'aws-cdk-lib';
import { isRdsExportError } from '@rds-s3-export/shared-types';
import { createApp } from './app.js';
import { dashboardApiCodeFromBuild } from './dashboard-api-code.js';
import { dashboardSiteFromBuild } from './dashboard-site.js';
import { loadDeployment } from './deployment.js';
import { exporterCodeFromBuild } from './exporter-code.js';
import { readDeploySettings, SettingsError } from './settings.js';

const app = new App();
let settings: ReturnType<typeof readDeploySettings>;
let deployment: ReturnType<typeof loadDeployment>;
try {
  settings = readDeploySettings((key) => app.node.tryGetContext(key), process.env);
  deployment = loadDeployment(settings);
} catch (error) {
  // Each wrong setting, or the file, line, job and field, without a stack trace in the way.
  if (!(error instanceof SettingsError) && !isRdsExportError(error)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
createApp({
  app,
  settings,
  jobs: [...deployment.jobs.values()],
  exporterCode: exporterCodeFromBuild(deployment.config),
  dashboardApiCode: dashboardApiCodeFromBuild(deployment.config),
  dashboardSite: dashboardSiteFromBuild(),
});
app.synth();
