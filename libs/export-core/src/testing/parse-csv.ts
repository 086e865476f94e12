import { parse } from 'csv-parse/sync';

/**
 * Parses CSV with a real parser, keeping the NULL / empty-string distinction of the contract:
 * an unquoted empty field is null, a quoted empty field is ''.
 */
export function parseCsv(text: string, { delimiter = ',', header = true } = {}): { header: string[]; rows: (string | null)[][] } {
  const records: (string | null)[][] = parse(text, {
    delimiter,
    bom: true,
    relax_column_count: false,
    record_delimiter: ['\r\n', '\n'],
    cast: (value, context) => (context.quoting ? value : value === '' ? null : value),
  });
  if (!header) return { header: [], rows: records };
  const [first, ...rows] = records;
  return { header: (first ?? []).map((v) => v ?? ''), rows };
}
