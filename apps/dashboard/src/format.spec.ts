import { describe, expect, it } from 'vitest';
import { formatCursorValue } from './format.js';

describe('Function: formatCursorValue', () => {
  it('shows database timestamps in UTC with every digit of the fraction', () => {
    expect(formatCursorValue('2026-01-08 01:25:39.062093+00')).toBe('2026-01-08 01:25:39.062093 UTC');
    expect(formatCursorValue('2026-01-08T01:25:39Z')).toBe('2026-01-08 01:25:39 UTC');
    expect(formatCursorValue('2026-01-08 01:25:39.5+00:00')).toBe('2026-01-08 01:25:39.5 UTC');
    expect(formatCursorValue('2026-01-08 03:25:39.062093+02')).toBe('2026-01-08 01:25:39.062093 UTC');
    expect(formatCursorValue('2026-01-07 20:55:39-0430')).toBe('2026-01-08 01:25:39 UTC');
  });

  it('leaves timestamps without a zone (MySQL DATETIME, already UTC by the exporter) and other values alone', () => {
    expect(formatCursorValue('2026-02-22 10:14:30')).toBe('2026-02-22 10:14:30');
    expect(formatCursorValue('10000')).toBe('10000');
    expect(formatCursorValue('-9223372036854775808')).toBe('-9223372036854775808');
    expect(formatCursorValue('not 2026-01-08 01:25:39+00')).toBe('not 2026-01-08 01:25:39+00');
  });
});
