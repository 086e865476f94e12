/**
 * The fast paths of parquet-values.ts over the bytes of a cell (`bytes[start, end)`, the server's
 * ASCII text of a number, date or time) instead of a JS string: the byte path of the Parquet
 * export (MySQL/MariaDB row packets) never decodes such a cell. Same shapes, same bounds (at most
 * 15 digits, |microseconds| < 2^53), NaN for anything else: the caller then decodes that one cell
 * (latin1) and takes the exact string function, which gives the value or throws the same
 * TypedValueError. `byte-values.spec.ts` checks each against its string twin.
 */
import { civilDaysOf, daysInMonth } from './parquet-values.js';

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** fastInteger over bytes. */
export function fastIntegerBytes(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let c = end > start ? (bytes[start] as number) : 0;
  const negative = c === 45;
  if (negative || c === 43) i += 1;
  if (end - i === 0 || end - i > 15) return NaN;
  let value = 0;
  for (; i < end; i += 1) {
    c = (bytes[i] as number) - 48;
    if (c < 0 || c > 9) return NaN;
    value = value * 10 + c;
  }
  return negative ? -value : value;
}

/** fastUnscaledDecimal over bytes. */
export function fastUnscaledDecimalBytes(bytes: Uint8Array, start: number, end: number, precision: number, scale: number): number {
  let i = start;
  let c = end > start ? (bytes[start] as number) : 0;
  const negative = c === 45;
  if (negative || c === 43) i += 1;
  let value = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i += 1) {
    c = bytes[i] as number;
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

function digitsAt(bytes: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const c = (bytes[i] as number) - 48;
    if (c < 0 || c > 9) return NaN;
    value = value * 10 + c;
  }
  return value;
}

function daysAt(bytes: Uint8Array, at: number): number {
  if (bytes[at + 4] !== 45 || bytes[at + 7] !== 45) return NaN;
  const year = digitsAt(bytes, at, 4);
  const month = digitsAt(bytes, at + 5, 2);
  const day = digitsAt(bytes, at + 8, 2);
  if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return NaN;
  return civilDaysOf(year, month, day);
}

/** fastDays over bytes. */
export function fastDaysBytes(bytes: Uint8Array, start: number, end: number): number {
  return end - start === 10 ? daysAt(bytes, start) : NaN;
}

function fastTimeOfDay(bytes: Uint8Array, from: number, end: number): number {
  if (end - from < 8 || bytes[from + 2] !== 58 || bytes[from + 5] !== 58) return NaN;
  const hours = digitsAt(bytes, from, 2);
  const minutes = digitsAt(bytes, from + 3, 2);
  const seconds = digitsAt(bytes, from + 6, 2);
  if (!(hours <= 23 && minutes <= 59 && seconds <= 59)) return NaN;
  let micros = 0;
  if (end - from > 8) {
    if (bytes[from + 8] !== 46) return NaN;
    const count = end - from - 9;
    if (count < 1 || count > 6) return NaN;
    micros = digitsAt(bytes, from + 9, count) * (POW10[6 - count] as number);
  }
  return (hours * 3600 + minutes * 60 + seconds) * 1_000_000 + micros;
}

/** fastTimeMicros over bytes. */
export function fastTimeMicrosBytes(bytes: Uint8Array, start: number, end: number): number {
  return fastTimeOfDay(bytes, start, end);
}

const SAFE_SECONDS = 9_007_199_253;

/** fastTimestampMicros over bytes. */
export function fastTimestampMicrosBytes(bytes: Uint8Array, start: number, end: number): number {
  if (end - start < 19) return NaN;
  const separator = bytes[start + 10];
  if (separator === 84) {
    if (bytes[end - 1] !== 90) return NaN;
    end -= 1;
  } else if (separator !== 32) {
    return NaN;
  }
  const days = daysAt(bytes, start);
  const time = fastTimeOfDay(bytes, start + 11, end);
  const seconds = days * 86_400 + Math.floor(time / 1_000_000);
  if (!(seconds > -SAFE_SECONDS && seconds < SAFE_SECONDS)) return NaN;
  return days * 86_400_000_000 + time;
}
