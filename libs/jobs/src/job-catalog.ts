import { formatIssues, JobConfigSchema, type JobConfig, type JobConfigInput } from '@rds-s3-export/shared-types';
import { DeploymentConfigError } from './errors.js';

/**
 * Validates resolved job configs given as code (trimmed strings, S3 naming rules, identifiers)
 * and refuses duplicates; errors name the job and the field. Deployments list their jobs in the
 * deployment config file (see deployment-config-file.ts); this is for tests and tools that build
 * jobs directly.
 */
export function buildCatalog(inputs: readonly JobConfigInput[]): ReadonlyMap<string, JobConfig> {
  const jobs = new Map<string, JobConfig>();
  inputs.forEach((input, index) => {
    const parsed = JobConfigSchema.safeParse(input);
    const label = typeof input?.name === 'string' ? `job "${input.name.trim()}"` : `job #${index + 1}`;
    if (!parsed.success) throw new DeploymentConfigError('JOB_CONFIG_INVALID', `${label} is invalid: ${formatIssues(parsed.error)}`);
    if (jobs.has(parsed.data.name)) throw new DeploymentConfigError('JOB_DUPLICATE', `${label} is defined twice`);
    jobs.set(parsed.data.name, parsed.data);
  });
  return jobs;
}

/** The job of that name, or a JOB_UNKNOWN error that lists the known ones (and where they come from). */
export function jobNamed(jobs: ReadonlyMap<string, JobConfig>, name: string, source?: string): JobConfig {
  const job = jobs.get(name.trim());
  if (!job) {
    throw new DeploymentConfigError('JOB_UNKNOWN', `unknown job "${name}"; known jobs: ${[...jobs.keys()].join(', ') || '(none)'}${source ? ` (in ${source})` : ''}`);
  }
  return job;
}
