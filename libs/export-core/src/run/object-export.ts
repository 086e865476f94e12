/**
 * One object: body bytes -> head (BOM, header row) -> gzip? -> byte count and SHA-256 -> the
 * sink's writer, with backpressure end to end. Nothing is visible at the key until the writer
 * completes; on any failure the writer is aborted. Used for a single-stream export, for each
 * chunk of a parallel run and, through split-writer.ts, for each part of a split export.
 */
import { pipeline } from 'node:stream/promises';
import type { CsvDialect, ManifestObject } from '@rds-s3-export/shared-types';
import type { ObjectSink, ObjectWriteOptions, SourceColumn, SourceStream } from '../ports.js';
import { CsvEncoderStream } from '../csv/csv-encoder-stream.js';
import { CsvRecordCounter } from '../csv/csv-record-counter.js';
import { encodeHeader } from '../csv/encode-row.js';
import { encoderOptions, type CsvEncoderOptions } from '../csv/csv-options.js';
import { ByteTap } from './streams/byte-tap.js';
import { HeadStream } from './streams/head-stream.js';
import { createExportGzip } from './streams/gzip.js';

/** What one written object is, as the manifest lists it. */
export type ObjectResult = ManifestObject;

/** How every object of a run is written. */
export interface ObjectFormat {
  readonly writeOptions: ObjectWriteOptions;
  readonly encoding: CsvEncoderOptions;
  /** BOM and header row, at the start of every object. */
  readonly head: Buffer;
  /** zlib level for gzip objects. @default DEFAULT_GZIP_LEVEL (1) */
  readonly gzipLevel?: number;
}

export interface ObjectTarget {
  readonly sink: ObjectSink;
  readonly format: ObjectFormat;
  readonly signal?: AbortSignal;
}

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

export function objectFormat(dialect: CsvDialect, compression: 'none' | 'gzip', columns: readonly SourceColumn[], gzipLevel?: number): ObjectFormat {
  const encoding = encoderOptions(dialect, columns.map((c) => c.kind));
  const head = (dialect.bom ? '\uFEFF' : '') + (encoding.header ? encodeHeader(columns.map((c) => c.name), encoding) : '');
  return {
    writeOptions: { contentType: CSV_CONTENT_TYPE, ...(compression === 'gzip' ? { contentEncoding: 'gzip' } : {}) },
    encoding,
    head: Buffer.from(head, 'utf8'),
    gzipLevel,
  };
}

/**
 * Writes `body` (a readable of CSV bytes, optionally followed by transforms) as one object.
 * `tap` may be passed in to watch the bytes while they flow (progress). Returns the key, bytes
 * and SHA-256 of what was stored (after compression); the caller knows the rows.
 */
export async function writeObject(
  body: readonly [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]],
  key: string,
  target: ObjectTarget,
  tap: ByteTap = new ByteTap(),
): Promise<Omit<ObjectResult, 'rows'>> {
  const { sink, format, signal } = target;
  const writer = sink.openWriter(key, format.writeOptions);
  try {
    const compress = format.writeOptions.contentEncoding === 'gzip' ? [createExportGzip(format.gzipLevel)] : [];
    await pipeline([...body, new HeadStream(format.head), ...compress, tap, writer.stream], { signal });
    await writer.complete();
  } catch (error) {
    await writer.abort(error).catch(() => undefined);
    throw error;
  }
  return { key, bytes: tap.bytes, sha256: tap.digest() };
}

/** Progress of the object being written: rows, stored bytes and CSV bytes before compression (head included). */
export interface ObjectProgress {
  readonly rows: () => number;
  readonly bytes: () => number;
  readonly csvBytes: () => number;
}

/** A source's stream (rows to encode, or CSV the database encoded) as one object. */
export async function exportStream(data: Exclude<SourceStream, { kind: 'cells' }>, key: string, target: ObjectTarget, watch?: (progress: ObjectProgress) => () => void): Promise<ObjectResult> {
  const encoder = data.kind === 'rows' ? new CsvEncoderStream(target.format.encoding) : undefined;
  // The server's own CSV (COPY): counted as it passes, for progress only (the rows come from rowCount()).
  const counter = encoder ? undefined : new CsvRecordCounter();
  const tap = new ByteTap();
  const head = target.format.head.length;
  const stop = watch?.({
    rows: () => (encoder ? encoder.rows : (counter?.records ?? 0)),
    bytes: () => tap.bytes,
    csvBytes: () => head + (encoder ? encoder.encodedBytes : (counter?.bytes ?? 0)),
  });
  try {
    const stored = await writeObject([data.stream, (encoder ?? counter) as NodeJS.ReadWriteStream], key, target, tap);
    try {
      const rows = data.kind === 'csv' ? await data.rowCount() : (encoder?.rows ?? 0);
      return { ...stored, rows };
    } catch (error) {
      // Stored but uncounted: it must not stay visible.
      await target.sink.deleteObject(key).catch(() => undefined);
      throw error;
    }
  } finally {
    stop?.();
  }
}
