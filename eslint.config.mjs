// Flat ESLint config for the whole workspace. The interesting part is the module
// boundary rule: tags in each project.json decide who may import whom, and which
// npm packages a kind of project may never pull in (no AWS SDK in the core or the
// browser, no CDK outside infra). `tools/lint-rules/src/module-boundaries.spec.ts` proves it bites.
// Lint through nx (`npm run lint`, `nx affected -t lint`): the rule needs the project graph
// that nx computes, and a bare `eslint` in a fresh clone would skip it with a warning.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const cdk = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];
// Node built-ins are not graph nodes, so they cannot be banned here; type:ui projects get a
// no-restricted-imports rule for them below.
const nodeOnly = ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*'];

// Roots of the projects tagged type:ui (the browser bundle), read from their project.json.
// Paths from this file's folder (the workspace root), whatever the cwd: globs below are relative to it too.
const workspaceRoot = fileURLToPath(new URL('.', import.meta.url));
const uiRoots = ['apps', 'libs', 'tools'].flatMap((group) =>
  (existsSync(`${workspaceRoot}${group}`) ? readdirSync(`${workspaceRoot}${group}`) : [])
    .map((name) => `${group}/${name}`)
    .filter((root) => {
      const file = `${workspaceRoot}${root}/project.json`;
      return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')).tags ?? []).includes('type:ui');
    }),
);
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

export default [
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '**/test-output/**', '**/cdk.out/**', '**/__fixtures__/**'],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { '@nx': nx },
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*', ...cdk] },
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: ['@aws-sdk/*', ...cdk] },
            // libs/aws/testing holds the local stand-ins of the services it adapts (s3rver, dynalite).
            { sourceTag: 'scope:aws', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: ['mysql2', 'mysql2/*', 'pg', 'pg-*', ...cdk] },
            { sourceTag: 'scope:jobs', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*', ...cdk] },
            // The wiring of a job's adapters (credentials, sink, state, clock, TLS, deadline) for every entry point.
            { sourceTag: 'scope:runtime', onlyDependOnLibsWithTags: ['scope:core', 'scope:aws', 'scope:jobs', 'scope:shared'], bannedExternalImports: cdk },
            // The exporter app holds entry points only (CLI, Lambda handler, `npm run invoke`); the demo and the harnesses are tools.
            { sourceTag: 'scope:exporter', onlyDependOnLibsWithTags: ['scope:runtime', 'scope:core', 'scope:aws', 'scope:jobs', 'scope:shared'], bannedExternalImports: cdk },
            // Tools are the outer ring: they may use every lib, nothing but the dashboard API depends on them.
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:tools', 'scope:shared', 'scope:core', 'scope:aws', 'scope:jobs', 'scope:runtime'], bannedExternalImports: cdk },
            // infra reads the job catalog and its types; the CDK packages are allowed here and only here.
            { sourceTag: 'scope:infra', onlyDependOnLibsWithTags: ['scope:jobs', 'scope:shared'], bannedExternalImports: ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*'] },
            // The dashboard's API: reads the bucket and the logs through libs/aws, the job catalog, the local stack for `npm start`.
            { sourceTag: 'scope:dashboard-api', onlyDependOnLibsWithTags: ['scope:shared', 'scope:aws', 'scope:jobs', 'scope:tools'], bannedExternalImports: ['mysql2', 'mysql2/*', 'pg', 'pg-*', ...cdk] },
            { sourceTag: 'scope:dashboard', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: [...nodeOnly, ...cdk] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
          ],
        },
      ],
    },
  },
  // The browser bundle: no Node built-ins (the module-boundary rule cannot see them).
  ...(uiRoots.length === 0
    ? []
    : [
        {
          files: uiRoots.flatMap((root) => [`${root}/**/*.ts`, `${root}/**/*.tsx`]),
          rules: {
            'no-restricted-imports': [
              'error',
              {
                paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins do not exist in the browser; the dashboard imports only @rds-s3-export/shared-types, react and zod.' })),
                patterns: [{ group: ['node:*'], message: 'Node built-ins do not exist in the browser.' }],
              },
            ],
          },
        },
      ]),
];
