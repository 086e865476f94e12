/**
 * Split exports: rows -> a sequence of complete CSV objects (`…_part0001.csv`, `…_part0002.csv`),
 * each written by object-export's `writeObject` with its own header, rolling over at the first
 * record boundary once a part holds `maxRows` rows or `maxBytes` bytes of CSV (measured before
 * compression). On any failure the open part is aborted and the parts already completed are
 * deleted, so nothing of the run stays visible.
 */
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Row } from '../ports.js';
import { CsvEncoderStream } from '../csv/csv-encoder-stream.js';
import { STAGE_ROWS } from '../sources/row-buffer.js';
import { writeObject, type ObjectResult, type ObjectTarget } from './object-export.js';
import { ByteTap } from './streams/byte-tap.js';

export interface PartLimits {
  readonly maxRows?: number;
  readonly maxBytes?: number;
}

export interface SplitOptions {
  readonly keyFor: (part: number) => string;
  readonly limits: PartLimits;
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
  readonly stored: Promise<Omit<ObjectResult, 'rows'>>;
  readonly tap: ByteTap;
  rowsIn: number;
}

export function splits(limits: PartLimits | undefined): boolean {
  return limits?.maxRows !== undefined || limits?.maxBytes !== undefined;
}

export async function writeParts(rows: Readable, target: ObjectTarget, options: SplitOptions): Promise<ObjectResult[]> {
  const finished: ObjectResult[] = [];
  let current: OpenPart | undefined;
  let failed: Error | undefined;
  const headBytes = target.format.head.length;
  let csvBytesDone = 0;
  /** The part being completed: still counted, so the totals never step back between parts. */
  let closing: OpenPart | undefined;

  const open = (): OpenPart => {
    const key = options.keyFor(finished.length + 1);
    const encoder = new CsvEncoderStream(target.format.encoding);
    const tap = new ByteTap();
    const stored = writeObject([encoder], key, target, tap);
    options.onPartStarted?.(key);
    return { key, encoder, stored, tap, rowsIn: 0 };
  };

  const close = async (part: OpenPart) => {
    closing = part;
    part.encoder.end();
    const stored = await part.stored;
    finished.push({ ...stored, rows: part.encoder.rows });
    csvBytesDone += headBytes + part.encoder.encodedBytes;
    closing = undefined;
  };

  options.onCounters?.(() => {
    const open = [closing, current].filter((p): p is OpenPart => p !== undefined);
    return {
      rows: finished.reduce((sum, p) => sum + p.rows, 0) + open.reduce((sum, p) => sum + p.encoder.rows, 0),
      bytes: finished.reduce((sum, p) => sum + p.bytes, 0) + open.reduce((sum, p) => sum + p.tap.bytes, 0),
      csvBytes: csvBytesDone + open.reduce((sum, p) => sum + headBytes + p.encoder.encodedBytes, 0),
    };
  });

  const full = (part: OpenPart) =>
    (options.limits.maxRows !== undefined && part.rowsIn >= options.limits.maxRows) ||
    (options.limits.maxBytes !== undefined && part.encoder.encodedBytes >= options.limits.maxBytes);

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

  /** A part that fails (the sink refused it; writeObject aborted it) must fail the splitter too. */
  function watch(part: OpenPart): OpenPart {
    part.stored.catch((error: Error) => {
      failed ??= error;
      splitter.destroy(error);
    });
    return part;
  }

  try {
    await pipeline(rows, splitter, { signal: target.signal });
    return finished;
  } catch (error) {
    if (current) {
      // Ends the open part's pipeline with the error, so writeObject aborts its writer.
      current.encoder.destroy(error as Error);
      await current.stored.catch(() => undefined);
    }
    await Promise.all(finished.map((p) => target.sink.deleteObject(p.key).catch(() => undefined)));
    throw failed ?? error;
  }
}
