// Every relative link in the repository's Markdown points at a file of the repository: a clone
// has nothing outside it (a README once linked a design document in a sibling folder that no clone has).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SKIP = new Set(['node_modules', '.git', '.nx', 'dist', 'cdk.out', 'test-output', '.local-stack']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

describe('Markdown links', () => {
  const files = markdownFiles(repoRoot);

  it('finds the documents (README, docs/architecture.md)', () => {
    expect(files).toEqual(expect.arrayContaining([path.join(repoRoot, 'README.md'), path.join(repoRoot, 'docs/architecture.md')]));
  });

  it('every relative link resolves to a file inside the repository', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const resolved = path.resolve(path.dirname(file), decodeURIComponent(target.split('#')[0] ?? ''));
        const inside = resolved === repoRoot || resolved.startsWith(`${repoRoot}${path.sep}`);
        if (!inside || !existsSync(resolved)) broken.push(`${path.relative(repoRoot, file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
