/**
 * What a Parquet file's footer says — its row groups and its column schema — read from the bytes
 * as they stream to the destination, without reading the object back. arrow-rs's streaming
 * writer (parquet-wasm) reports neither while it writes, so the manifest takes them from the
 * footer: a file ends `<thrift FileMetaData><4-byte LE length>PAR1`. hyparquet's metadata parser
 * (pure JS, no I/O) reads it.
 *
 * What FooterTap holds: the newest chunk (its last MAX_FOOTER_BYTES + 8 bytes when it is longer)
 * and at most CARRY_BYTES of the chunks before it (the end of them). The encoder's thread sends
 * each piece of the writer's output as one chunk, and the writer writes the footer in one piece
 * with the last row group, so any footer up to MAX_FOOTER_BYTES arrives whole in the last chunk;
 * a footer split over chunks (another producer) is read when it is within the carry. So the tap
 * holds one chunk plus at most 1 MiB whatever the file's size. (It used to hold the last 16 MiB that passed: at 10M
 * rows that was most of an 18 MB file, kept for the whole export and copied once more at its end,
 * about 30 MiB of the peak RSS.)
 *
 * Bound: 16 MiB. arrow-rs's footer is about 110 bytes per column per row group with statistics
 * truncated to 64 bytes (measured: 1.1 MB for 50 columns x 200 row groups; 5 KB for 3 columns
 * of 2 MB strings x 10 row groups; 110 KB for the benchmark's 10 columns x 100 row groups), so
 * 16 MiB covers e.g. 1,000 columns x 150 row groups. A footer the tap did not hold whole is not
 * an error of the export (the file is fine): the tap reports it as `{ tooLarge: true }`, and the
 * object's row-group count is left out of the manifest, never guessed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import type { ManifestParquetColumn, ParquetLogicalTypeValue } from '@rds-s3-export/shared-types';

/** Largest footer (FileMetaData) the tap keeps; a larger one is reported, not parsed. */
export const MAX_FOOTER_BYTES = 16 * 1024 * 1024;

/** @default 1 MiB: bytes of the chunks before the newest one the tap keeps, for a footer split over chunks. */
export const CARRY_BYTES = 1024 * 1024;

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
    private readonly maxFooterBytes: number = MAX_FOOTER_BYTES,
    private readonly carryBytes: number = CARRY_BYTES,
  ) {
    super();
    this.limit = maxFooterBytes + TRAILER_BYTES;
  }

  /** Bytes of the tail held now: the newest chunk (at most the bound + 8 of it) and at most the carry before it. */
  get heldBytes(): number {
    return this.held;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // A chunk longer than the bound is kept as a copy of its end, so a large chunk (a row group)
    // is not held past its time; smaller chunks are kept as they are until the carry drops them.
    const kept = chunk.length > this.limit ? Buffer.from(chunk.subarray(chunk.length - this.limit)) : chunk;
    this.tail.push(kept);
    // The chunks before the newest: whole ones dropped while the rest still covers the carry, then
    // the oldest cut to a copy of the end the carry needs (so a large chunk is not held twice).
    // Never more in all than the largest footer and its trailer.
    const carry = Math.min(this.carryBytes, this.limit - kept.length);
    let older = this.held;
    while (this.tail.length > 1 && older - (this.tail[0] as Buffer).length >= carry) older -= (this.tail.shift() as Buffer).length;
    if (this.tail.length > 1 && older > carry) {
      const oldest = this.tail[0] as Buffer;
      this.tail[0] = Buffer.from(oldest.subarray(older - carry));
      older = carry;
    }
    this.held = older + kept.length;
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
    const trailer = lastBytes(this.tail, Math.min(TRAILER_BYTES, this.held));
    // Bytes that do not end as a Parquet file fail here, whatever their length.
    if (!endsAsParquet(trailer)) throw notParquet();
    const footerBytes = trailer.readUInt32LE(0);
    // Only the footer and its trailer are joined, not the whole tail; a footer longer than what
    // was held is reported as readFooter reports one over the bound.
    this.reading = footerBytes + TRAILER_BYTES > this.held ? { tooLarge: true, footerBytes } : readFooter(lastBytes(this.tail, footerBytes + TRAILER_BYTES), this.maxFooterBytes);
    this.tail = [];
    return this.reading;
  }
}

/** At least a trailer's bytes, ending with the magic `PAR1`. */
const endsAsParquet = (bytes: Buffer): boolean => bytes.length >= TRAILER_BYTES && bytes.toString('latin1', bytes.length - 4) === 'PAR1';

const notParquet = (): Error => new Error("the Parquet writer's output does not end with a Parquet footer");

/** The last `count` bytes of `chunks` (at most their total), joined. */
function lastBytes(chunks: readonly Buffer[], count: number): Buffer {
  const parts: Buffer[] = [];
  let need = count;
  for (let i = chunks.length - 1; i >= 0 && need > 0; i -= 1) {
    const chunk = chunks[i] as Buffer;
    const part = chunk.length > need ? chunk.subarray(chunk.length - need) : chunk;
    parts.unshift(part);
    need -= part.length;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** Parses the footer at the end of `bytes` (the end of a Parquet file). */
export function readFooter(bytes: Buffer, maxFooterBytes: number = MAX_FOOTER_BYTES): FooterReading {
  if (!endsAsParquet(bytes)) throw notParquet();
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
