/**
 * One Parquet object from a source's cells (the byte path: each cell's server text as bytes,
 * MySQL row packets or PostgreSQL COPY text, through CellTarget) or its row stream: cells ->
 * typed columns (shared-types typedColumn, converted exactly by parquet/parquet-values.ts and
 * the byte twins of its fast paths, parquet/byte-values.ts) -> Arrow record batches of at
 * most `rowGroupRows` rows and `rowGroupBytes` bytes of Arrow buffers, each row appended as it
 * arrives (parquet/arrow-batch.ts) -> parquet-wasm's streaming writer on its own thread
 * (parquet/parquet-encoder.ts; one row group per batch), which encodes one batch while this
 * thread fills the next -> byte count and SHA-256 -> the sink's writer, with backpressure end to
 * end: a batch is sent only when the writer asks for one and the sink has taken the bytes so
 * far, so memory is about two row groups (the one being encoded, the next being filled, their IPC
 * copy and the encoded bytes), never the file. Nothing is visible at the key until the writer completes; on failure it is aborted.
 *
 * Defaults: zstd (level 3 in arrow-rs) — the smallest files of the measured codecs at about
 * snappy's CPU (docs/parquet-writer-choice.md, "Writer settings": 1.46 against 8.38 MiB for the
 * benchmark table's 1M rows, no dictionary and DELTA_BINARY_PACKED integers, see writerProperties);
 * Athena, Glue, Spark and DuckDB all read it. Row groups close at 100,000 rows or 32 MiB,
 * whichever comes first: the JS side cuts batches at 32 MiB of Arrow buffers, and arrow-rs closes
 * the row group in progress at 32 MiB encoded (`max_row_group_bytes`), so a row group is never
 * held whole past either bound. arrow-rs decides the row groups and reports nothing while
 * streaming: the manifest's count comes from the file's footer as it passes (FooterTap,
 * parquet/parquet-footer.ts), which is also checked against the schema the manifest states.
 */
import { Readable, Transform } from 'node:stream';
import { typedColumn, type Engine, type ManifestParquetColumn, type TypedColumn } from '@rds-s3-export/shared-types';
import { ParquetFooterError } from '../errors.js';
import type { CellReader, CellTarget, Row, SourceColumn } from '../ports.js';
import { BatchBuilder, type BatchSchema } from '../parquet/arrow-batch.js';
import { ParquetEncoding, type EncoderSettings } from '../parquet/parquet-encoder.js';
import { FooterTap, type FooterReading } from '../parquet/parquet-footer.js';
import { manifestParquetColumn, parquetColumnType } from '../parquet/parquet-types.js';
import { writeObject, type ObjectProgress, type ObjectResult, type ObjectTarget } from './object-export.js';
import { ByteTap } from './streams/byte-tap.js';
import type { PartLimits, SplitOptions } from './split-writer.js';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
/** @default 100,000 rows per row group. */
export const DEFAULT_ROW_GROUP_ROWS = 100_000;
/**
 * @default 32 MiB per row group: Arrow buffer bytes per batch (fixed widths, offsets, UTF-8),
 * and encoded bytes in arrow-rs. Wide rows of incompressible 8 KiB text peaked at 414 MiB RSS
 * with 32 MiB, 682 MiB with 64 MiB (docs/parquet-writer-choice.md, "Memory"): a row group is
 * held about four times over (the builder's buffers, their IPC copy, the copy in wasm memory,
 * the row group arrow-rs is encoding), and wasm memory never shrinks below its high-water mark.
 */
export const DEFAULT_ROW_GROUP_BYTES = 32 * 1024 * 1024;

export type ParquetCodec = 'zstd' | 'snappy';

export interface ParquetOptions {
  /** @default DEFAULT_ROW_GROUP_ROWS */
  readonly rowGroupRows?: number;
  /** @default DEFAULT_ROW_GROUP_BYTES */
  readonly rowGroupBytes?: number;
  /** @default 'zstd' */
  readonly codec?: ParquetCodec;
  /**
   * The file's `created_by`. Passed in rather than imported: this module is loaded with
   * `import()`, and esbuild then initialises what it imports lazily, which left the CLI's
   * separately bundled `--version` answer reading the version before it was set.
   * @default 'rds-s3-export'
   */
  readonly createdBy?: string;
}

