/**
 * Split exports: rows -> a sequence of complete CSV objects (`…_part0001.csv`, `…_part0002.csv`),
 * each with its own header, rolling over at the first record boundary once a part holds
 * `maxRows` rows or `maxBytes` bytes of CSV (measured before compression). Every part is
 * hashed and counted for the manifest. On any failure the open part is aborted and the parts
 * already completed are deleted, so nothing of the run stays visible.
 */
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ManifestObject } from '@rds-s3-export/shared-types';
import type { ObjectSink, ObjectWriteOptions, ObjectWriter, Row } from '../ports.js';
import type { CsvEncoderOptions } from '../csv/csv-options.js';
import { CsvEncoderStream } from '../csv/csv-encoder-stream.js';
import { ByteTap } from './byte-tap.js';
import { createExportGzip } from './gzip.js';
import { STAGE_ROWS } from '../sources/row-buffer.js';

export interface PartLimits {
  readonly maxRows?: number;
  readonly maxBytes?: number;
}

export interface PartWriterOptions {
  readonly sink: ObjectSink;
  readonly keyFor: (part: number) => string;
  readonly writeOptions: ObjectWriteOptions;
  readonly encoding: CsvEncoderOptions;
  /** BOM and header row, written at the start of every part. */
  readonly head: string;
  readonly gzipLevel?: number;
  readonly limits: PartLimits;
  readonly signal?: AbortSignal;
  readonly onPartStarted?: (key: string) => void;
  /** Receives, once at the start, a reader of the running totals (for progress). */
  readonly onCounters?: (read: () => PartCounters) => void;
}

/** Running totals over every part so far, the open one included. */
export interface PartCounters {
  readonly rows: number;
  /** Stored bytes (after compression). */
  readonly bytes: number;
  /** CSV bytes before compression, heads included. */
  readonly csvBytes: number;
}

interface OpenPart {
  readonly key: string;
  readonly encoder: CsvEncoderStream;
  readonly tap: ByteTap;
  readonly writer: ObjectWriter;
  readonly done: Promise<void>;
  rowsIn: number;
}

export async function writeParts(rows: Readable, options: PartWriterOptions): Promise<ManifestObject[]> {
  const finished: ManifestObject[] = [];
  let current: OpenPart | undefined;
  let failed: Error | undefined;
  let csvBytesDone = 0;
  /** The part being completed: still counted, so the totals never step back between parts. */
  let closing: OpenPart | undefined;
  const headBytes = Buffer.byteLength(options.head);

  const open = (): OpenPart => {
    const key = options.keyFor(finished.length + 1);
    const writer = options.sink.openWriter(key, options.writeOptions);
    const encoder = new CsvEncoderStream(options.encoding);
    const tap = new ByteTap();
    const head = options.head;
    const stages: (NodeJS.ReadWriteStream | NodeJS.WritableStream)[] = [encoder];
    stages.push(
      (async function* (body: AsyncIterable<Buffer>) {
        if (head.length > 0) yield Buffer.from(head, 'utf8');
        for await (const chunk of body) yield chunk;
      }) as unknown as NodeJS.ReadWriteStream,
    );
    if (options.writeOptions.contentEncoding === 'gzip') stages.push(createExportGzip(options.gzipLevel));
    stages.push(tap, writer.stream);
    const done = (pipeline as unknown as (streams: unknown[], o: { signal?: AbortSignal }) => Promise<void>)(stages, {
      signal: options.signal,
    }).then(() => writer.complete());
    options.onPartStarted?.(key);
    return { key, encoder, tap, writer, done, rowsIn: 0 };
  };

  const close = async (part: OpenPart) => {
    closing = part;
    part.encoder.end();
    await part.done;
    finished.push({ key: part.key, rows: part.encoder.rows, bytes: part.tap.bytes, sha256: part.tap.digest() });
    csvBytesDone += headBytes + part.encoder.encodedBytes;
    closing = undefined;
  };

  const full = (part: OpenPart) =>
    (options.limits.maxRows !== undefined && part.rowsIn >= options.limits.maxRows) ||
    (options.limits.maxBytes !== undefined && part.encoder.encodedBytes >= options.limits.maxBytes);

  options.onCounters?.(() => {
    const done = finished.reduce((sum, p) => ({ rows: sum.rows + p.rows, bytes: sum.bytes + p.bytes }), { rows: 0, bytes: 0 });
    const open = [closing, current].filter((p): p is OpenPart => p !== undefined);
    return {
      rows: done.rows + open.reduce((sum, p) => sum + p.encoder.rows, 0),
      bytes: done.bytes + open.reduce((sum, p) => sum + p.tap.bytes, 0),
      csvBytes: csvBytesDone + open.reduce((sum, p) => sum + headBytes + p.encoder.encodedBytes, 0),
    };
  });

  const splitter = new Writable({
    objectMode: true,
    highWaterMark: STAGE_ROWS,
    write(row: Row, _encoding, callback) {
      const write = () => {
        const part = current as OpenPart;
        part.rowsIn++;
        if (part.encoder.write(row)) callback();
        else part.encoder.once('drain', () => callback());
      };
      if (current && full(current)) {
        const previous = current;
        current = undefined;
        close(previous).then(() => {
          current = watch(open());
          write();
        }, callback);
        return;
      }
      current ??= watch(open());
      write();
    },
    final(callback) {
      // An empty export still gets one (header-only) part.
      const last = current ?? watch(open());
      current = undefined;
      close(last).then(() => callback(), callback);
    },
  });

  /** A part pipeline that fails (the sink refused a part) must fail the splitter too. */
  function watch(part: OpenPart): OpenPart {
    part.done.catch((error: Error) => {
      failed ??= error;
      splitter.destroy(error);
    });
    return part;
  }

  try {
    await pipeline(rows, splitter, { signal: options.signal });
    return finished;
  } catch (error) {
    if (current) await current.writer.abort(error).catch(() => undefined);
    await Promise.all(finished.map((p) => options.sink.deleteObject(p.key).catch(() => undefined)));
    throw failed ?? error;
  }
}
