/**
 * PostgreSQL binary values against their text twins: a numeric's binary form (encoded here the
 * way numeric_send lays it out) gives back the server's text and the same unscaled value as the
 * text converter, on both sides of every fast-path bound; dates and timestamps give the same
 * days and microseconds as the text converters, ±infinity its text; a uuid and a time give the
 * text their output functions write.
 */
import { describe, expect, it } from 'vitest';
import { daysFromPgDate, fastMicrosFromPgTimestamp, fastUnscaledFromPgNumeric, microsFromPgTimestamp, numericText, PG_EPOCH_DAYS, PG_EPOCH_MICROS, TIME_TEXT_MAX_BYTES, UUID_TEXT_BYTES, writeTimeText, writeUuidText } from './pg-binary-values.js';
import { daysFromDateText, microsFromTimestampText, unscaledDecimal } from './parquet-values.js';
import { TypedValueError } from '../errors.js';

/** numeric_send of a numeric's text: base-10000 digits aligned on the point, no leading or trailing zero digits. */
function numericBinary(text: string): Buffer {
  const special = { NaN: 0xc000, Infinity: 0xd000, '-Infinity': 0xf000 }[text];
  if (special !== undefined) {
    const out = Buffer.alloc(8);
    out.writeUInt16BE(special, 4);
    return out;
  }
  const [, sign, whole = '', fraction = ''] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text) ?? [];
  const wholeGroups = Math.ceil(whole.length / 4);
  const padded = whole.padStart(4 * wholeGroups, '0') + fraction.padEnd(4 * Math.ceil(fraction.length / 4), '0');
  let digits = Array.from({ length: padded.length / 4 }, (_, i) => Number(padded.slice(4 * i, 4 * i + 4)));
  let weight = wholeGroups - 1;
  while (digits.length > 0 && digits[0] === 0) {
    digits = digits.slice(1);
    weight -= 1;
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits = digits.slice(0, -1);
  if (digits.length === 0) weight = 0;
  const out = Buffer.alloc(8 + 2 * digits.length);
  out.writeInt16BE(digits.length, 0);
  out.writeInt16BE(weight, 2);
  out.writeUInt16BE(sign === '-' && digits.length > 0 ? 0x4000 : 0, 4);
  out.writeInt16BE(fraction.length, 6);
  digits.forEach((d, i) => out.writeInt16BE(d, 8 + 2 * i));
  return out;
}

const NUMERICS: [string, number, number][] = [
  ['0', 9, 2], ['0.00', 9, 2], ['1.50', 9, 2], ['-1.50', 9, 2], ['9999999.99', 9, 2], ['-9999999.99', 9, 2],
  ['123456.78', 12, 2], ['10000', 12, 2], ['0.0001', 12, 4], ['-0.5000000000', 38, 10], ['12.3400', 18, 4],
  ['999999999999999', 15, 0], ['9007199254740991', 16, 0], ['9007199254740992', 16, 0], ['99999999999999999', 17, 0],
  ['9999999999999999999999999999.9999999999', 38, 10], ['-9999999999999999999999999999.9999999999', 38, 10],
  ['100000000000000000000', 38, 0], ['0.0000000001', 38, 10], ['12300', 5, 0], ['1200', 4, 0], ['0.00012', 3, 5],
  // More digits than the column allows, or more fraction digits: both routes refuse.
  ['12345.67', 6, 2], ['1.234', 9, 2], ['NaN', 9, 2], ['Infinity', 9, 2], ['-Infinity', 38, 10],
];

describe('numeric binary -> DECIMAL', () => {
  it.each(NUMERICS)('%s as DECIMAL(%i,%i): the server text back, and the text route\'s value or error', (text, precision, scale) => {
    const bytes = numericBinary(text);
    expect(numericText(bytes, 0, bytes.length)).toBe(text);
    let expected: bigint | string;
    try {
      expected = unscaledDecimal(text, precision, scale);
    } catch (error) {
      expect(error).toBeInstanceOf(TypedValueError);
      expected = 'error';
    }
    const fast = fastUnscaledFromPgNumeric(bytes, 0, bytes.length, precision, scale);
    if (expected === 'error') expect(fast).toBeNaN();
    else if (fast === fast) expect(BigInt(fast)).toBe(expected);
    else expect(Math.abs(Number(expected))).toBeGreaterThan(Number.MAX_SAFE_INTEGER / 10); // only large values leave the fast path
  });

  it('reads a numeric in the middle of a buffer, and refuses a cell its digits do not fill', () => {
    const bytes = Buffer.concat([Buffer.from([7, 7, 7]), numericBinary('-123456.78'), Buffer.from([9])]);
    expect(numericText(bytes, 3, bytes.length - 1)).toBe('-123456.78');
    expect(fastUnscaledFromPgNumeric(bytes, 3, bytes.length - 1, 12, 2)).toBe(-12345678);
    expect(() => numericText(bytes, 3, bytes.length)).toThrow(/do not fill the cell/);
  });
});

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value);
  return out;
}

