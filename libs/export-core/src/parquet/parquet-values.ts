/**
 * Exact conversions from the server's text (the cells the sources stream, as in CSV) to the
 * values of typed Parquet columns. Integers, decimals and microsecond timestamps go through
 * BigInt, never through a JS number where a digit could be lost; dates use integer calendar
 * arithmetic, never `Date` (no time zone, no 1970..2038 assumptions, BC and year > 9999 work).
 * A text with no typed value (NaN in a NUMERIC(p,s), `infinity`, MySQL's zero date) throws
 * TypedValueError rather than becoming a different value.
 */
import type { TypedColumn } from '@rds-s3-export/shared-types';
import { TypedValueError } from '../errors.js';
import { decimalByteLength } from './parquet-types.js';

const MICROS_PER_SECOND = 1_000_000n;
const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
// Space (server text) or T…Z (csv.timestampFormat iso8601); PostgreSQL appends ` BC`.
const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?( BC)?$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const FLOATING = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]?Infinity)$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A signed integer of `bits` bits; a bigint for 64 bits, a number (exact) below. */
export function integerFromText(text: string, bits: 8 | 16 | 32): number;
export function integerFromText(text: string, bits: 64): bigint;
export function integerFromText(text: string, bits: 8 | 16 | 32 | 64): number | bigint {
  if (!INTEGER.test(text)) throw new TypedValueError(`an integer column holds text that is not an integer`);
  const value = BigInt(text);
  const limit = 1n << BigInt(bits - 1);
  if (value < -limit || value >= limit) throw new TypedValueError(`an integer is out of the range of a signed ${bits}-bit integer`);
  return bits === 64 ? value : Number(value);
}

/**
 * The unscaled integer of a DECIMAL(precision, scale) value: `-12.5` at scale 2 is -1250n.
 * A fraction longer than the scale would need rounding, so it throws.
 */
export function unscaledDecimal(text: string, precision: number, scale: number): bigint {
  const parts = DECIMAL.exec(text);
  const [, sign = '', whole = '', fraction = ''] = parts ?? [];
  if (!parts || whole.length + fraction.length === 0) {
    throw new TypedValueError(`a decimal column holds text that is not a finite decimal number (NaN and infinity have no Parquet DECIMAL value)`);
  }
  if (fraction.length > scale) throw new TypedValueError(`a decimal has more than ${scale} fraction digits`);
  const digits = (whole + fraction.padEnd(scale, '0')).replace(/^0+/, '');
  if (digits.length > precision) throw new TypedValueError(`a decimal has more than ${precision} digits`);
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return sign === '-' ? -unscaled : unscaled;
}

