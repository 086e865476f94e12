/**
 * The dashboard API as a Lambda function behind API Gateway (HTTP API, Cognito JWT authorizer
 * in front: the infra issue). SDK clients are built once per container; the environment is
 * read once, here and only here.
 *
 *   EXPORT_BUCKET         bucket of the exports (overrides the jobs' configured bucket, as the exporter does)
 *   EXPORTER_LOG_GROUP    the exporter function's log group (run logs, failed run summaries)
 *   RDS_S3_EXPORT_CONFIG  optional: another deployment config file (tests); default the
 *                         deployment-config.json the CDK app bundles next to the handler
 *
 * The job list is the deployment config's, read and validated once per container.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudWatchRunLogs, S3ExportCatalog } from '@rds-s3-export/aws';
import { loadDeploymentConfig } from '@rds-s3-export/jobs';
import { createApiHandler } from '../api/handler.js';
import { readApiEnv } from './api-env.js';
import { fromApiGatewayEvent, toApiGatewayResult, type ApiGatewayEventV2, type ApiGatewayResultV2 } from './api-gateway.js';

const env = readApiEnv(process.env);
const config = loadDeploymentConfig({ path: env.configFile, env: {}, ...(env.exportBucket !== undefined && { bucket: env.exportBucket }) });
const s3 = new S3Client({});
const logsClient = new CloudWatchLogsClient({});
const catalogs = new Map<string, S3ExportCatalog>();

const api = createApiHandler({
  jobs: () => config.jobs,
  catalogFor: (job) => {
    const bucket = env.exportBucket ?? job.destination.bucket;
    const id = `${bucket}\u0000${job.destination.manifestPrefix}`;
    let catalog = catalogs.get(id);
    if (!catalog) catalogs.set(id, (catalog = new S3ExportCatalog({ client: s3, bucket, manifestPrefix: job.destination.manifestPrefix })));
    return catalog;
  },
  logs: new CloudWatchRunLogs({ client: logsClient, logGroupName: env.exporterLogGroup }),
  reportError: (error) => console.error(JSON.stringify({ level: 'ERROR', message: 'dashboard api error', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })),
});

export async function handler(event: ApiGatewayEventV2): Promise<ApiGatewayResultV2> {
  return toApiGatewayResult(await api(fromApiGatewayEvent(event)));
}
