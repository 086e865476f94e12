// @ts-check
/**
 * The Parquet encoder's worker thread (parquet-encoder.ts is the other side): arrow-rs's writer
 * (parquet-wasm) turning Arrow IPC record batches into Parquet bytes, on its own thread, so
 * that the thread reading and converting rows goes on with the next row group while this one
 * encodes and compresses the last (about a quarter of a Parquet export's CPU).
 *
 * Plain JavaScript: it runs as it is from the sources (tests, tsx) and is bundled as an entry of
 * its own next to the CLI and Lambda bundles, where parquet-encoder.ts finds it beside itself.
 *
 * Messages in: `open` {wasmPath, settings} starts a file; `batch` {ipc} is one record batch as
 * Arrow IPC stream bytes (in shared memory: copied into wasm at once); `end` closes the file.
 * Messages out: `ready` each time the writer asks for its next batch (the sender sends a batch
 * only then, and may overwrite the previous one's bytes then: they were copied), `chunk` {bytes}
 * (transferred), `done` {bytes: the file's length} after the last chunk, `error` {message,
 * stack}. One file at a time.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import * as wasm from 'parquet-wasm/esm';

if (!parentPort) throw new Error('parquet-encoder-worker.mjs runs as a worker thread');
const port = parentPort;

let loaded = false;
/** @type {{ batch(ipc: Uint8Array): void; end(): void } | undefined} */
let job;

port.on('message', (/** @type {any} */ message) => {
  try {
    if (message.type === 'open') void open(message.wasmPath, message.settings);
    else if (message.type === 'batch') job?.batch(message.ipc);
    else if (message.type === 'end') job?.end();
  } catch (error) {
    job = undefined;
    fail(error);
  }
});

/** @param {unknown} error */
function fail(error) {
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
}

/**
 * @typedef {{ codec: 'zstd' | 'snappy'; maxRows: number; maxBytes: number; createdBy: string; deltaColumns: string[] }} EncoderSettings
 */

/**
 * arrow-rs writer properties (the choices are explained in parquet-object.ts, writerSettings).
 * @param {EncoderSettings} settings
 */
function writerProperties(settings) {
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(settings.codec === 'snappy' ? wasm.Compression.SNAPPY : wasm.Compression.ZSTD)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(settings.maxRows)
    .setMaxRowGroupBytes(settings.maxBytes)
    .setCreatedBy(settings.createdBy);
  for (const name of settings.deltaColumns) builder = builder.setColumnEncoding(name, wasm.Encoding.DELTA_BINARY_PACKED);
  return builder.build();
}

/**
 * @param {string} wasmPath
 * @param {EncoderSettings} settings
 */
async function open(wasmPath, settings) {
  try {
    if (!loaded) {
      wasm.initSync({ module: readFileSync(wasmPath) });
      loaded = true;
    }
    /** @type {((batches: unknown[] | null) => void) | undefined} */
    let deliver;
    // Pulled by the writer one batch at a time (no read-ahead: highWaterMark 0), so at most the
    // batch being encoded and the next one are in wasm memory, as when the writer ran in-thread.
    const input = new ReadableStream({
      pull: (controller) =>
        new Promise((resolve) => {
          deliver = (batches) => {
            deliver = undefined;
            if (batches === null) controller.close();
            else for (const batch of batches) controller.enqueue(batch);
            resolve(undefined);
          };
          port.postMessage({ type: 'ready' });
        }),
    }, { highWaterMark: 0 });
    job = {
      batch(ipc) {
        const table = wasm.Table.fromIPCStream(ipc);
        // The writer takes each batch over (and frees it once written); the table would keep the
        // batch's buffers in wasm memory until V8 happened to collect its JS handle.
        const batches = table.recordBatches();
        table.free();
        if (!deliver) throw new Error('a batch arrived before the writer asked for one');
        deliver(batches);
      },
      end() {
        if (!deliver) throw new Error('the end arrived before the writer asked for a batch');
        deliver(null);
      },
    };
    const output = /** @type {ReadableStream<Uint8Array>} */ (await wasm.transformParquetStream(input, writerProperties(settings)));
    const reader = output.getReader();
    let written = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      written += value.byteLength;
      // A view of part of a buffer is copied out, so that only its own bytes move to the other thread.
      const bytes = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
      port.postMessage({ type: 'chunk', bytes }, [bytes.buffer]);
    }
    job = undefined;
    port.postMessage({ type: 'done', bytes: written });
  } catch (error) {
    job = undefined;
    fail(error);
  }
}
