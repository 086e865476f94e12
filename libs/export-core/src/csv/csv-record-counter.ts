import { Transform, type TransformCallback } from 'node:stream';

const QUOTE = 0x22; // "
const LF = 0x0a;

/**
 * Passes CSV bytes through unchanged while counting bytes and records, for live progress when
 * the server writes the CSV itself (PostgreSQL COPY): a record ends at a line feed outside
 * quotes. Exact for RFC 4180 quoting with `"` doubled as its own escape (COPY's FORMAT csv
 * default), CRLF included; a quoted line break does not end a record. Scans with indexOf, so
 * the cost is per quote and per record, not per byte. The manifest's row count still comes
 * from the source (`rowCount()`), never from here.
 */
export class CsvRecordCounter extends Transform {
  private byteCount = 0;
  private recordCount = 0;
  private inQuotes = false;

  get bytes(): number {
    return this.byteCount;
  }

  get records(): number {
    return this.recordCount;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.byteCount += chunk.length;
    this.recordCount += this.countRecords(chunk);
    callback(null, chunk);
  }

  private countRecords(chunk: Buffer): number {
    let records = 0;
    let at = 0;
    // The next quote and line feed, each found once and reused until passed (no rescans).
    let quote = chunk.indexOf(QUOTE, at);
    let lf = chunk.indexOf(LF, at);
    while (at < chunk.length) {
      if (this.inQuotes) {
        if (quote < 0) return records;
        this.inQuotes = false;
        at = quote + 1;
        quote = chunk.indexOf(QUOTE, at);
        continue;
      }
      if (lf >= 0 && lf < at) lf = chunk.indexOf(LF, at);
      if (lf < 0 && quote < 0) return records;
      if (lf >= 0 && (quote < 0 || lf < quote)) {
        records++;
        at = lf + 1;
        continue;
      }
      this.inQuotes = true;
      at = quote + 1;
      quote = chunk.indexOf(QUOTE, at);
    }
    return records;
  }
}