/** Big-endian two's complement in `byteLength` bytes (the FIXED_LEN_BYTE_ARRAY decimal encoding). */
export function decimalBytes(unscaled: bigint, byteLength: number): Uint8Array {
  const bits = BigInt(8 * byteLength);
  const limit = 1n << (bits - 1n);
  if (unscaled < -limit || unscaled >= limit) throw new TypedValueError(`a decimal does not fit ${byteLength} bytes`);
  let rest = unscaled < 0n ? (1n << bits) + unscaled : unscaled;
  const out = new Uint8Array(byteLength);
  for (let i = byteLength - 1; i >= 0; i -= 1) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Days since 1970-01-01 of `YYYY-MM-DD` (proleptic Gregorian; PostgreSQL's ` BC` suffix: 0001 BC is year 0). */
export function daysFromDateText(text: string): number {
  const parts = DATE.exec(text);
  if (!parts) throw new TypedValueError(`a date column holds text that is not a finite date (infinity has no Parquet DATE value)`);
  return civilDays(parts[1] as string, parts[2] as string, parts[3] as string, parts[4] !== undefined);
}

/** Microseconds since 1970-01-01 00:00:00 of `YYYY-MM-DD HH:MM:SS[.ffffff]` (also `T…Z`, ` BC`). */
export function microsFromTimestampText(text: string): bigint {
  const parts = TIMESTAMP.exec(text);
  if (!parts) throw new TypedValueError(`a timestamp column holds text that is not a finite timestamp (infinity has no Parquet TIMESTAMP value)`);
  const days = civilDays(parts[1] as string, parts[2] as string, parts[3] as string, parts[8] !== undefined);
  const time = timeOfDayMicros(parts[4] as string, parts[5] as string, parts[6] as string, parts[7], false);
  return BigInt(days) * MICROS_PER_DAY + time;
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]`; PostgreSQL's `24:00:00` is the end of the day. */
export function microsFromTimeText(text: string): bigint {
  const parts = TIME.exec(text);
  if (!parts) throw new TypedValueError(`a time column holds text that is not a time of day`);
  return timeOfDayMicros(parts[1] as string, parts[2] as string, parts[3] as string, parts[4], true);
}

/** IEEE value of the server's float text (`1e20`, `-0`, `NaN`, `-Infinity`); FLOAT rounds to single precision, as the server stored it. */
export function floatingFromText(text: string, single: boolean): number {
  if (!FLOATING.test(text)) throw new TypedValueError(`a floating-point column holds text that is not a number`);
  const value = Number(text);
  return single ? Math.fround(value) : value;
}

/** `true`/`false` (PostgreSQL boolean::text), also `t`/`f`. */
export function booleanFromText(text: string): boolean {
  if (text === 'true' || text === 't') return true;
  if (text === 'false' || text === 'f') return false;
  throw new TypedValueError(`a boolean column holds text that is not true or false`);
}

/** The bytes of a binary cell: a Buffer as the driver gave it, or the CSV encoding of it (`csv.binaryEncoding`). */
export function bytesFromCell(cell: string | Uint8Array, encoding: 'base64' | 'hex'): Uint8Array {
  if (typeof cell !== 'string') return cell;
  if (!(encoding === 'hex' ? HEX : BASE64).test(cell)) throw new TypedValueError(`a binary column holds text that is not ${encoding}`);
  return Buffer.from(cell, encoding);
}

export type TypedValue = number | bigint | boolean | string | Uint8Array;

/**
 * The per-cell converter of a typed column, to the value the Parquet physical type stores
 * (parquetColumnType): INT32 → number, INT64 → bigint, FIXED_LEN_BYTE_ARRAY → bytes. NULL
 * stays null; a string column keeps the server's text as is.
 */
export function typedValueConverter(column: TypedColumn, binaryEncoding: 'base64' | 'hex'): (cell: string | number | Uint8Array | null) => TypedValue | null {
  const text = (convert: (s: string) => TypedValue) => (cell: string | number | Uint8Array | null) =>
    cell === null ? null : convert(typeof cell === 'string' ? cell : String(cell));
  switch (column.type) {
    case 'int': {
      const bits = column.bits;
      return bits === 64 ? text((s) => integerFromText(s, 64)) : text((s) => integerFromText(s, bits));
    }
    case 'decimal': {
      const { precision, scale } = column;
      if (precision <= 9) return text((s) => Number(unscaledDecimal(s, precision, scale)));
      if (precision <= 18) return text((s) => unscaledDecimal(s, precision, scale));
      const length = decimalByteLength(precision);
      return text((s) => decimalBytes(unscaledDecimal(s, precision, scale), length));
    }
    case 'float': return text((s) => floatingFromText(s, true));
    case 'double': return text((s) => floatingFromText(s, false));
    case 'date': return text(daysFromDateText);
    case 'time': return text(microsFromTimeText);
    case 'timestamp': return text(microsFromTimestampText);
    case 'boolean': return text(booleanFromText);
    case 'binary': return (cell) => (cell === null ? null : bytesFromCell(typeof cell === 'number' ? String(cell) : cell, binaryEncoding));
    case 'string': return text((s) => s);
  }
}

function civilDays(yearText: string, monthText: string, dayText: string, bc: boolean): number {
  return civilDaysOf(bc ? 1 - Number(yearText) : Number(yearText), Number(monthText), Number(dayText));
}

export function civilDaysOf(year: number, month: number, day: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new TypedValueError(`a date is not a calendar date (MySQL's zero date 0000-00-00 has no Parquet value)`);
  }
  // Howard Hinnant's days_from_civil: exact integer arithmetic on the proleptic Gregorian calendar.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function timeOfDayMicros(h: string, m: string, s: string, fraction: string | undefined, endOfDay: boolean): bigint {
  const hours = Number(h);
  const minutes = Number(m);
  const seconds = Number(s);
  const micros = BigInt((fraction ?? '').padEnd(6, '0'));
  const isEndOfDay = endOfDay && hours === 24 && minutes === 0 && seconds === 0 && micros === 0n;
  if (!isEndOfDay && (hours > 23 || minutes > 59 || seconds > 59)) throw new TypedValueError(`a time of day is out of range`);
  return BigInt(hours * 3600 + minutes * 60 + seconds) * MICROS_PER_SECOND + micros;
}

// Fast paths (the Arrow batch builder's hot loop). Each reads the common shape of a cell's text
// with character codes and plain number arithmetic that is exact within its bounds (at most 15
// decimal digits, |microseconds| below 2^53), and returns NaN for anything else: the caller then
// takes the exact BigInt/regex function above, which gives the value or throws the same error.
// So a fast path never decides a value differently, it only decides sooner.

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** An optionally signed integer of at most 15 digits, exactly; NaN for any other text. */
export function fastInteger(text: string): number {
  const n = text.length;
  let i = 0;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  const negative = c === 45;
  if (negative || c === 43) i = 1;
  if (n - i === 0 || n - i > 15) return NaN;
  let value = 0;
  for (; i < n; i += 1) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    value = value * 10 + c;
  }
  return negative ? -value : value;
}