/** How the run's columns become Parquet columns. */
export interface ParquetLayout extends BatchSchema {
  readonly options: ParquetOptions;
}

export function parquetLayout(engine: Engine, columns: readonly SourceColumn[], binaryEncoding: 'base64' | 'hex', options: ParquetOptions = {}): ParquetLayout {
  const typed: TypedColumn[] = columns.map((c) => typedColumn(engine, { sourceType: c.sourceType, kind: c.kind }));
  return { names: columns.map((c) => c.name), columns: typed, binaryEncoding, options };
}

/** The Parquet schema of a layout, as the manifest states it (`parquet.columns`). */
export function parquetSchemaOf(layout: BatchSchema): ManifestParquetColumn[] {
  return layout.columns.map((column, c) => manifestParquetColumn(layout.names[c] as string, column));
}

/**
 * Fails the object (before its writer completes) when the file's footer is not the layout's
 * schema or does not hold the rows written: the manifest would state something the file is not.
 */
export function footerCheck(layout: BatchSchema, rows: () => number): (reading: FooterReading) => void {
  const expected = JSON.stringify(parquetSchemaOf(layout).map(({ stringReason: _reason, ...column }) => column));
  return (reading) => {
    if ('tooLarge' in reading) return;
    const found = JSON.stringify(reading.footer.columns);
    if (found !== expected) throw new ParquetFooterError('PARQUET_SCHEMA_MISMATCH', `the Parquet file's schema is not the one the manifest states (written ${found}, expected ${expected})`);
    if (reading.footer.rows !== rows()) throw new ParquetFooterError('PARQUET_ROW_COUNT_MISMATCH', `the Parquet file's footer counts ${reading.footer.rows} rows, ${rows()} were written`);
  };
}

/** The write options of a Parquet object (compressed inside the file: no Content-Encoding). */
export const PARQUET_WRITE_OPTIONS = { contentType: PARQUET_CONTENT_TYPE } as const;

function cellBytes(row: Row): number {
  let bytes = 0;
  for (const cell of row) bytes += typeof cell === 'string' ? cell.length : 8;
  return bytes;
}

/**
 * Reads rows from `rows` into `builder` until the batch holds `maxRows` rows or `maxBytes` bytes
 * (its Arrow buffers), or the stream ends; true at the end. Reads with `read()` while rows are
 * buffered, and waits for an event only when none is: an async iterator costs a promise per row.
 */
async function fillBatch(rows: Readable, builder: BatchBuilder, maxRows: number, maxBytes: number): Promise<boolean> {
  for (;;) {
    let row: Row | null;
    while ((row = rows.read() as Row | null) !== null) {
      builder.append(row);
      if (builder.length >= maxRows || builder.byteLength >= maxBytes) return false;
    }
    if (rows.readableEnded) return true;
    if (rows.errored) throw rows.errored;
    if (rows.destroyed) throw Object.assign(new Error('the row stream closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown) => {
        rows.off('readable', onReadable);
        rows.off('end', onReadable);
        rows.off('close', onReadable);
        rows.off('error', settle);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      const onReadable = () => settle();
      rows.on('readable', onReadable);
      rows.on('end', onReadable);
      rows.on('close', onReadable);
      rows.on('error', settle);
    });
  }
}

/** The batch builder as a cell reader's target: full at `maxRows` rows or `maxBytes` bytes. */
function cellTarget(builder: BatchBuilder, maxRows: number, maxBytes: number): CellTarget {
  return {
    appendBytes(bytes, bounds) {
      builder.appendBytes(bytes, bounds);
      return builder.length >= maxRows || builder.byteLength >= maxBytes;
    },
    appendWire(bytes, bounds, encodings) {
      builder.appendWire(bytes, bounds, encodings);
      return builder.length >= maxRows || builder.byteLength >= maxBytes;
    },
    appendRow(row) {
      builder.append(row);
      return builder.length >= maxRows || builder.byteLength >= maxBytes;
    },
  };
}

