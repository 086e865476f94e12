/**
 * `@rds-s3-export/export-runtime/plan`: the CLI's part of this lib (resolve a plan, run it),
 * apart from the package's main entry. The main entry also exports the AWS wiring; esbuild's
 * code splitting puts every file an entry's imports reach into that entry's chunks, used or
 * not, so the CLI importing the main entry would load the AWS SDK on every run. Through this
 * entry it loads the SDK only for an S3 destination (see s3-sink.ts).
 */
export { resolvePlan, PASSWORD_ENV, type ExportPlan, type ExportPlanInput } from './export-plan.js';
export { runExportPlan, type RunOptions } from './run-export-plan.js';
