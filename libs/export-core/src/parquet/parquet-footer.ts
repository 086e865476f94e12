/**
 * What a Parquet file's footer says — its row groups and its column schema — read from the bytes
 * as they stream to the destination, without reading the object back. arrow-rs's streaming
 * writer (parquet-wasm) reports neither while it writes, so the manifest takes them from the
 * footer: a file ends `<thrift FileMetaData><4-byte LE length>PAR1`, and FooterTap keeps only the
 * last MAX_FOOTER_BYTES + 8 bytes that passed. hyparquet's metadata parser (pure JS, no I/O)
 * reads them.
 *
 * Bound: 16 MiB. arrow-rs's footer is about 110 bytes per column per row group with statistics
 * truncated to 64 bytes (measured: 1.1 MB for 50 columns x 200 row groups; 5 KB for 3 columns
 * of 2 MB strings x 10 row groups), so 16 MiB covers e.g. 1,000 columns x 150 row groups. A
 * larger footer is not an error of the export (the file is fine): the tap reports it as
 * `{ tooLarge: true }`, and the object's row-group count is left out of the manifest, never
 * guessed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import type { ManifestParquetColumn, ParquetLogicalTypeValue } from '@rds-s3-export/shared-types';

/** Largest footer (FileMetaData) the tap keeps; a larger one is reported, not parsed. */
export const MAX_FOOTER_BYTES = 16 * 1024 * 1024;

/** The last 8 bytes of a Parquet file: the footer's length (LE) and the magic `PAR1`. */
const TRAILER_BYTES = 8;

export interface ParquetFooter {
  readonly rowGroups: number;
  readonly rows: number;
  /** The leaf columns in order (the exporter writes a flat schema). */
  readonly columns: readonly Omit<ManifestParquetColumn, 'stringReason'>[];
}

export type FooterReading = { readonly footer: ParquetFooter } | { readonly tooLarge: true; readonly footerBytes: number };

/**
 * Passes bytes through unchanged, keeping a bounded tail of them. `result()` (after the stream
 * ended) parses the footer; `check`, when given, runs on the parsed footer in `flush`, so a
 * footer it refuses fails the stream before the destination's writer completes.
 */
export class FooterTap extends Transform {
  private readonly limit: number;
  private tail: Buffer[] = [];
  private held = 0;
  private reading: FooterReading | undefined;

  constructor(
    private readonly check?: (reading: FooterReading) => void,
    maxFooterBytes: number = MAX_FOOTER_BYTES,
  ) {
    super();
    this.limit = maxFooterBytes + TRAILER_BYTES;
  }

  /** Bytes of the tail held now: at most the bound + 8 plus one chunk (itself at most that). */
  get heldBytes(): number {
    return this.held;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // A chunk longer than the bound is kept as a copy of its end, so a large chunk (a row group)
    // is not held past its time; smaller chunks are kept as they are until the bound drops them.
    const kept = chunk.length > this.limit ? Buffer.from(chunk.subarray(chunk.length - this.limit)) : chunk;
    this.tail.push(kept);
    this.held += kept.length;
    while (this.tail.length > 1 && this.held - (this.tail[0] as Buffer).length >= this.limit) this.held -= (this.tail.shift() as Buffer).length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      const reading = this.result();
      this.check?.(reading);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** The footer of the bytes that passed (parsed once). Throws when they do not end as a Parquet file. */
  result(): FooterReading {
    if (this.reading) return this.reading;
    const bytes = Buffer.concat(this.tail, this.held);
    this.reading = readFooter(bytes, this.limit - TRAILER_BYTES);
    this.tail = [];
    return this.reading;
  }
}

/** Parses the footer at the end of `bytes` (the end of a Parquet file). */
export function readFooter(bytes: Buffer, maxFooterBytes: number = MAX_FOOTER_BYTES): FooterReading {
  if (bytes.length < TRAILER_BYTES || bytes.toString('latin1', bytes.length - 4) !== 'PAR1') throw new Error('the Parquet writer\'s output does not end with a Parquet footer');
  const footerBytes = bytes.readUInt32LE(bytes.length - TRAILER_BYTES);
  if (footerBytes > maxFooterBytes) return { tooLarge: true, footerBytes };
  const metadata = parquetMetadata(bytes.subarray(bytes.length - TRAILER_BYTES - footerBytes));
  const [, ...leaves] = metadata.schema;
  return {
    footer: {
      rowGroups: metadata.row_groups.length,
      rows: Number(metadata.num_rows),
      columns: leaves.map(footerColumn),
    },
  };
}

function footerColumn(element: SchemaElement): Omit<ManifestParquetColumn, 'stringReason'> {
  if (element.num_children) throw new Error(`the Parquet file has a nested column "${element.name}" (the exporter writes flat files)`);
  const logical = element.logical_type ? logicalType(element.logical_type as unknown as Record<string, unknown>) : undefined;
  return {
    name: element.name,
    physicalType: element.type as ManifestParquetColumn['physicalType'],
    ...(element.type_length !== undefined ? { typeLength: element.type_length } : {}),
    ...(logical ? { logicalType: logical } : {}),
    nullable: element.repetition_type === 'OPTIONAL',
  };
}

/** hyparquet's logical type, reduced to the ones the exporter writes (others are named, for the mismatch message). */
function logicalType(parsed: Record<string, unknown>): ParquetLogicalTypeValue {
  switch (parsed['type']) {
    case 'INTEGER': return { type: 'INTEGER', bitWidth: Number(parsed['bitWidth']), isSigned: Boolean(parsed['isSigned']) };
    case 'DECIMAL': return { type: 'DECIMAL', precision: Number(parsed['precision']), scale: Number(parsed['scale']) };
    case 'DATE': return { type: 'DATE' };
    case 'TIME':
    case 'TIMESTAMP':
      return { type: parsed['type'], unit: parsed['unit'] as 'MILLIS' | 'MICROS' | 'NANOS', isAdjustedToUTC: Boolean(parsed['isAdjustedToUTC']) };
    case 'STRING': return { type: 'STRING' };
    default: throw new Error(`the Parquet file has a column of logical type ${String(parsed['type'])}, which the exporter does not write`);
  }
}
