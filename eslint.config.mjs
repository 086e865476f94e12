// Flat ESLint config for the whole workspace. The interesting part is the module
// boundary rule: tags in each project.json decide who may import whom, and which
// npm packages a kind of project may never pull in (no AWS SDK in the core or the
// browser, no CDK outside infra). `tools/lint-rules/src/module-boundaries.spec.ts` proves it bites.
// Lint through nx (`npm run lint`, `nx affected -t lint`): the rule needs the project graph
// that nx computes, and a bare `eslint` in a fresh clone would skip it with a warning.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const cdk = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];
// Node built-ins are not graph nodes, so they cannot be banned here; the dashboard gets a
// no-restricted-imports rule for them when it lands.
const nodeOnly = ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*'];

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
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tools'], bannedExternalImports: ['@aws-sdk/*', ...cdk] },
            { sourceTag: 'scope:aws', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tools'], bannedExternalImports: ['mysql2', 'mysql2/*', 'pg', 'pg-*', ...cdk] },
            { sourceTag: 'scope:jobs', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*', ...cdk] },
            { sourceTag: 'scope:exporter', onlyDependOnLibsWithTags: ['scope:core', 'scope:aws', 'scope:jobs', 'scope:shared', 'scope:tools'], bannedExternalImports: cdk },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:tools', 'scope:shared', 'scope:core'] , bannedExternalImports: cdk },
            // infra reads the job catalog and its types; the CDK packages are allowed here and only here.
            { sourceTag: 'scope:infra', onlyDependOnLibsWithTags: ['scope:jobs', 'scope:shared'], bannedExternalImports: ['@aws-sdk/*', 'mysql2', 'mysql2/*', 'pg', 'pg-*'] },
            { sourceTag: 'type:ui', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: [...nodeOnly, ...cdk] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
          ],
        },
      ],
    },
  },
];
