import type { CsvDialect } from '@rds-s3-export/shared-types';
import type { ColumnKind } from '../ports.js';

/** Encoder options, normalised once per export and frozen (the hot path reads them per cell). */
export interface CsvEncoderOptions {
  readonly delimiter: string;
  readonly recordDelimiter: '\n' | '\r\n';
  readonly header: boolean;
  readonly bom: boolean;
  /** Per column: apply the formula-injection guard (text columns, when the dialect asks for it). */
  readonly guardColumn: readonly boolean[];
}

export function encoderOptions(dialect: CsvDialect, columnKinds: readonly ColumnKind[]): CsvEncoderOptions {
  return Object.freeze({
    delimiter: dialect.delimiter,
    recordDelimiter: dialect.recordDelimiter === 'crlf' ? '\r\n' : '\n',
    header: dialect.header,
    bom: dialect.bom,
    guardColumn: Object.freeze(columnKinds.map((kind) => dialect.formulaGuard && kind === 'text')),
  });
}