/**
 * The unscaled integer of a DECIMAL(precision, scale) text when it has at most 15 digits once
 * scaled (|value| < 10^15, exact in a double) and is within the precision; NaN otherwise
 * (unscaledDecimal then decides, or throws).
 */
export function fastUnscaledDecimal(text: string, precision: number, scale: number): number {
  const n = text.length;
  let i = 0;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  const negative = c === 45;
  if (negative || c === 43) i = 1;
  let value = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < n; i += 1) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits += 1;
      if (fraction >= 0) fraction += 1;
    } else if (c === 46 && fraction < 0) {
      fraction = 0;
    } else {
      return NaN;
    }
  }
  if (fraction < 0) fraction = 0;
  if (digits === 0 || fraction > scale || digits + scale - fraction > 15) return NaN;
  value *= POW10[scale - fraction] as number;
  if (precision < 15 && value >= (POW10[precision] as number)) return NaN;
  return negative ? -value : value;
}

function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    value = value * 10 + c;
  }
  return value;
}

/** Days since 1970-01-01 of a plain `YYYY-MM-DD` (4-digit year, no BC); NaN otherwise. */
export function fastDays(text: string): number {
  return text.length === 10 ? daysAt(text) : NaN;
}

/** Days of the `YYYY-MM-DD` that starts `text`; NaN when it is not one. */
function daysAt(text: string): number {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  // NaN fails every comparison: the exact path reports the text.
  if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return NaN;
  return civilDaysOf(year, month, day);
}

/** Microseconds of a fraction of 1 to 6 digits at `from` (to the end or a `Z`); NaN otherwise. */
function fractionMicros(text: string, from: number, end: number): number {
  const count = end - from;
  if (count < 1 || count > 6) return NaN;
  return digitsAt(text, from, count) * (POW10[6 - count] as number);
}

/** Microseconds of the time of day at `from` (`HH:MM:SS[.ffffff]` up to `end`), hours 0–23; NaN otherwise. */
function fastTimeOfDay(text: string, from: number, end: number): number {
  if (end - from < 8 || text.charCodeAt(from + 2) !== 58 || text.charCodeAt(from + 5) !== 58) return NaN;
  const hours = digitsAt(text, from, 2);
  const minutes = digitsAt(text, from + 3, 2);
  const seconds = digitsAt(text, from + 6, 2);
  if (!(hours <= 23 && minutes <= 59 && seconds <= 59)) return NaN;
  let micros = 0;
  if (end - from > 8) {
    if (text.charCodeAt(from + 8) !== 46) return NaN;
    micros = fractionMicros(text, from + 9, end);
  }
  return (hours * 3600 + minutes * 60 + seconds) * 1_000_000 + micros;
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]` before 24:00; NaN otherwise. */
export function fastTimeMicros(text: string): number {
  return fastTimeOfDay(text, 0, text.length);
}

// |seconds since the epoch| below this keeps seconds × 10^6 + micros under 2^53 (years 1685–2255).
const SAFE_SECONDS = 9_007_199_253;

/**
 * Microseconds since 1970-01-01 of `YYYY-MM-DD HH:MM:SS[.ffffff]` (or `T…Z`) within about
 * 1685–2255, where the number is exact; NaN otherwise (microsFromTimestampText then decides).
 */
export function fastTimestampMicros(text: string): number {
  let end = text.length;
  if (end < 19) return NaN;
  const separator = text.charCodeAt(10);
  if (separator === 84) {
    if (text.charCodeAt(end - 1) !== 90) return NaN;
    end -= 1;
  } else if (separator !== 32) {
    return NaN;
  }
  const days = daysAt(text);
  const time = fastTimeOfDay(text, 11, end);
  const seconds = days * 86_400 + Math.floor(time / 1_000_000);
  if (!(seconds > -SAFE_SECONDS && seconds < SAFE_SECONDS)) return NaN;
  return days * 86_400_000_000 + time;
}
