// Proves that the workspace's real ESLint config (eslint.config.mjs) enforces the
// dependency rules (docs/architecture.md) through `@nx/enforce-module-boundaries`: each case lints
// a small probe file "placed" inside a project (the path does not need to exist on disk;
// the rule maps the path to a project through the Nx project graph) and asserts on the
// rule id and the message. The allowed cases are the controls that keep the rule from
// passing by banning everything; the forbidden cases fail if the rule is off or loosened.
//
// Limits worth knowing:
// - The rule reads Nx's *cached* project graph and silently skips (one stdout warning)
//   when there is none, as in a fresh clone before any `nx` command ran. So the graph is
//   computed here first, in-process and without the daemon.
// - `bannedExternalImports` only sees npm packages that are nodes of the project graph,
//   i.e. present in package-lock.json. A banned package that is not installed cannot be
//   imported anyway, but its ban cannot be shown either (aws-cdk-lib is locked since the infra
//   project arrived, so its ban is tested below).
// - Node built-ins (`node:fs`, ...) are never graph nodes, so a ban on them in
//   `bannedExternalImports` has no effect.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProjectGraphAsync, type ProjectGraph } from '@nx/devkit';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const RULE = '@nx/enforce-module-boundaries';
const ERROR = 2;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const libs = ['shared-types', 'export-core', 'aws', 'jobs', 'export-runtime'] as const;
type Lib = (typeof libs)[number];

/** A path inside a lib's source folder; the file itself does not exist. */
const probePath = (lib: Lib): string => path.join(repoRoot, 'libs', lib, 'src', 'boundary-probe.ts');

/** Source of a probe file that imports one binding from `specifier` and uses it. */
const importing = (specifier: string): string => `import { probe } from '${specifier}';\n\nexport const used = probe;\n`;

let eslint: ESLint;
let graph: ProjectGraph;

beforeAll(async () => {
  // Prepare: a fresh project graph on disk for the rule to read (see the header).
  process.env.NX_DAEMON = 'false';
  graph = await createProjectGraphAsync({ exitOnError: false });
  eslint = new ESLint({ cwd: repoRoot });
});

/** Lints `code` as if it were the file at `filePath` and returns every message. */
async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const results = await eslint.lintText(code, { filePath, warnIgnored: true });
  expect(results).toHaveLength(1);
  const messages = results[0]?.messages ?? [];
  // A parse error or an "ignored file" warning would make every expectation below moot.
  expect(messages.filter((m) => m.fatal === true || m.ruleId === null)).toEqual([]);
  return messages;
}

async function boundaryMessages(lib: Lib, specifier: string): Promise<Linter.LintMessage[]> {
  const messages = await lint(probePath(lib), importing(specifier));
  return messages.filter((m) => m.ruleId === RULE);
}

/**
 * Import names of the workspace projects whose tags pass `accept` and that do not depend,
 * even transitively, on `lib`: importing one of them from `lib` cannot close a cycle, which
 * the rule reports before it looks at tags.
 */
function acyclicImportTargets(lib: Lib, accept: (tags: readonly string[]) => boolean): string[] {
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (graph.dependencies[from] ?? []).some((d) => graph.nodes[d.target] !== undefined && reaches(d.target, to, seen));
  };
  return Object.values(graph.nodes)
    .filter((n) => n.type === 'lib' && n.name !== lib && accept(n.data.tags ?? []) && !reaches(n.name, lib))
    .flatMap((n) => {
      // Only a package with `exports` resolves by name without node_modules links.
      const js = n.data.metadata?.js;
      return js?.packageName !== undefined && js.packageExports !== undefined ? [js.packageName] : [];
    });
}

