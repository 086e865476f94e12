import { describe, expect, it } from 'vitest';
import { CsvDialectSchema } from './csv-dialect.js';
import { formatIssues } from './job-config.js';

/** Parses and returns the formatted problem, as the config loader reports it. */
function problemOf(input: unknown): string {
  const result = CsvDialectSchema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return formatIssues(result.error, 'csv');
}

describe('Function: CsvDialectSchema', () => {
  it('defaults to RFC 4180: comma, LF, header, no BOM, no guard, base64, server timestamps, zero dates kept', () => {
    expect(CsvDialectSchema.parse({})).toEqual({
      delimiter: ',',
      recordDelimiter: 'lf',
      header: true,
      bom: false,
      formulaGuard: false,
      binaryEncoding: 'base64',
      timestampFormat: 'server',
      zeroDates: 'keep',
    });
  });

  it('keeps explicit choices', () => {
    // Prepare
    const input = {
      delimiter: '\t',
      recordDelimiter: 'crlf',
      header: false,
      bom: true,
      formulaGuard: true,
      binaryEncoding: 'hex',
      timestampFormat: 'iso8601',
      zeroDates: 'null',
    } as const;

    // Act / Assess
    expect(CsvDialectSchema.parse(input)).toEqual(input);
  });

  it.each([';', '|', '\t', "'", ' '])('accepts the one-character delimiter %j', (delimiter) => {
    expect(CsvDialectSchema.parse({ delimiter }).delimiter).toBe(delimiter);
  });

  it.each([
    [{ delimiter: ';;' }, 'csv.delimiter: delimiter must be exactly one character'],
    [{ delimiter: '' }, 'csv.delimiter: delimiter must be exactly one character'],
    // one code point but two UTF-16 units: the encoder compares single code units
    [{ delimiter: '😀' }, 'csv.delimiter: delimiter must be exactly one character'],
    [{ delimiter: '"' }, 'csv.delimiter: delimiter may not be a quote or a line break'],
    [{ delimiter: '\n' }, 'csv.delimiter: delimiter may not be a quote or a line break'],
    [{ delimiter: '\r' }, 'csv.delimiter: delimiter may not be a quote or a line break'],
  ])('refuses %j with a message naming the delimiter', (input, message) => {
    expect(problemOf(input)).toBe(message);
  });

  it.each([
    [{ recordDelimiter: 'cr' }, 'csv.recordDelimiter: '],
    [{ header: 'yes' }, 'csv.header: '],
    [{ binaryEncoding: 'base32' }, 'csv.binaryEncoding: '],
    [{ zeroDates: 'drop' }, 'csv.zeroDates: '],
  ])('refuses %j with a message naming the field', (input, start) => {
    expect(problemOf(input).startsWith(start)).toBe(true);
  });

  it('refuses unknown options instead of ignoring them', () => {
    expect(problemOf({ quote: "'" })).toContain('quote');
  });
});