const isCellReader = (source: Readable | CellReader): source is CellReader => typeof (source as CellReader).fill === 'function';

/**
 * arrow-rs writer settings (built into writer properties on the encoder's thread,
 * parquet-encoder-worker.mjs). Beyond the codec and the row-group bounds:
 * - no dictionary encoding: arrow-rs builds a dictionary per column chunk and falls back to PLAIN
 *   once it passes 1 MiB, which high-cardinality columns (keys, e-mails, timestamps, amounts) always
 *   do; the attempt was about half the writer's CPU. Measured on the benchmark table (1M rows):
 *   writer CPU 1.2–3.4 s -> 0.5–0.9 s, and the zstd file smaller, not larger (zstd finds the repeats
 *   of low-cardinality text itself);
 * - DELTA_BINARY_PACKED for every INT32/INT64 column (integers, dates, times, timestamps,
 *   DECIMAL up to precision 18): keys and timestamps in table order differ little from row to
 *   row, which delta encoding stores in a few bits before zstd. It is a standard Parquet encoding,
 *   implemented by Trino (Athena's engine), parquet-mr (Spark, Hive), DuckDB and Arrow; only
 *   DuckDB is exercised here (the tests read every file back with it).
 * - arrow-rs closes a row group at whichever bound comes first: rows, or the encoded bytes of
 *   the row group in progress. The same byte bound on the JS side keeps one batch's rows small.
 * docs/parquet-writer-choice.md ("Writer settings") has the measured alternatives.
 */
function writerSettings(layout: ParquetLayout, maxRows: number, maxBytes: number): EncoderSettings {
  return {
    codec: layout.options.codec === 'snappy' ? 'snappy' : 'zstd',
    maxRows,
    maxBytes,
    createdBy: layout.options.createdBy ?? 'rds-s3-export',
    deltaColumns: layout.names.filter((_, c) => {
      const physical = parquetColumnType(layout.columns[c] as TypedColumn).physical;
      return physical === 'INT32' || physical === 'INT64';
    }),
  };
}

/**
 * Writes the rows of an object-mode Readable (or a source's cell reader: the byte path) as one
 * Parquet object at `key`. `target.format` is not used (that is CSV's); the Parquet write
 * options are PARQUET_WRITE_OPTIONS.
 */
