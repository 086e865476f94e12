import { z } from 'zod';

/**
 * CSV dialect of an export. Defaults follow RFC 4180 and the PostgreSQL COPY CSV convention:
 * comma, LF, header row, quote only when needed, NULL = empty unquoted field, '' = `""`.
 */
export const CsvDialectSchema = z
  .object({
    /** Single character that separates fields. @default ',' */
    delimiter: z
      .string()
      // One UTF-16 code unit, not zod's .length() (which counts code points and lets '😀' through):
      // the encoder finds the delimiter in a cell by comparing single code units.
      .refine((d) => d.length === 1, 'delimiter must be exactly one character')
      .refine((d) => !['"', '\r', '\n'].includes(d), 'delimiter may not be a quote or a line break')
      .default(','),
    /** Record terminator. @default 'lf' */
    recordDelimiter: z.enum(['lf', 'crlf']).default('lf'),
    /** Write the column names as the first row. @default true */
    header: z.boolean().default(true),
    /** Prefix the file with a UTF-8 byte order mark (helps Excel). @default false */
    bom: z.boolean().default(false),
    /**
     * Prefix text cells starting with = + - @ TAB CR by a single quote, so a spreadsheet does not
     * evaluate them. Text columns only (numbers keep their sign). Changes the data: off by default.
     * @default false
     */
    formulaGuard: z.boolean().default(false),
    /** Binary columns as base64 (default) or lowercase hex. @default 'base64' */
    binaryEncoding: z.enum(['base64', 'hex']).default('base64'),
    /** Zone-aware timestamps as `YYYY-MM-DD HH:MM:SS[.f]` (default) or ISO 8601 `YYYY-MM-DDTHH:MM:SS[.f]Z`. @default 'server' */
    timestampFormat: z.enum(['server', 'iso8601']).default('server'),
    /** MySQL zero dates (`0000-00-00`): keep their text, write NULL, or fail the run. @default 'keep' */
    zeroDates: z.enum(['keep', 'null', 'error']).default('keep'),
  })
  .strict();

export type CsvDialect = z.infer<typeof CsvDialectSchema>;
export type CsvDialectInput = z.input<typeof CsvDialectSchema>;
