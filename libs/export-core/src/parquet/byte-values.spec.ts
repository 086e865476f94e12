/**
 * The byte fast paths against their string twins (parquet-values.ts): on every text, at and
 * beyond the bounds (15 digits, 2^53 microseconds, calendar limits), the same number or NaN,
 * wherever the cell sits in the buffer.
 */
import { describe, expect, it } from 'vitest';
import { fastDays, fastInteger, fastTimeMicros, fastTimestampMicros, fastUnscaledDecimal } from './parquet-values.js';
import { fastDaysBytes, fastIntegerBytes, fastTimeMicrosBytes, fastTimestampMicrosBytes, fastUnscaledDecimalBytes } from './byte-values.js';

/** The text inside a larger buffer, as a cell of a row packet is. */
function cell(text: string): [Buffer, number, number] {
  const bytes = Buffer.concat([Buffer.from('9:-'), Buffer.from(text, 'latin1'), Buffer.from('7.0')]);
  return [bytes, 3, 3 + Buffer.byteLength(text, 'latin1')];
}

const INTEGERS = ['0', '-0', '+7', '00042', '', '-', '+', '999999999999999', '-999999999999999', '1000000000000000', '12a', '1e3', ' 1', '١'];
const DECIMALS = ['12.34', '-0.05', '7', '.5', '5.', '.', '', '-', '1.2.3', '9999999999.99', '99999999999999.9', '123456789012345', '1234567890123456', '1.234', 'NaN', '--1'];
const DATES = ['1970-01-01', '0000-00-00', '2026-02-29', '2024-02-29', '9999-12-31', '0001-01-01', '2026-13-01', '2026-1-01', '12345-01-01', '0044-03-15 BC', 'infinity', '2026-01-0a'];
const TIMES = ['00:00:00', '23:59:59.999999', '12:00:00.5', '24:00:00', '12:60:00', '12:00:00.1234567', '12:00:00.', '12:00', '-838:59:59', '838:59:59'];
const TIMESTAMPS = [
  '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999', '2026-01-01T12:34:56.123456Z', '2026-01-01T12:34:56', '1685-06-01 00:00:00.000001',
  '1684-01-01 00:00:00.000001', '2255-12-31 23:59:59.999999', '2256-01-01 00:00:00.000001', '0000-00-00 00:00:00', '2026-01-01 24:00:00',
  '2026-01-01 12:00', '2026-01-01X12:00:00', '0001-01-01 00:00:00 BC',
];

describe('byte fast paths', () => {
  it.each(INTEGERS)('fastIntegerBytes(%j) is fastInteger', (text) => {
    expect(fastIntegerBytes(...cell(text))).toBe(fastInteger(text));
  });

  it.each(DECIMALS)('fastUnscaledDecimalBytes(%j) is fastUnscaledDecimal at several precisions and scales', (text) => {
    for (const [precision, scale] of [[12, 2], [6, 2], [18, 4], [38, 10], [5, 5], [15, 0], [14, 0]] as const) {
      const [bytes, start, end] = cell(text);
      expect(fastUnscaledDecimalBytes(bytes, start, end, precision, scale), `${precision},${scale}`).toBe(fastUnscaledDecimal(text, precision, scale));
    }
  });

  it.each(DATES)('fastDaysBytes(%j) is fastDays', (text) => {
    expect(fastDaysBytes(...cell(text))).toBe(fastDays(text));
  });

  it.each(TIMES)('fastTimeMicrosBytes(%j) is fastTimeMicros', (text) => {
    expect(fastTimeMicrosBytes(...cell(text))).toBe(fastTimeMicros(text));
  });

  it.each(TIMESTAMPS)('fastTimestampMicrosBytes(%j) is fastTimestampMicros', (text) => {
    expect(fastTimestampMicrosBytes(...cell(text))).toBe(fastTimestampMicros(text));
  });
});
