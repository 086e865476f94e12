// Proves the dashboard's bundle rules bite, with the workspace's real ESLint config: the UI
// (type:ui) may import only scope:shared libs and no Node built-in or Node-only package; the
// dashboard API may not reach the database drivers. The shared-types import is the control.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let eslint: ESLint;

beforeAll(async () => {
  process.env.NX_DAEMON = 'false';
  await createProjectGraphAsync({ exitOnError: false });
  eslint = new ESLint({ cwd: repoRoot });
});

async function errors(project: string, specifier: string): Promise<string[]> {
  const code = `import { probe } from '${specifier}';\n\nexport const used = probe;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, 'apps', project, 'src', 'boundary-probe.ts'), warnIgnored: true });
  const messages = result?.messages ?? [];
  expect(messages.filter((m) => m.fatal === true || m.ruleId === null)).toEqual([]);
  return messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('Rule: dashboard bundle boundaries', () => {
  it('lets the dashboard import the shared contract', async () => {
    expect(await errors('dashboard', '@rds-s3-export/shared-types')).toEqual([]);
  });

  it.each(['node:fs', 'fs', 'path', 'crypto', 'node:child_process'])('refuses the Node built-in %s in the dashboard', async (specifier) => {
    const found = await errors('dashboard', specifier);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^no-restricted-imports: .*Node built-ins do not exist in the browser/);
  });

  it.each([
    ['@aws-sdk/client-s3', 'A project tagged with "type:ui" is not allowed to import "@aws-sdk/client-s3"'],
    ['@rds-s3-export/aws', 'A project tagged with "scope:dashboard" can only depend on libs tagged with "scope:shared"'],
  ])('refuses %s in the dashboard', async (specifier, message) => {
    expect(await errors('dashboard', specifier)).toEqual([`@nx/enforce-module-boundaries: ${message}`]);
  });

  it('lets the dashboard API use libs/aws but not a database driver', async () => {
    expect(await errors('dashboard-api', '@rds-s3-export/aws')).toEqual([]);
    expect(await errors('dashboard-api', 'mysql2')).toEqual(['@nx/enforce-module-boundaries: A project tagged with "scope:dashboard-api" is not allowed to import "mysql2"']);
  });
});
