/**
 * PostgreSQL's binary send formats (COPY … (FORMAT binary), big-endian) read into the values
 * the Parquet columns hold, for the types whose binary form is cheaper to read than their text:
 * integers and floats are copied, a date or timestamp is one addition (PostgreSQL counts from
 * 2000-01-01, Parquet from 1970-01-01), a numeric is a few base-10000 digits, and a uuid or a
 * time (string columns) is its output function's text written from its bytes. Exact: the fast
 * paths give up (NaN) wherever a JS number could lose a digit, and the caller takes the exact
 * route, which for numeric goes through the server's own text (`numericText`, PostgreSQL's
 * get_str_from_var) and the text converters of parquet-values.ts, so the two COPY formats give
 * the same value or the same TypedValueError (pg-binary-values.spec.ts checks them against each
 * other; postgres-copy-binary.integ.spec.ts against a server).
 */

/** Days from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_DAYS = 10_957;
/** Microseconds from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_MICROS = 946_684_800_000_000;
const PG_EPOCH_MICROS_BIG = 946_684_800_000_000n;

const TWO_32 = 4294967296;

// Big-endian reads without Buffer's argument checks (the callers stay inside the cell's bounds):
// these run for every cell of the wire path, where Buffer.readInt32BE's checks were measurable.
/** Signed 32-bit big-endian at `at`. */
export const int32At = (b: Uint8Array, at: number): number => ((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number);
/** Unsigned 16-bit big-endian at `at`. */
export const uint16At = (b: Uint8Array, at: number): number => ((b[at] as number) << 8) | (b[at + 1] as number);
/** Signed 16-bit big-endian at `at`. */
export const int16At = (b: Uint8Array, at: number): number => (uint16At(b, at) << 16) >> 16;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Days since 1970-01-01 of a `date` (4 bytes), or the server's text of ±infinity (which has no
 * Parquet DATE value: the caller's text converter throws its TypedValueError).
 */
export function daysFromPgDate(bytes: Buffer, start: number): number | 'infinity' | '-infinity' {
  const days = int32At(bytes, start);
  if (days === 0x7fffffff) return 'infinity';
  if (days === -0x80000000) return '-infinity';
  return days + PG_EPOCH_DAYS;
}

/**
 * Microseconds since 1970-01-01 00:00:00 of a `timestamp`/`timestamptz` (8 bytes), as a number
 * when it is surely exact (within 2^52 microseconds of 2000-01-01: years 1857 to 2142), else NaN
 * (then `microsFromPgTimestamp`).
 */
export function fastMicrosFromPgTimestamp(bytes: Buffer, start: number): number {
  const high = int32At(bytes, start);
  // |high| < 2^20 keeps high * 2^32 + low + the epoch shift below 2^53.
  if (high >= 1048576 || high < -1048576) return NaN;
  return high * TWO_32 + (int32At(bytes, start + 4) >>> 0) + PG_EPOCH_MICROS;
}

/**
 * Microseconds since 1970-01-01 of any `timestamp`/`timestamptz`, or the server's text of
 * ±infinity (no Parquet value), or `out-of-range` when it has no 64-bit microsecond value from
 * 1970 (PostgreSQL's own range ends in 294276, a signed 64-bit count from 1970 in 294247).
 */
export function microsFromPgTimestamp(bytes: Buffer, start: number): bigint | 'infinity' | '-infinity' | 'out-of-range' {
  const since2000 = bytes.readBigInt64BE(start);
  if (since2000 === INT64_MAX) return 'infinity';
  if (since2000 === INT64_MIN) return '-infinity';
  const micros = since2000 + PG_EPOCH_MICROS_BIG;
  return micros > INT64_MAX || micros < INT64_MIN ? 'out-of-range' : micros;
}

const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/**
 * The server's text of a `numeric` in binary form (`bytes[start, end)`): what numeric_out writes,
 * with `dscale` fraction digits, and `NaN`, `Infinity`, `-Infinity`.
 */
export function numericText(bytes: Buffer, start: number, end: number): string {
  if (end - start < 8) throw new Error('malformed COPY binary numeric: shorter than its header');
  const ndigits = bytes.readInt16BE(start);
  const weight = bytes.readInt16BE(start + 2);
  const sign = bytes.readUInt16BE(start + 4);
  const dscale = bytes.readInt16BE(start + 6);
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  if (end - start !== 8 + 2 * ndigits) throw new Error('malformed COPY binary numeric: its digits do not fill the cell');
  const digit = (i: number) => (i >= 0 && i < ndigits ? bytes.readInt16BE(start + 8 + 2 * i) : 0);
  let text = sign === NUMERIC_NEG ? '-' : '';
  if (weight < 0) {
    text += '0';
  } else {
    for (let i = 0; i <= weight; i += 1) text += i === 0 ? String(digit(i)) : String(digit(i)).padStart(4, '0');
  }
  if (dscale > 0) {
    let fraction = '';
    for (let i = weight + 1; fraction.length < dscale; i += 1) fraction += String(digit(i)).padStart(4, '0');
    text += '.' + fraction.slice(0, dscale);
  }
  return text;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Beyond this an accumulator times 10^4 plus a digit could pass 2^53. */
const FAST_LIMIT = Math.floor(Number.MAX_SAFE_INTEGER / 10_000) - 1;

/**
 * The unscaled value of a `numeric` cell in a DECIMAL(precision, scale) column as an exact JS
 * number, or NaN: more than 15 digits, more fraction digits than `scale` (dscale), NaN or
 * infinity. NaN sends the caller to `numericText` and the exact text converter.
 */
export function fastUnscaledFromPgNumeric(bytes: Buffer, start: number, end: number, precision: number, scale: number): number {
  if (end - start < 8) return NaN;
  const ndigits = int16At(bytes, start);
  const weight = int16At(bytes, start + 2);
  const sign = uint16At(bytes, start + 4);
  const dscale = int16At(bytes, start + 6);
  if ((sign !== 0 && sign !== NUMERIC_NEG) || dscale > scale || end - start !== 8 + 2 * ndigits) return NaN;
  let value = 0;
  for (let i = 0; i < ndigits; i += 1) {
    if (value > FAST_LIMIT) return NaN;
    value = value * 10_000 + int16At(bytes, start + 8 + 2 * i);
  }
  // value is the digits as an integer; its last base-10000 digit stands for 10^(4 * (weight - ndigits + 1)).
  const shift = 4 * (weight - ndigits + 1) + scale;
  if (shift > 0) {
    if (shift > 15) return value === 0 ? 0 : NaN;
    value *= POW10[shift] as number;
  } else if (shift < 0) {
    // Only zeros below dscale (<= scale): the division is exact.
    if (-shift > 15) return value === 0 ? 0 : NaN;
    const divisor = POW10[-shift] as number;
    if (value % divisor !== 0) return NaN;
    value /= divisor;
  }
  if (value > Number.MAX_SAFE_INTEGER || (precision <= 15 && value >= (POW10[precision] as number))) return NaN;
  return sign === NUMERIC_NEG ? -value : value;
}

/** Each byte's two lowercase hex digits, as ASCII codes (byte b at 2b and 2b + 1). */
const HEX_PAIRS = Buffer.from(Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0')).join(''), 'latin1');

/** The length of uuid_out's text. */
export const UUID_TEXT_BYTES = 36;

/**
 * Writes the server's text of a `uuid` (16 bytes at `start`) into `out` at `o`, as uuid_out
 * writes it (lowercase hex, 8-4-4-4-12), and returns the position after it.
 */
export function writeUuidText(bytes: Uint8Array, start: number, out: Uint8Array, o: number): number {
  let at = o;
  for (let i = 0; i < 16; i += 1) {
    // A hyphen before bytes 4, 6, 8 and 10 (the 8-4-4-4-12 groups of digits).
    if (i >= 4 && i <= 10 && (i & 1) === 0) out[at++] = 0x2d;
    const pair = (bytes[start + i] as number) << 1;
    out[at] = HEX_PAIRS[pair] as number;
    out[at + 1] = HEX_PAIRS[pair + 1] as number;
    at += 2;
  }
  return at;
}

/** Microseconds in a day: a `time` runs from 00:00:00 to 24:00:00 inclusive. */
const DAY_MICROS = 86_400_000_000;

/** The longest text of a `time`: `HH:MM:SS.ffffff`. */
export const TIME_TEXT_MAX_BYTES = 15;

/**
 * Writes the server's text of a `time` (8 bytes at `start`: microseconds since midnight) into
 * `out` at `o`, as time_out writes it (`HH:MM:SS`, then `.` and the fraction's digits without
 * trailing zeros when there is one; `24:00:00` is a value), and returns the position after it.
 * It may write scratch digits past that position, never past `o + TIME_TEXT_MAX_BYTES`. A count
 * outside a day is not a `time` this function knows: it throws.
 */
export function writeTimeText(bytes: Uint8Array, start: number, out: Uint8Array, o: number): number {
  // Exact within a day (< 2^37); anything outside is refused before it could be inexact.
  const micros = int32At(bytes, start) * TWO_32 + (int32At(bytes, start + 4) >>> 0);
  if (micros < 0 || micros > DAY_MICROS) throw new Error(`a time of ${micros} microseconds is outside a day`);
  // Small integers from here on (seconds < 86,401, fraction < 10^6): int32 arithmetic.
  const seconds = Math.floor(micros / 1_000_000) | 0;
  let fraction = (micros - seconds * 1_000_000) | 0;
  let at = twoDigits(out, o, (seconds / 3600) | 0);
  out[at++] = 0x3a;
  at = twoDigits(out, at, ((seconds / 60) | 0) % 60);
  out[at++] = 0x3a;
  at = twoDigits(out, at, seconds % 60);
  if (fraction === 0) return at;
  out[at++] = 0x2e;
  for (let d = 5; d >= 0; d -= 1) {
    out[at + d] = 0x30 + (fraction % 10);
    fraction = (fraction / 10) | 0;
  }
  let digits = 6;
  while (out[at + digits - 1] === 0x30) digits -= 1;
  return at + digits;
}

function twoDigits(out: Uint8Array, at: number, value: number): number {
  out[at] = 0x30 + ((value / 10) | 0);
  out[at + 1] = 0x30 + (value % 10);
  return at + 2;
}