function int64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(value);
  return out;
}

describe('date and timestamp binary', () => {
  it.each(['2000-01-01', '1970-01-01', '1969-12-31', '0001-01-01', '4713-01-01 BC', '9999-12-31', '5874897-12-31'])('date %s: the days the text gives', (text) => {
    const days = daysFromDateText(text);
    expect(daysFromPgDate(int32(days - PG_EPOCH_DAYS), 0)).toBe(days);
  });

  it('date ±infinity comes back as its text', () => {
    expect(daysFromPgDate(int32(0x7fffffff), 0)).toBe('infinity');
    expect(daysFromPgDate(int32(-0x80000000), 0)).toBe('-infinity');
  });

  it.each([
    '2000-01-01 00:00:00', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999', '2026-02-22 10:12:00.5', '1685-01-01 00:00:00',
    '2255-06-01 00:00:00', '0001-01-01 00:00:00', '4713-01-01 00:00:00 BC', '294246-12-31 23:59:59.999999',
  ])('timestamp %s: the microseconds the text gives, fast where a number is exact', (text) => {
    const micros = microsFromTimestampText(text);
    const bytes = int64(micros - BigInt(PG_EPOCH_MICROS));
    expect(microsFromPgTimestamp(bytes, 0)).toBe(micros);
    const fast = fastMicrosFromPgTimestamp(bytes, 0);
    if (fast === fast) expect(BigInt(fast)).toBe(micros);
    else expect(micros > BigInt(Number.MAX_SAFE_INTEGER) / 2n || micros < -BigInt(Number.MAX_SAFE_INTEGER) / 2n).toBe(true);
  });

  it('timestamp ±infinity comes back as its text; beyond 64-bit microseconds from 1970 as out-of-range', () => {
    expect(microsFromPgTimestamp(int64((1n << 63n) - 1n), 0)).toBe('infinity');
    expect(microsFromPgTimestamp(int64(-(1n << 63n)), 0)).toBe('-infinity');
    expect(fastMicrosFromPgTimestamp(int64((1n << 63n) - 1n), 0)).toBeNaN();
    // PostgreSQL's last timestamp, 294276-12-31 23:59:59.999999, is past 2^63 microseconds from 1970.
    expect(microsFromPgTimestamp(int64(9223371331199999999n), 0)).toBe('out-of-range');
  });
});

describe('uuid and time binary -> their text', () => {
  /**
   * Writes with `write` at an offset of 3 into a buffer with room for `size` bytes there, checks
   * that nothing outside that room was touched, and returns the text written and its length.
   */
  function written(write: (out: Uint8Array, o: number) => number, size: number): { text: string; end: number } {
    const out = Buffer.alloc(size + 6, 0x7e);
    const end = write(out, 3);
    expect(out[2]).toBe(0x7e);
    expect(out[3 + size]).toBe(0x7e);
    return { text: out.toString('latin1', 3, end), end: end - 3 };
  }

  it.each(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '01234567-89ab-cdef-0123-456789abcdef'])('uuid %s as uuid_out writes it', (text) => {
    // Prepare: the 16 bytes, in a cell in the middle of a buffer
    const cell = Buffer.concat([Buffer.from([9, 9]), Buffer.from(text.replaceAll('-', ''), 'hex'), Buffer.from([9])]);

    // Act
    const { text: out, end } = written((o, at) => writeUuidText(cell, 2, o, at), UUID_TEXT_BYTES);

    // Assess
    expect(out).toBe(text);
    expect(end).toBe(UUID_TEXT_BYTES);
  });

  it.each([
    [0, '00:00:00'],
    [1, '00:00:00.000001'],
    [500_000, '00:00:00.5'],
    [45_296_789_000, '12:34:56.789'],
    [45_296_000_010, '12:34:56.00001'],
    [3_723_000_000, '01:02:03'],
    [86_399_999_999, '23:59:59.999999'],
    [86_400_000_000, '24:00:00'],
  ])('time of %i microseconds: %s, as time_out writes it', (micros, text) => {
    const cell = int64(BigInt(micros));
    const { text: out, end } = written((o, at) => writeTimeText(cell, 0, o, at), TIME_TEXT_MAX_BYTES);
    expect(out).toBe(text);
    expect(end).toBeLessThanOrEqual(TIME_TEXT_MAX_BYTES);
  });

  it('refuses a time outside a day', () => {
    const out = Buffer.alloc(TIME_TEXT_MAX_BYTES);
    expect(() => writeTimeText(int64(86_400_000_001n), 0, out, 0)).toThrow(/86400000001 microseconds is outside a day/);
    expect(() => writeTimeText(int64(-1n), 0, out, 0)).toThrow(/-1 microseconds is outside a day/);
  });
});
