import { describe, expect, it } from 'vitest';
import { TypedValueError } from '../errors.js';
import {
  booleanFromText,
  bytesFromCell,
  daysFromDateText,
  decimalBytes,
  floatingFromText,
  integerFromText,
  microsFromTimeText,
  microsFromTimestampText,
  typedValueConverter,
  unscaledDecimal,
} from './parquet-values.js';

/** Days since the epoch by the JS calendar, for years JS `Date.UTC` would not map to 19xx. */
function referenceDays(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() / 86_400_000;
}

describe('Function: integerFromText', () => {
  it('reads the full signed 64-bit range exactly, as bigint', () => {
    expect(integerFromText('-9223372036854775808', 64)).toBe(-9223372036854775808n);
    expect(integerFromText('9223372036854775807', 64)).toBe(9223372036854775807n);
    expect(integerFromText('9007199254740993', 64)).toBe(9007199254740993n); // 2^53 + 1: lost through a number
  });

  it('reads narrower integers as numbers, ZEROFILL and YEAR 0000 included', () => {
    expect(integerFromText('-2147483648', 32)).toBe(-2147483648);
    expect(integerFromText('00042', 32)).toBe(42);
    expect(integerFromText('0000', 16)).toBe(0);
    expect(integerFromText('-128', 8)).toBe(-128);
  });

  it.each([
    ['9223372036854775808', 64],
    ['-9223372036854775809', 64],
    ['2147483648', 32],
    ['128', 8],
    ['1.5', 32],
    ['', 32],
    ['0x10', 32],
    ['1e3', 64],
  ] as const)('refuses %j as a %i-bit integer', (text, bits) => {
    expect(() => integerFromText(text, bits as 64)).toThrow(TypedValueError);
  });
});

describe('Function: unscaledDecimal', () => {
  it('scales by the declared scale, padding short fractions', () => {
    expect(unscaledDecimal('12.34', 12, 2)).toBe(1234n);
    expect(unscaledDecimal('-0.05', 12, 2)).toBe(-5n);
    expect(unscaledDecimal('7', 12, 2)).toBe(700n);
    expect(unscaledDecimal('7.5', 12, 2)).toBe(750n);
    expect(unscaledDecimal('-0.00', 5, 2)).toBe(0n);
    expect(unscaledDecimal('.5', 5, 2)).toBe(50n);
  });

  it('reaches the extremes of DECIMAL(38,0), DECIMAL(38,38) and BIGINT UNSIGNED as DECIMAL(20,0)', () => {
    const nines = '9'.repeat(38);
    expect(unscaledDecimal(nines, 38, 0)).toBe(10n ** 38n - 1n);
    expect(unscaledDecimal(`-${nines}`, 38, 0)).toBe(-(10n ** 38n - 1n));
    expect(unscaledDecimal(`0.${nines}`, 38, 38)).toBe(10n ** 38n - 1n);
    expect(unscaledDecimal(`-0.${'0'.repeat(37)}1`, 38, 38)).toBe(-1n);
    expect(unscaledDecimal('18446744073709551615', 20, 0)).toBe(18446744073709551615n);
  });

  it.each([
    ['NaN', 10, 2, /finite decimal/],
    ['Infinity', 10, 2, /finite decimal/],
    ['', 10, 2, /finite decimal/],
    ['.', 10, 2, /finite decimal/],
    ['1e5', 10, 2, /finite decimal/],
    ['1.234', 10, 2, /more than 2 fraction digits/],
    ['123456789.00', 10, 2, /more than 10 digits/],
    ['1'.repeat(39), 38, 0, /more than 38 digits/],
  ] as const)('refuses %j for DECIMAL(%i,%i)', (text, precision, scale, message) => {
    expect(() => unscaledDecimal(text, precision, scale)).toThrow(message);
  });
});

