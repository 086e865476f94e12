import { formatIssues, JobConfigSchema, RdsExportError, type JobConfig, type JobConfigInput } from '@rds-s3-export/shared-types';
import { employees } from './catalog/employees.js';

/** Every job, as code. Add a job by adding a file under catalog/ and listing it here. */
const definitions: readonly JobConfigInput[] = [employees];

export class JobCatalogError extends RdsExportError {
  override readonly name = 'JobCatalogError';
  constructor(code: string, message: string) {
    super('config', code, message);
  }
}

/**
 * Validates job definitions (trimmed strings, S3 naming rules, identifiers) and refuses
 * duplicates. Errors name the job and the field.
 */
export function buildCatalog(inputs: readonly JobConfigInput[]): ReadonlyMap<string, JobConfig> {
  const jobs = new Map<string, JobConfig>();
  inputs.forEach((input, index) => {
    const parsed = JobConfigSchema.safeParse(input);
    const label = typeof input?.name === 'string' ? `job "${input.name.trim()}"` : `job #${index + 1}`;
    if (!parsed.success) throw new JobCatalogError('JOB_CONFIG_INVALID', `${label} is invalid: ${formatIssues(parsed.error)}`);
    if (jobs.has(parsed.data.name)) throw new JobCatalogError('JOB_DUPLICATE', `${label} is defined twice`);
    jobs.set(parsed.data.name, parsed.data);
  });
  return jobs;
}

let catalog: ReadonlyMap<string, JobConfig> | undefined;

export function jobCatalog(): ReadonlyMap<string, JobConfig> {
  catalog ??= buildCatalog(definitions);
  return catalog;
}

export function getJob(name: string): JobConfig {
  const job = jobCatalog().get(name.trim());
  if (!job) {
    throw new JobCatalogError('JOB_UNKNOWN', `unknown job "${name}"; known jobs: ${[...jobCatalog().keys()].join(', ')}`);
  }
  return job;
}
