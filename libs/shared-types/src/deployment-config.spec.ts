import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deploymentConfigJsonSchema, JobDefaultsSchema, parseDeploymentConfig, resolveDeploymentConfig } from './deployment-config.js';
import { JobConfigSchema } from './job-config.js';
import { schemaFilePath, schemaFileText } from './write-json-schema.js';

describe('Schema: DeploymentConfigSchema', () => {
  it('has its committed JSON Schema current (regenerate with `npm run config-schema`)', () => {
    expect(readFileSync(schemaFilePath(), 'utf8')).toBe(schemaFileText());
  });

  it('describes what editors need: connections by name, engines, TLS modes, job fields, no unknown keys', () => {
    const schema = deploymentConfigJsonSchema() as {
      properties: { connections: { additionalProperties: { properties: Record<string, { enum?: string[] }>; required: string[] } }; jobs: { items: { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean } } };
    };
    const connection = schema.properties.connections.additionalProperties;
    expect(connection.required).toEqual(['engine']);
    expect(connection.properties.engine?.enum).toEqual(['mysql', 'mariadb', 'postgres']);
    expect(connection.properties.tls?.enum).toEqual(['disable', 'require', 'verify-full']);
    expect(connection.properties.connectTimeoutSeconds).toMatchObject({ type: 'integer', minimum: 1, maximum: 600 });
    const job = schema.properties.jobs.items;
    expect(job.required).toEqual(['name', 'connection']);
    expect(job.additionalProperties).toBe(false);
    expect(Object.keys(job.properties)).toEqual(expect.arrayContaining(['table', 'query', 'incremental', 'schedule', 'destination', 'csv', 'limits', 'parallel', 'lambda']));
  });

  it('takes every job field that is not a job\'s own identity or source as a default (new fields included)', () => {
    const jobOnly = ['name', 'engine', 'connection', 'table', 'query', 'columns', 'primaryKey', 'incremental', 'parallel'];
    expect(Object.keys(JobDefaultsSchema.shape).sort()).toEqual(Object.keys(JobConfigSchema.shape).filter((k) => !jobOnly.includes(k)).sort());
  });

  it('resolves without touching the parsed file, and a default time zone gives no schedule to a job without one', () => {
    const parsed = parseDeploymentConfig({
      connections: { db: { engine: 'mysql', url: ' mysql://u@h/db ' } },
      defaults: { schedule: { timeZone: 'Europe/Paris' }, destination: { bucket: 'b-local' } },
      jobs: [{ name: 'a', connection: 'db', table: 't' }, { name: 'b', connection: 'db', table: 't', schedule: { expression: 'rate(1 hour)' } }],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const before = JSON.stringify(parsed.value);
    const resolved = resolveDeploymentConfig(parsed.value);
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
    expect(resolved.value.map((j) => j.schedule)).toEqual([undefined, { expression: 'rate(1 hour)', timeZone: 'Europe/Paris' }]);
    expect(resolved.value[0]?.connection).toEqual({ name: 'db', url: 'mysql://u@h/db', port: 3306 });
    expect(JSON.stringify(parsed.value)).toBe(before);
    // The parsed file parses again to itself: what the CDK app writes into the Lambda asset is re-validated there.
    const again = parseDeploymentConfig(JSON.parse(before));
    expect(again.ok && JSON.stringify(again.value)).toBe(before);
  });
});
