/**
 * The hot path: one row to one CSV record. Pure and allocation-light: one string per row,
 * no regex, no per-cell closures. Must stay byte-identical to the csv-stringify reference
 * configuration (`testing/reference-encoder.ts`); `encode-row.spec.ts` proves it differentially.
 *
 * Rules (RFC 4180, PostgreSQL COPY CSV convention):
 * - NULL -> empty unquoted field; '' -> `""` (so the two stay distinct);
 * - a field is quoted iff it contains the delimiter, `"`, CR or LF; quotes are doubled;
 * - numbers are written as JS renders them (sources only pass numbers that are exact).
 */
import type { Cell } from '../ports.js';
import type { CsvEncoderOptions } from './csv-options.js';

const QUOTE = 34; // "
const CR = 13;
const LF = 10;

export function encodeRow(cells: readonly Cell[], options: CsvEncoderOptions): string {
  const delimiter = options.delimiter;
  const guard = options.guardColumn;
  let record = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) record += delimiter;
    const cell = cells[i];
    if (cell === null || cell === undefined) continue;
    if (typeof cell !== 'string') {
      record += encodeText(String(cell), delimiter);
      continue;
    }
    if (cell.length === 0) {
      record += '""';
      continue;
    }
    record += encodeText(guard[i] === true ? guardFormula(cell) : cell, delimiter);
  }
  return record + options.recordDelimiter;
}

/**
 * One field exactly as {@link encodeRow} writes it (without the delimiter around it), for
 * encoders that build records themselves (the MySQL byte path) and fall back to text for the
 * few cells that need a conversion. `guard`: the formula guard applies to this column.
 */
export function encodeCell(cell: Cell | undefined, guard: boolean, delimiter: string): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell !== 'string') return encodeText(String(cell), delimiter);
  if (cell.length === 0) return '""';
  return encodeText(guard ? guardFormula(cell) : cell, delimiter);
}

/** Header row: column names follow the same quoting rules (an empty name is `""`). */
export function encodeHeader(names: readonly string[], options: CsvEncoderOptions): string {
  const cells = names.map((n) => n);
  return encodeRow(cells, { ...options, guardColumn: [] });
}

function encodeText(text: string, delimiter: string): string {
  const d = delimiter.charCodeAt(0);
  let needsQuotes = false;
  let hasQuote = false;
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      hasQuote = true;
      needsQuotes = true;
      break;
    }
    if (c === d || c === LF || c === CR) needsQuotes = true;
  }
  if (!needsQuotes) return text;
  return hasQuote ? `"${text.replaceAll('"', '""')}"` : `"${text}"`;
}

/**
 * OWASP CSV-injection guard, the same character set as csv-stringify's `escape_formulas`:
 * a leading = + - @ TAB CR (or their full-width forms) gets a `'` prefix.
 */
function guardFormula(text: string): string {
  switch (text.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // TAB
    case 0x0d: // CR
    case 0xff1d:
    case 0xff0b:
    case 0xff0d:
    case 0xff20:
      return `'${text}`;
    default:
      return text;
  }
}
