/**
 * The adversarial table of the conformance suite, the same logical content on both engines.
 * Each engine gets its own DDL for the types it has; the suite compares every exported cell
 * with the value the server itself reports, and a few cells with the literal contract text.
 */

/** Every byte value 0x00..0xff, as the binary column's content of row 1. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Text cells that break naive CSV writers (row id -> text). */
export const HOSTILE_TEXT: ReadonlyArray<readonly [number, string]> = [
  [10, ''],
  [11, 'a,"b"\r\nc'],
  [12, '  leading and trailing  '],
  [13, '\ttab\tseparated\t'],
  [14, 'emoji 😀 and 𝄞 (4-byte UTF-8) and é'],
  [15, '=1+1'],
  [16, 'NULL'],
  [17, '\\N'],
  [18, '"'],
  [19, 'line1\nline2\rline3'],
  [20, ','],
  [21, '\\.'],
];

/** Deterministic pseudo-random text (xorshift), including quotes, separators and non-ASCII. */
export function randomTexts(count: number, seed = 42): string[] {
  const alphabet = ['a', 'b', 'Z', '0', ' ', ',', '"', '\n', '\r', '\t', ';', "'", 'é', '中', '😀', '\\', '='];
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * 24);
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  });
}

export const RANDOM_ROW_BASE = 1000;
export const RANDOM_ROWS = 500;
