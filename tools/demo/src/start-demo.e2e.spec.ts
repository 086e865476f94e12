/**
 * `npm start`'s job, minus the waiting: embedded S3 and PostgreSQL, the catalog's employees
 * export, and the lines that tell a newcomer where the CSV is. Asserts on the real object.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@rds-s3-export/export-core/testing';
import { startDemo } from './start-demo.js';

let workDir: string;
let stop: (() => Promise<void>) | undefined;

afterAll(async () => {
  await stop?.();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('Function: startDemo', () => {
  it('exports the sample employees table into the local bucket and says where it is', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'demo-'));
    const lines: string[] = [];
    const demo = await startDemo({ workDir, s3Port: 0, dynamoPort: 0, log: (line) => lines.push(line) });
    stop = demo.stop;

    expect(demo.summary).toMatchObject({ status: 'committed', mode: 'incremental', rows: 10_000 });
    const { header, rows } = parseCsv(await readFile(demo.file!, 'utf8'));
    expect(header).toEqual(['id', 'first_name', 'last_name', 'email', 'department', 'salary', 'hired_on', 'updated_at', 'active', 'notes']);
    expect(rows).toHaveLength(10_000);
    const key = demo.summary.keys[0]!;
    expect(key).toMatch(/^rds_exports\/employees\/dt=\d{4}-\d{2}-\d{2}\/employees_\d{8}_\d{6}\.csv$/);
    const output = lines.join('\n');
    expect(output).toContain(`object:   s3://rds-exports-local/${key}`);
    expect(output).toContain(`on disk:  ${demo.file}`);
    expect(output).toContain('exported 10,000 rows');
    // The run was logged as JSON lines for the dashboard, with its summary.
    const log = (await readFile(join(workDir, 'logs', 'exporter.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.find((l) => l.message === 'run summary')).toMatchObject({ status: 'committed', rows: 10_000, runId: demo.summary.runId });
  }, 120_000);
});
