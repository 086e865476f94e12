/**
 * csv-stringify configured to the CSV contract: the reference the fast encoder is checked
 * against byte for byte. Test-only (the `./testing` entry).
 */
import { stringify } from 'csv-stringify/sync';
import { CsvDialectSchema, formatIssues, type CsvDialect, type CsvDialectInput } from '@rds-s3-export/shared-types';
import { ConfigError } from '../errors.js';
import type { Cell } from '../ports.js';
import type { CsvEncoderOptions } from '../csv/csv-options.js';

export function referenceEncode(rows: readonly (readonly Cell[])[], options: CsvEncoderOptions): string {
  return stringify(
    rows.map((r) => [...r]),
    {
      delimiter: options.delimiter,
      record_delimiter: options.recordDelimiter === '\r\n' ? 'windows' : 'unix',
      // A bare CR or LF must be quoted whatever the record delimiter (RFC 4180). csv-stringify
      // turns this off by default as soon as record_delimiter is set, and then writes '\r' raw.
      quote_record_delimiter: true,
      // '' must be `""` while NULL stays empty: /^$/ only ever matches the empty string.
      quoted_match: [/^$/],
      cast: {
        number: (value) => String(value),
        string: (value, context) =>
          options.guardColumn[context.index as number] === true ? { value, escape_formulas: true } : value,
      },
    },
  );
}

/** A dialect from user-style input, refused as CSV_OPTION_INVALID like the job schema would (test setup). */
export function normaliseDialect(input: CsvDialectInput | CsvDialect): CsvDialect {
  const parsed = CsvDialectSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError('CSV_OPTION_INVALID', `invalid CSV options: ${formatIssues(parsed.error, 'csv')}`);
  return parsed.data;
}
