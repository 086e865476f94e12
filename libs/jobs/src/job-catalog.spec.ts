import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JobConfigInput } from '@rds-s3-export/shared-types';
import { buildCatalog, jobNamed } from './job-catalog.js';
import { loadDeploymentConfig } from './deployment-config-file.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../../tools/demo/rds-s3-export.demo.yaml', import.meta.url));
const demo = loadDeploymentConfig({ path: DEMO_CONFIG, env: {} });
/** The demo's employees job as resolved from its file, as input for buildCatalog. */
const employees = demo.job('employees') as JobConfigInput;

describe('Function: buildCatalog', () => {
  it('validates the demo config\'s job and fills the defaults', () => {
    const job = demo.job('employees');
    expect(job.destination).toEqual({
      bucket: 'rds-exports-local',
      prefix: 'rds_exports',
      manifestPrefix: '_manifests',
      layout: 'hive',
      compression: 'none',
    });
    expect(job.csv.delimiter).toBe(',');
    expect(job.csv.recordDelimiter).toBe('lf');
    expect([...demo.jobs.keys()]).toContain('employees');
  });

  it('trims a bucket name with trailing whitespace instead of failing on it', () => {
    const jobs = buildCatalog([{ ...employees, destination: { bucket: 'rds-exports-local \t' } }]);
    expect(jobs.get('employees')?.destination.bucket).toBe('rds-exports-local');
  });

  it.each([
    [{ destination: { bucket: 'Bad_Bucket' } }, 'destination.bucket: may contain only lowercase letters'],
    [{ destination: { bucket: '192.168.1.1' } }, 'destination.bucket: may not be formatted as an IP address'],
    [{ destination: { bucket: 'ok-bucket', prefix: 'a/../b' } }, 'destination.prefix: must not contain empty, "." or ".." segments'],
    [{ table: 'db.hr.users' }, 'table: "db.hr.users" must be "table" or "schema.table"'],
    [{ table: '`a' }, 'table: "`a" has an unterminated ` quote'],
    [{ columns: ['id', ''] }, 'columns.1: "" has an empty name'],
    [{ connection: { url: 'postgres://u:secret@h/db' } }, 'connection.url: must not contain a password'],
    [{ schedule: { expression: 'every 5 minutes' } }, 'schedule.expression: must be rate(N unit) or cron(...)'],
    [{ query: 'select 1' }, 'table: set exactly one of "table" or "query"'],
    [{ name: 'Bad Name' }, 'name: must be 1 to 63 characters'],
    [{ allowPrivilegedQuery: true }, 'allowPrivilegedQuery: applies to "query" only'],
  ])('refuses %j with a message naming the field', (override, message) => {
    expect(() => buildCatalog([{ ...employees, ...override }])).toThrow(message);
  });

  it('accepts allowPrivilegedQuery on a query job', () => {
    const jobs = buildCatalog([{ ...employees, table: undefined, columns: undefined, query: 'SELECT id FROM employees', allowPrivilegedQuery: true }]);
    expect(jobs.get('employees')?.allowPrivilegedQuery).toBe(true);
  });

  it('never echoes a password given in a connection URL', () => {
    expect(() => buildCatalog([{ ...employees, connection: { url: 'postgres://u:hunter2@h/db' } }])).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('refuses a job defined twice and an unknown job', () => {
    expect(() => buildCatalog([employees, employees])).toThrow('job "employees" is defined twice');
    expect(() => jobNamed(demo.jobs, 'nope')).toThrow('unknown job "nope"; known jobs: employees');
    expect(() => demo.job('nope')).toThrow(expect.objectContaining({ code: 'JOB_UNKNOWN', errorClass: 'config' }));
  });
});
