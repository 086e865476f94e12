// Entry point of `cdk synth` / `cdk deploy` (apps/infra/cdk.json): `npx nx run infra:synth`.
import { App } from 'aws-cdk-lib';
import { jobCatalog } from '@rds-s3-export/jobs';
import { createApp } from './app.js';
import { dashboardApiCodeFromBuild } from './dashboard-api-code.js';
import { dashboardSiteFromBuild } from './dashboard-site.js';
import { exporterCodeFromBuild } from './exporter-code.js';
import { readDeploySettings } from './settings.js';

const app = new App();
createApp({
  app,
  settings: readDeploySettings((key) => app.node.tryGetContext(key), process.env),
  jobs: [...jobCatalog().values()],
  exporterCode: exporterCodeFromBuild(),
  dashboardApiCode: dashboardApiCodeFromBuild(),
  dashboardSite: dashboardSiteFromBuild(),
});
app.synth();
