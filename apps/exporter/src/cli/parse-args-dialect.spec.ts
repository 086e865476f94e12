import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, USAGE } from './parse-args.js';
import { resolvePlan } from '@rds-s3-export/export-runtime';

const base = ['--source', 'mariadb://u@127.0.0.1:3306/db', '--table', 't', '--dest', 'file:///tmp/out'];

describe('Function: parseCliArgs (CSV dialect flags)', () => {
  it('turns every dialect flag into the field of a job csv', () => {
    const command = parseCliArgs([
      ...base,
      '--delimiter', ';', '--crlf', '--no-header', '--bom', '--formula-guard',
      '--binary-encoding', 'hex', '--timestamp-format', 'iso8601', '--zero-dates', 'null',
    ]);
    expect(command.csv).toEqual({ delimiter: ';', recordDelimiter: 'crlf', header: false, bom: true, formulaGuard: true, binaryEncoding: 'hex', timestampFormat: 'iso8601', zeroDates: 'null' });
    expect(parseCliArgs([...base, '--record-delimiter', 'crlf']).csv).toEqual({ recordDelimiter: 'crlf' });
    expect(parseCliArgs([...base, '--delimiter', 'tab']).csv).toEqual({ delimiter: '\t' });
    expect(parseCliArgs([...base, '--delimiter', '\\t']).csv).toEqual({ delimiter: '\t' });
    expect(parseCliArgs(base).csv).toBeUndefined();
  });

  it('refuses what the job schema refuses, naming the flag', () => {
    const refusal = (...args: string[]) => {
      try {
        parseCliArgs([...base, ...args]);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal('--delimiter', ';;')).toBe('--delimiter: delimiter must be exactly one character (got ";;")');
    expect(refusal('--delimiter', '"')).toBe('--delimiter: delimiter may not be a quote or a line break (got """)');
    expect(refusal('--zero-dates', 'maybe')).toMatch(/^--zero-dates: .*"keep".*\(got "maybe"\)$/);
    expect(refusal('--record-delimiter', 'cr')).toMatch(/^--record-delimiter: .*"crlf".*\(got "cr"\)$/);
    expect(refusal('--binary-encoding', 'base32')).toMatch(/^--binary-encoding: /);
    expect(refusal('--timestamp-format', 'unix')).toMatch(/^--timestamp-format: /);
    expect(refusal('--crlf', '--record-delimiter', 'lf')).toBe('--crlf conflicts with --record-delimiter lf');
  });

  it('reads --progress and --quiet, and refuses them together', () => {
    expect(parseCliArgs([...base, '--progress', 'json']).progress).toBe('json');
    expect(parseCliArgs([...base, '--quiet']).quiet).toBe(true);
    expect(() => parseCliArgs([...base, '--progress', 'bar'])).toThrow('--progress must be one of auto, tty, json, none (got "bar")');
    expect(() => parseCliArgs([...base, '--quiet', '--progress', 'tty'])).toThrow('--quiet turns progress off; drop --progress tty');
  });

  it('lists every dialect flag and the progress options in --help', () => {
    for (const flag of ['--delimiter', '--crlf', '--record-delimiter', '--no-header', '--bom', '--formula-guard', '--binary-encoding', '--timestamp-format', '--zero-dates', '--progress', '--quiet']) {
      expect(USAGE).toContain(`  ${flag}`);
    }
  });
});

describe('Function: resolvePlan (dialect)', () => {
  it('defaults to RFC 4180, and the flags win over the job csv field by field', () => {
    const plain = resolvePlan(parseCliArgs(base), {}, new Date('2026-02-22T00:00:00Z'));
    expect(plain.request.dialect).toMatchObject({ delimiter: ',', recordDelimiter: 'lf', header: true, bom: false });

    const dir = mkdtempSync(join(tmpdir(), 'cli-dialect-'));
    try {
      const file = join(dir, 'deploy.yaml');
      writeFileSync(
        file,
        ['connections:', '  shop: { engine: mariadb, url: "mariadb://u@127.0.0.1:3306/db" }', 'jobs:', '  - { name: a, connection: shop, table: t, csv: { delimiter: "|", bom: true } }', ''].join('\n'),
      );
      const command = parseCliArgs(['--config', file, '--job', 'a', '--dest', 'file:///tmp/out', '--delimiter', ';', '--crlf']);
      expect(resolvePlan(command, {}, new Date()).request.dialect).toMatchObject({ delimiter: ';', recordDelimiter: 'crlf', bom: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Function: resolvePlan (format)', () => {
  it('is csv by default, the job\'s format from the config, and --format wins over it', () => {
    expect(resolvePlan(parseCliArgs(base), {}, new Date()).request.format).toBe('csv');
    expect(resolvePlan(parseCliArgs([...base, '--format', 'parquet']), {}, new Date()).request.format).toBe('parquet');
    const dir = mkdtempSync(join(tmpdir(), 'cli-format-'));
    try {
      const file = join(dir, 'deploy.yaml');
      writeFileSync(
        file,
        ['connections:', '  shop: { engine: mariadb, url: "mariadb://u@127.0.0.1:3306/db" }', 'defaults: { format: parquet }', 'jobs:', '  - { name: a, connection: shop, table: t }', '  - { name: b, connection: shop, table: t, format: csv }', ''].join('\n'),
      );
      const plan = (...rest: string[]) => resolvePlan(parseCliArgs(['--config', file, '--dest', 'file:///tmp/out', ...rest]), {}, new Date()).request.format;
      expect(plan('--job', 'a')).toBe('parquet');
      expect(plan('--job', 'b')).toBe('csv');
      expect(plan('--job', 'a', '--format', 'csv')).toBe('csv');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
