/**
 * Loads parquet-wasm (arrow-rs's Parquet writer compiled to WebAssembly) once per process.
 * The ESM build is used with `initSync` and the wasm bytes read from disk, because the
 * `parquet-wasm/node` build finds its wasm through `__dirname`, which an ESM bundle lacks
 * (docs/parquet-writer-choice.md). The wasm file is looked up, in order:
 * 1. `RDS_S3_EXPORT_PARQUET_WASM` (an explicit path);
 * 2. `parquet_wasm_bg.wasm` next to this module (a bundle ships it next to itself);
 * 3. the installed package (`parquet-wasm/esm/parquet_wasm_bg.wasm`).
 * Loaded lazily: CSV runs never pay the ~1 s import.
 */
import { existsSync, readFileSync } from 'node:fs';
// A namespace import: the Lambda bundle's banner already declares a top-level `createRequire`,
// and a named import of it from node:module collides there (SyntaxError at load).
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as ParquetWasmModule from 'parquet-wasm/esm';

export type ParquetWasm = typeof ParquetWasmModule;

export const PARQUET_WASM_FILE = 'parquet_wasm_bg.wasm';

let loading: Promise<ParquetWasm> | undefined;

export function wasmPath(): string {
  const explicit = process.env['RDS_S3_EXPORT_PARQUET_WASM'];
  if (explicit) return explicit;
  const beside = fileURLToPath(new URL(PARQUET_WASM_FILE, import.meta.url));
  if (existsSync(beside)) return beside;
  return nodeModule.createRequire(import.meta.url).resolve(`parquet-wasm/esm/${PARQUET_WASM_FILE}`);
}

export function loadParquetWasm(): Promise<ParquetWasm> {
  loading ??= (async () => {
    const wasm = await import('parquet-wasm/esm');
    wasm.initSync({ module: readFileSync(wasmPath()) });
    return wasm;
  })();
  return loading;
}
