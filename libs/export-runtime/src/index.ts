/**
 * `@rds-s3-export/export-runtime`: the wiring that builds a job's adapters (credentials, sink,
 * state, clock, TLS, deadline) and the handlers on top of them, for the exporter's entry points
 * (apps/exporter: the Lambda handler, the CLI, `npm run invoke`) and the tools (demo, reliability).
 *
 * The run layers, outermost first (see docs/architecture.md, "The run layers"):
 *   createExporterHandler / createStagedHandler   an event -> a reported run (log line, metrics)
 *   runJobWithCredentials                         export-core runJob on the job's credentials -> RunSummary
 *   runExportPlan                                 the CLI's resolved plan -> export-core runExport (or chunks)
 */
export { runJobWithCredentials, withJobSource, failedSummary, type CredentialSource, type JobAdapters } from './job/run-job-with-credentials.js';
export { createExporterHandler, createStagedHandler, withFields, type HandlerContext, type HandlerDependencies, type RunMetrics } from './handler/exporter-handler.js';
export { reportRun, type ReportOptions } from './handler/run-report.js';
export { updateGlueTable, GLUE_UPDATE_FAILED_METRIC, type GlueTables, type TableColumnsPort } from './handler/glue-table-update.js';
export { awsJobAdapters, type AwsJobAdaptersOptions } from './aws/aws-job-adapters.js';
export { createLocalHandler, type LocalRuntimeOptions } from './local/local-runtime.js';
export { localPorts, DEMO_SAMPLE_PG_PORT, LOCAL_PORT_VARIABLES, LOCAL_STATE_TABLE, type LocalPorts } from './local/local-ports.js';
export { connectionTls } from './connection/connection-tls.js';
export { withConnectionPort } from './connection/connection-port.js';
export { urlCredentials } from './connection/url-credentials.js';
export { s3ClientFor } from './clients/s3-client.js';
export { resolvePlan, PASSWORD_ENV, type ExportPlan, type ExportPlanInput } from './plan/export-plan.js';
export { runExportPlan, type RunOptions } from './plan/run-export-plan.js';