export async function exportParquetStream(
  rows: Readable | CellReader,
  layout: ParquetLayout,
  key: string,
  target: ObjectTarget,
  watch?: (progress: ObjectProgress) => () => void,
): Promise<ObjectResult> {
  const maxRows = layout.options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  const maxBytes = layout.options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES;
  const counted = { rows: 0 };
  const builder = new BatchBuilder(layout);
  const cells = isCellReader(rows) ? rows : undefined;
  const fill = cells
    ? ((into) => () => cells.fill(into))(cellTarget(builder, maxRows, maxBytes))
    : () => fillBatch(rows as Readable, builder, maxRows, maxBytes);
  // A failure here (the source, a cell's conversion) ends the file normally, is kept, and fails
  // the body at its end (`failAtEnd`), before the writer completes: the object is aborted and the
  // original error is the run's (parquet-wasm turns a thrown JS error into "Dyn casting error").
  // The writer also needs one batch to know the schema: an empty table (or a failure before the
  // first batch) gets a batch of zero rows, so the file is valid and has every column.
  let failure: unknown;
  const encoding = new ParquetEncoding(writerSettings(layout, maxRows, maxBytes), (reason) => rows.destroy(reason));
  // While the encoder's thread writes one batch, this one fills the next.
  const produce = async () => {
    let batches = 0;
    const send = async () => {
      await encoding.ready();
      counted.rows += builder.length;
      encoding.send(builder.takeIpc());
      batches += 1;
    };
    for (;;) {
      let done: boolean;
      try {
        done = await fill();
      } catch (error) {
        failure = error;
        rows.destroy();
        // The rows of a batch cut short by the failure are not written (the object is aborted anyway).
        builder.takeBatch();
        done = true;
      }
      if (!done || batches === 0 || builder.length > 0) await send();
      if (done) {
        await encoding.ready();
        return encoding.end();
      }
    }
  };
  // The encoder's own failure (or the output closed early) reaches the body through `output`;
  // any other (a batch that could not be taken) fails the output here, so the body never waits
  // for an end that will not come.
  produce().catch((error: unknown) => {
    failure ??= error;
    rows.destroy();
    encoding.output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  const failAtEnd = new Transform({
    transform: (chunk, _encoding, callback) => callback(failure === undefined ? null : (failure as Error), failure === undefined ? chunk : undefined),
    flush: (callback) => callback(failure === undefined ? null : (failure as Error)),
  });
  const tap = new ByteTap();
  const footer = new FooterTap(footerCheck(layout, () => counted.rows));
  const stop = watch?.({ rows: () => counted.rows, bytes: () => tap.bytes, csvBytes: () => tap.bytes });
  try {
    const stored = await writeObject([encoding.output, failAtEnd, footer], key, { ...target, format: { ...target.format, writeOptions: PARQUET_WRITE_OPTIONS, head: Buffer.alloc(0) } }, tap);
    const reading = footer.result();
    return { ...stored, rows: counted.rows, ...('footer' in reading ? { rowGroups: reading.footer.rowGroups } : {}) };
  } finally {
    stop?.();
    // A writer that failed before taking the output (the sink could not open the object) leaves
    // it unread: stop the thread and the source rather than wait on them.
    if (!encoding.output.readableEnded) encoding.output.destroy();
  }
}

/**
 * Split Parquet exports: the rows as a sequence of complete Parquet files (`…_part0001.parquet`,
 * …), each through exportParquetStream, rolling over at the first row boundary once a part holds
 * `maxRows` rows or `maxBytes` bytes of cell text (the measure the row groups use: the text the
 * server sent, before encoding and compression; the stored file is usually much smaller). An
 * empty export still gets one part (a file with every column and no rows), as CSV's gets its
 * header. On any failure the parts already completed are deleted.
 */
export async function writeParquetParts(rows: Readable, layout: ParquetLayout, target: ObjectTarget, options: SplitOptions): Promise<ObjectResult[]> {
  const limits: PartLimits = options.limits;
  const iterator = (rows as AsyncIterable<Row>)[Symbol.asyncIterator]();
  const finished: ObjectResult[] = [];
  let partRows = 0;
  options.onCounters?.(() => {
    const bytes = finished.reduce((sum, p) => sum + p.bytes, 0);
    return { rows: finished.reduce((sum, p) => sum + p.rows, 0) + partRows, bytes, csvBytes: bytes };
  });
  try {
    let next = await iterator.next();
    do {
      partRows = 0;
      let partBytes = 0;
      const full = () => (limits.maxRows !== undefined && partRows >= limits.maxRows) || (limits.maxBytes !== undefined && partBytes >= limits.maxBytes);
      // Pulls from the shared iterator; `next` always holds the first row not yet written.
      async function* part(): AsyncGenerator<Row> {
        while (!next.done && !(partRows > 0 && full())) {
          const row = next.value;
          partRows += 1;
          partBytes += cellBytes(row);
          yield row;
          next = await iterator.next();
        }
      }
      const key = options.keyFor(finished.length + 1);
      options.onPartStarted?.(key);
      finished.push(await exportParquetStream(Readable.from(part()), layout, key, target));
      partRows = 0;
    } while (!next.done);
    return finished;
  } catch (error) {
    rows.destroy();
    await Promise.all(finished.map((p) => target.sink.deleteObject(p.key).catch(() => undefined)));
    throw error;
  }
}
