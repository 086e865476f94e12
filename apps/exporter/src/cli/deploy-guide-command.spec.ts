/**
 * docs/deploy-guide.md section 4 tells a platform engineer to run a job of the config file from
 * their machine (`npm run -s export -- --config rds-s3-export.yaml --job orders --source …
 * --password-stdin --dest file://…`). Offline, the command as printed in the guide is parsed by
 * the CLI and resolved against the guide's own config: what it would connect to, with which TLS,
 * and what it would export.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD_ENV, resolvePlan } from '@rds-s3-export/export-runtime';
import { parseCliArgs } from './parse-args.js';

const guide = readFileSync(resolve(import.meta.dirname, '../../../../docs/deploy-guide.md'), 'utf8');
const blocks = [...guide.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
const work = mkdtempSync(join(tmpdir(), 'guide-command-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The arguments after `npm run -s export --` in the guide (continuation lines joined; the guide quotes none of them). */
function guideExportArguments(): string[] {
  const commands = blocks.filter((b) => b.lang === 'bash').map((b) => b.text.replace(/\\\n\s*/g, ' ')).flatMap((text) => text.split('\n')).filter((line) => line.includes('npm run -s export -- '));
  expect(commands).toHaveLength(1);
  return commands[0]!.slice(commands[0]!.indexOf('npm run -s export -- ') + 'npm run -s export -- '.length).trim().split(/\s+/);
}

describe('docs/deploy-guide.md: the local run of a job of the config file', () => {
  it('is a command the CLI accepts, and resolves against the guide\'s config: its table and columns, the given source with the connection\'s TLS, the local folder', () => {
    const args = guideExportArguments().map((arg) => arg.replace('<instance>.<id>.eu-west-1.rds.amazonaws.com', 'shop-db.abc123.eu-west-1.rds.amazonaws.com'));
    writeFileSync(join(work, 'rds-s3-export.yaml'), blocks.find((b) => b.lang === 'yaml')!.text);

    const command = parseCliArgs(args);
    expect(command).toMatchObject({ configFile: 'rds-s3-export.yaml', configJob: 'orders', passwordStdin: true });
    // The CLI reads the password from stdin into this variable's place before resolving the plan.
    const plan = resolvePlan(command, { [PASSWORD_ENV]: 'from-stdin' }, new Date('2026-03-01T10:15:00Z'), work);

    expect(plan.connection).toMatchObject({ engine: 'mariadb', host: 'shop-db.abc123.eu-west-1.rds.amazonaws.com', port: 3306, user: 'rds_s3_export', database: 'shop', password: 'from-stdin' });
    // tls: verify-full of the connection applies to the local run too (the guide says so).
    expect(plan.connection.tls).toMatchObject({ rejectUnauthorized: true });
    expect(plan.destination).toMatchObject({ kind: 'file' });
    expect(plan.request).toMatchObject({ job: 'orders', table: 'orders', columns: ['id', 'customer_id', 'total', 'status', 'updated_at'] });
    expect(plan.secrets).toContain('from-stdin');
  });
});
