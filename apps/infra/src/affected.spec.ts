// Proves the delivery wiring (apps/infra/README.md): a change in anything infra deploys (the exporter, the
// deployment config file and its loader, and what they are built from) makes `infra` affected, so
// `nx affected -t deploy` redeploys. Asks the real Nx CLI, without the daemon.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isWatchedConfig } from './deployment.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function affectedBy(file: string): string[] {
  const out = execFileSync('npx', ['nx', 'show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    encoding: 'utf8',
  });
  return JSON.parse(out.slice(out.indexOf('['))) as string[];
}

describe('Nx: infra is affected by what it deploys', () => {
  it.each([
    'libs/export-core/src/index.ts',
    'libs/jobs/src/deployment-config-file.ts',
    // The deployment config itself (an input of infra:synth/deploy, apps/infra/project.json).
    'rds-s3-export.yaml',
    // A stage's config kept under deploy/ (RDS_S3_EXPORT_CONFIG=deploy/production.yaml).
    'deploy/production.yaml',
    'libs/shared-types/src/job-config.ts',
    'apps/exporter/src/lambda/handler.ts',
    // The wiring the Lambda handler is built with.
    'libs/export-runtime/src/handler/run-report.ts',
  ])('a change to %s affects infra', (file) => {
    expect(affectedBy(file)).toContain('infra');
  });

  it('is not affected by an unrelated project (the graph is not "everything")', () => {
    expect(affectedBy('tools/lint-rules/src/module-boundaries.spec.ts')).not.toContain('infra');
    // The example config is documentation, not a deployment's.
    expect(affectedBy('rds-s3-export.example.yaml')).not.toContain('infra');
  });

  it('watches exactly the config locations that a CI deploy accepts (deployment.ts isWatchedConfig)', () => {
    for (const file of ['rds-s3-export.yaml', 'deploy/staging.yaml', 'deploy/eu/production.json', 'rds-s3-export.example.yaml', 'configs/production.yaml']) {
      expect(affectedBy(file).includes('infra'), file).toBe(isWatchedConfig(path.join(root, file)));
    }
  });

  it('never takes infra:synth from the cache: it reads settings from the environment and the config from any path, which no cache key covers', () => {
    // A cached synth replayed "Successfully synthesized" for one availability zone and vpc-nope
    // after a good run with the same config: the settings checks never ran.
    const project = JSON.parse(readFileSync(path.join(root, 'apps/infra/project.json'), 'utf8')) as { targets: Record<string, { cache?: boolean }> };
    expect(project.targets.synth?.cache).toBe(false);
    expect(project.targets.deploy?.cache).toBe(false);
  });

  it('declares the implicit dependencies and the synth/deploy targets that build first', () => {
    const project = JSON.parse(readFileSync(path.join(root, 'apps/infra/project.json'), 'utf8')) as {
      implicitDependencies: string[];
      targets: Record<string, { dependsOn?: string[]; options?: { command?: string } }>;
    };
    // dashboard-api and dashboard join the list when those projects exist (Nx refuses unknown names).
    expect(project.implicitDependencies).toEqual(expect.arrayContaining(['exporter', 'jobs']));
    for (const target of ['synth', 'deploy']) {
      expect(project.targets[target]?.dependsOn).toEqual(['^build']);
      expect(project.targets[target]?.options?.command).toMatch(/^cdk (synth|deploy)/);
    }
  });
});