describe('Function: decimalBytes', () => {
  it('writes big-endian two complement of the fixed length', () => {
    expect([...decimalBytes(1n, 2)]).toEqual([0, 1]);
    expect([...decimalBytes(-1n, 3)]).toEqual([255, 255, 255]);
    expect([...decimalBytes(-256n, 2)]).toEqual([255, 0]);
    expect([...decimalBytes(0n, 1)]).toEqual([0]);
  });

  it('holds ±(10^38 − 1) in 16 bytes and round-trips them', () => {
    const max = 10n ** 38n - 1n;
    for (const value of [max, -max]) {
      const bytes = decimalBytes(value, 16);
      const read = BigInt.asIntN(128, BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
      expect(read).toBe(value);
    }
    expect(Buffer.from(decimalBytes(max, 16)).toString('hex')).toBe('4b3b4ca85a86c47a098a223fffffffff');
  });

  it('refuses a value that does not fit', () => {
    expect(() => decimalBytes(128n, 1)).toThrow(TypedValueError);
    expect(() => decimalBytes(-129n, 1)).toThrow(TypedValueError);
  });
});

describe('Function: daysFromDateText', () => {
  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['2000-02-29', 11_016],
    ['9999-12-31', 2_932_896],
    ['1000-01-01', -354_285],
    ['0001-01-01', -719_162],
  ])('%s is day %i', (text, days) => {
    expect(daysFromDateText(text)).toBe(days);
  });

  it('agrees with the proleptic Gregorian calendar from year 1 to 9999 (every 97th day)', () => {
    for (let days = -719_162; days <= 2_932_896; days += 97) {
      const date = new Date(days * 86_400_000);
      const text = `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
      expect(daysFromDateText(text)).toBe(days);
    }
  });

  it('reads PostgreSQL BC dates and years past 9999', () => {
    expect(daysFromDateText('0001-12-31 BC')).toBe(referenceDays(0, 12, 31));
    expect(daysFromDateText('0044-03-15 BC')).toBe(referenceDays(-43, 3, 15));
    expect(daysFromDateText('4713-11-24 BC')).toBe(referenceDays(-4712, 11, 24));
    // PostgreSQL's last date: Julian day 2147483493 (DATETIME_END_JULIAN − 1) minus the epoch's 2440588.
    expect(daysFromDateText('5874897-12-31')).toBe(2_147_483_493 - 2_440_588);
  });

  it.each(['0000-00-00', '2023-02-29', '2023-13-01', '2023-04-31', 'infinity', '-infinity', '2023-1-1', ''])('refuses %j', (text) => {
    expect(() => daysFromDateText(text)).toThrow(TypedValueError);
  });
});

describe('Function: microsFromTimestampText', () => {
  it('counts microseconds exactly, before and after 1970', () => {
    expect(microsFromTimestampText('1970-01-01 00:00:00')).toBe(0n);
    expect(microsFromTimestampText('1970-01-01 00:00:00.000001')).toBe(1n);
    expect(microsFromTimestampText('1969-12-31 23:59:59.999999')).toBe(-1n);
    expect(microsFromTimestampText('2024-02-29 12:34:56.5')).toBe(1_709_210_096_500_000n);
    expect(microsFromTimestampText('2024-02-29 12:34:56.123')).toBe(1_709_210_096_123_000n);
    expect(microsFromTimestampText('9999-12-31 23:59:59.999999')).toBe(253_402_300_799_999_999n);
    expect(microsFromTimestampText('1000-01-01 00:00:00')).toBe(-30_610_224_000_000_000n);
  });

  it('accepts the iso8601 CSV form and PostgreSQL BC and far-future timestamps', () => {
    expect(microsFromTimestampText('2024-02-29T12:34:56.5Z')).toBe(1_709_210_096_500_000n);
    expect(microsFromTimestampText('4713-01-01 00:00:00 BC')).toBe(BigInt(referenceDays(-4712, 1, 1)) * 86_400_000_000n);
    expect(microsFromTimestampText('294276-12-31 23:59:59.999999')).toBe(9_224_318_015_999_999_999n);
  });

  it.each(['0000-00-00 00:00:00', 'infinity', '2024-01-01 24:00:00', '2024-01-01 12:00:60', '2024-01-01 12:00:00.1234567', '2024-01-01', '2024-01-01 12:00:00+02'])(
    'refuses %j',
    (text) => {
      expect(() => microsFromTimestampText(text)).toThrow(TypedValueError);
    },
  );
});

describe('Function: microsFromTimeText', () => {
  it('counts microseconds since midnight, PostgreSQL 24:00:00 included', () => {
    expect(microsFromTimeText('00:00:00')).toBe(0n);
    expect(microsFromTimeText('23:59:59.999999')).toBe(86_399_999_999n);
    expect(microsFromTimeText('12:00:00.000001')).toBe(43_200_000_001n);
    expect(microsFromTimeText('24:00:00')).toBe(86_400_000_000n);
  });

  it.each(['-838:59:59', '838:59:59', '24:00:00.000001', '25:00:00', '12:60:00', '12:00'])('refuses %j', (text) => {
    expect(() => microsFromTimeText(text)).toThrow(TypedValueError);
  });
});

describe('Function: floatingFromText', () => {
  it('reads the server text, NaN and the infinities included', () => {
    expect(floatingFromText('1e20', false)).toBe(1e20);
    expect(floatingFromText('-1.7976931348623157e308', false)).toBe(-Number.MAX_VALUE);
    expect(floatingFromText('NaN', false)).toBeNaN();
    expect(floatingFromText('Infinity', true)).toBe(Infinity);
    expect(floatingFromText('-Infinity', false)).toBe(-Infinity);
    expect(Object.is(floatingFromText('-0', false), -0)).toBe(true);
  });

  it('rounds FLOAT text to the single-precision value the server stored', () => {
    expect(floatingFromText('0.1', true)).toBe(Math.fround(0.1));
    expect(floatingFromText('3.40282e38', true)).toBe(Math.fround(3.40282e38));
  });

  it.each(['', ' 1', '0x10', 'inf', '1,5'])('refuses %j', (text) => {
    expect(() => floatingFromText(text, false)).toThrow(TypedValueError);
  });
});

describe('Function: booleanFromText', () => {
  it('reads true/false and t/f and nothing else', () => {
    expect(booleanFromText('true')).toBe(true);
    expect(booleanFromText('f')).toBe(false);
    expect(() => booleanFromText('1')).toThrow(TypedValueError);
  });
});

describe('Function: bytesFromCell', () => {
  it('decodes the CSV binary encodings and passes Buffers through', () => {
    expect([...bytesFromCell('00ff10', 'hex')]).toEqual([0, 255, 16]);
    expect([...bytesFromCell('AP8Q', 'base64')]).toEqual([0, 255, 16]);
    expect([...bytesFromCell('', 'base64')]).toEqual([]);
    const buffer = Buffer.from([1, 2]);
    expect(bytesFromCell(buffer, 'hex')).toBe(buffer);
  });

  it('refuses text that is not in the encoding (Buffer.from would silently drop it)', () => {
    expect(() => bytesFromCell('0g', 'hex')).toThrow(TypedValueError);
    expect(() => bytesFromCell('abc', 'hex')).toThrow(TypedValueError);
    expect(() => bytesFromCell('AP8', 'base64')).toThrow(TypedValueError);
  });
});

describe('Function: typedValueConverter', () => {
  it('gives each physical type its value kind and keeps NULL', () => {
    expect(typedValueConverter({ type: 'decimal', precision: 9, scale: 2 }, 'hex')('-1234567.89')).toBe(-123456789);
    expect(typedValueConverter({ type: 'decimal', precision: 18, scale: 0 }, 'hex')('999999999999999999')).toBe(999_999_999_999_999_999n);
    expect([...(typedValueConverter({ type: 'decimal', precision: 20, scale: 0 }, 'hex')('-1') as Uint8Array)]).toEqual(Array(9).fill(255));
    expect(typedValueConverter({ type: 'int', bits: 64 }, 'hex')('42')).toBe(42n);
    expect(typedValueConverter({ type: 'int', bits: 16 }, 'hex')('2024')).toBe(2024);
    expect(typedValueConverter({ type: 'timestamp', utc: true }, 'hex')('1970-01-01 00:00:01')).toBe(1_000_000n);
    expect(typedValueConverter({ type: 'string' }, 'hex')('')).toBe('');
    expect(typedValueConverter({ type: 'date' }, 'hex')(null)).toBeNull();
    expect([...(typedValueConverter({ type: 'binary' }, 'hex')('0a') as Uint8Array)]).toEqual([10]);
  });
});