describe('Rule: @nx/enforce-module-boundaries in eslint.config.mjs', () => {
  it('knows every lib of docs/architecture.md as a tagged project of the graph', () => {
    for (const lib of libs) {
      const node = graph.nodes[lib];
      expect(node, `project ${lib} is missing from the Nx graph`).toBeDefined();
      expect(node?.data.root).toBe(`libs/${lib}`);
      expect(node?.data.tags ?? []).toContain('type:lib');
    }
  });

  it('is on, as an error, for source files of the libs', async () => {
    for (const lib of libs) {
      const config = (await eslint.calculateConfigForFile(probePath(lib))) as Linter.Config;
      const setting = config.rules?.[RULE];
      const severity = Array.isArray(setting) ? setting[0] : setting;
      expect([ERROR, 'error'], `${RULE} severity for libs/${lib}`).toContain(severity);
    }
  });

  describe('allowed imports (controls: the rule does not simply ban everything)', () => {
    it.each([
      ['export-core', '@rds-s3-export/shared-types'],
      ['aws', '@rds-s3-export/shared-types'],
      ['jobs', '@rds-s3-export/shared-types'],
      ['export-core', 'mysql2'],
      ['export-core', 'pg'],
      ['aws', '@aws-sdk/client-s3'],
      ['export-runtime', '@rds-s3-export/export-core'],
      ['export-runtime', '@rds-s3-export/aws'],
      ['export-runtime', '@rds-s3-export/jobs'],
      ['export-runtime', '@aws-sdk/client-s3'],
    ] as const)('libs/%s may import %s', async (lib, specifier) => {
      // Act
      const messages = await boundaryMessages(lib, specifier);

      // Assess
      expect(messages).toEqual([]);
    });
  });

  describe('forbidden imports', () => {
    it.each([
      // [source lib, import, message fragment]
      ['export-core', '@aws-sdk/client-s3', 'A project tagged with "scope:core" is not allowed to import "@aws-sdk/client-s3"'],
      ['aws', '@rds-s3-export/export-core', 'A project tagged with "scope:aws" can only depend on libs tagged with'],
      ['jobs', 'mysql2', 'A project tagged with "scope:jobs" is not allowed to import "mysql2"'],
      ['jobs', 'pg', 'A project tagged with "scope:jobs" is not allowed to import "pg"'],
      ['shared-types', '@aws-sdk/client-s3', 'A project tagged with "scope:shared" is not allowed to import "@aws-sdk/client-s3"'],
      ['aws', 'mysql2', 'A project tagged with "scope:aws" is not allowed to import "mysql2"'],
    ] as const)('libs/%s importing %s is an error', async (lib, specifier, fragment) => {
      // Act
      const messages = await boundaryMessages(lib, specifier);

      // Assess
      expect(messages).toHaveLength(1);
      expect(messages[0]?.severity).toBe(ERROR);
      expect(messages[0]?.message).toContain(fragment);
    });

    it('libs/shared-types importing a non-shared project is an error for its tags', async () => {
      // Prepare: every other lib with a package entry. Since the local stand-ins moved into
      // aws/testing, every one of them depends on shared-types, so the rule may meet the cycle
      // before the tags; a project free of such a path must get the tag message itself.
      const acyclic = new Set(acyclicImportTargets('shared-types', (tags) => !tags.includes('scope:shared')));
      const all = Object.values(graph.nodes)
        .filter((n) => n.type === 'lib' && !(n.data.tags ?? []).includes('scope:shared'))
        .flatMap((n) => (n.data.metadata?.js?.packageExports !== undefined && n.data.metadata.js.packageName !== undefined ? [n.data.metadata.js.packageName] : []));
      expect(all, 'no workspace lib outside scope:shared has a package entry').not.toEqual([]);

      for (const target of all) {
        // Act
        const messages = await boundaryMessages('shared-types', target);

        // Assess
        expect(messages, target).toHaveLength(1);
        expect(messages[0]?.severity).toBe(ERROR);
        if (acyclic.has(target)) expect(messages[0]?.message).toBe('A project tagged with "scope:shared" can only depend on libs tagged with "scope:shared"');
        else expect(messages[0]?.message).toMatch(/^(A project tagged with "scope:shared" can only depend on libs tagged with "scope:shared"|Circular dependency between "shared-types" and )/);
      }
    });

    it('libs/jobs importing an app is an error', async () => {
      // The exporter depends on jobs, so the rule may meet the cycle before the app check.
      const messages = await boundaryMessages('jobs', '@rds-s3-export/exporter');

      expect(messages).toHaveLength(1);
      expect(messages[0]?.severity).toBe(ERROR);
      expect(messages[0]?.message).toMatch(/^(Imports of apps are forbidden|Circular dependency between "jobs" and "exporter")/);
    });

    it('libs/shared-types importing @rds-s3-export/export-core is an error', async () => {
      // export-core depends on shared-types, so the rule meets the cycle before the tags;
      // either message is a boundary error, which is the point.
      const messages = await boundaryMessages('shared-types', '@rds-s3-export/export-core');

      expect(messages).toHaveLength(1);
      expect(messages[0]?.severity).toBe(ERROR);
      expect(messages[0]?.message).toMatch(
        /^(Circular dependency between "shared-types" and "export-core"|A project tagged with "scope:shared" can only depend on libs tagged with "scope:shared")/,
      );
    });

    it('reports the aws lib reaching into the core with the tags it may depend on', async () => {
      const [message] = await boundaryMessages('aws', '@rds-s3-export/export-core');

      expect(message?.message).toContain('"scope:shared"');
      expect(message?.message).not.toContain('"scope:core"');
    });
  });

  describe('no library or entry point depends on a tool (the tools are the outer ring)', () => {
    // local-stack depends on aws and export-core, so the rule may meet the cycle before the tags;
    // either message is a boundary error, which is the point.
    it.each([
      ['libs/export-core', '@rds-s3-export/local-stack', 'scope:core'],
      ['libs/aws', '@rds-s3-export/local-stack', 'scope:aws'],
      ['libs/export-runtime', '@rds-s3-export/local-stack', 'scope:runtime'],
      ['libs/export-runtime', '@rds-s3-export/demo', 'scope:runtime'],
      ['apps/exporter', '@rds-s3-export/local-stack', 'scope:exporter'],
      ['apps/exporter', '@rds-s3-export/demo', 'scope:exporter'],
    ] as const)('%s importing %s is an error', async (root, specifier, tag) => {
      const messages = (await lint(path.join(repoRoot, root, 'src', 'boundary-probe.ts'), importing(specifier))).filter((m) => m.ruleId === RULE);

      expect(messages).toHaveLength(1);
      expect(messages[0]?.severity).toBe(ERROR);
      expect(messages[0]?.message).toMatch(new RegExp(`^(A project tagged with "${tag}" can only depend on libs tagged with|Circular dependency between)`));
    });

    it('apps/exporter may import the runtime wiring (control)', async () => {
      const messages = (await lint(path.join(repoRoot, 'apps/exporter/src/boundary-probe.ts'), importing('@rds-s3-export/export-runtime'))).filter((m) => m.ruleId === RULE);

      expect(messages).toEqual([]);
    });
  });

  describe('aws-cdk-lib outside infra', () => {
    it.each(libs)('libs/%s importing aws-cdk-lib is an error', async (lib) => {
      const messages = await boundaryMessages(lib, 'aws-cdk-lib');

      expect(messages).toHaveLength(1);
      expect(messages[0]?.severity).toBe(ERROR);
      expect(messages[0]?.message).toMatch(/^A project tagged with "[^"]+" is not allowed to import "aws-cdk-lib"$/);
    });
  });
});
