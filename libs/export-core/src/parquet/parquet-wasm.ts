/**
 * Where parquet-wasm's WebAssembly (arrow-rs's Parquet writer) is: the encoder's thread
 * (parquet-encoder-worker.mjs) loads it from this path with the ESM build's `initSync`, because
 * the `parquet-wasm/node` build finds its wasm through `__dirname`, which an ESM bundle lacks
 * (docs/parquet-writer-choice.md). The wasm file is looked up, in order:
 * 1. `RDS_S3_EXPORT_PARQUET_WASM` (an explicit path);
 * 2. `parquet_wasm_bg.wasm` next to this module (a bundle ships it next to itself);
 * 3. the installed package (`parquet-wasm/esm/parquet_wasm_bg.wasm`).
 * Loaded only by a Parquet export's thread: CSV runs never pay for it.
 */
import { existsSync } from 'node:fs';
// A namespace import: the Lambda bundle's banner already declares a top-level `createRequire`,
// and a named import of it from node:module collides there (SyntaxError at load).
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

export const PARQUET_WASM_FILE = 'parquet_wasm_bg.wasm';

export function wasmPath(): string {
  const explicit = process.env['RDS_S3_EXPORT_PARQUET_WASM'];
  if (explicit) return explicit;
  const beside = fileURLToPath(new URL(PARQUET_WASM_FILE, import.meta.url));
  if (existsSync(beside)) return beside;
  return nodeModule.createRequire(import.meta.url).resolve(`parquet-wasm/esm/${PARQUET_WASM_FILE}`);
}
